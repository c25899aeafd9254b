# The soak's plot (bench/soak/plot.cpp passes the variables with -e):
#   csv, png, title_text    files and title
#   w2a, w2b, wla, wlb      the RSS comparison windows (after warm-up, last), seconds
#   fd_base                 the server's open descriptors before any client
# Columns are looked up by name in the CSV's header (bench/soak/sampler.cpp).
set terminal pngcairo size 1400,1700 font "DejaVu Sans,11"
set output png
set datafile separator ","
set datafile columnheaders
set multiplot layout 4,1 title title_text font ",14"
set grid
set key outside below center horizontal
set lmargin 12
set rmargin 12
set xlabel "seconds since the clients started"

# The two windows whose RSS averages are compared.
set object 1 rect from w2a, graph 0 to w2b, graph 1 behind fillcolor rgb "#dff0d8" fillstyle solid noborder
set object 2 rect from wla, graph 0 to wlb, graph 1 behind fillcolor rgb "#d9edf7" fillstyle solid noborder

set title "Server RSS (shaded: the minute after warm-up and the last minute, compared)"
set ylabel "MiB"
set yrange [0:*]
plot csv using "t_s":"rss_mib" with lines lw 2 lc rgb "#1f77b4" title "RSS"

unset object 1
unset object 2
set title "Open descriptors and connections"
set ylabel "count"
plot csv using "t_s":"fds" with lines lw 2 lc rgb "#d62728" title "server open fds", \
     fd_base with lines dt 2 lc rgb "#d62728" title "fd baseline", \
     csv using "t_s":"srv_connections" with lines lc rgb "#2ca02c" title "server WebSocket connections", \
     csv using "t_s":"srv_peers_detached" with lines lc rgb "#9467bd" title "detached peers (awaiting resume)"

set title "Server CPU and churn"
set ylabel "% of one core"
set y2label "per second"
set y2tics
set ytics nomirror
prev_open = 0
prev_closed = 0
plot csv using "t_s":"cpu_pct" with lines lw 2 lc rgb "#ff7f0e" title "server CPU", \
     csv using "t_s":(d = column("cli_opened") - prev_open, prev_open = column("cli_opened"), d) \
         axes x1y2 with lines lc rgb "#17becf" title "connections opened/s", \
     csv using "t_s":(d = column("cli_resets") + column("cli_clean_closes") - prev_closed, \
                      prev_closed = column("cli_resets") + column("cli_clean_closes"), d) \
         axes x1y2 with lines lc rgb "#8c564b" title "disconnects/s (RST + close 1000)"
unset y2tics
unset y2label
set ytics mirror

set title "Errors: server counters vs what the clients injected (cumulative)"
set ylabel "count"
set logscale y
set yrange [0.8:*]
plot csv using "t_s":(column("srv_errors_sent") + 1) with lines lw 2 lc rgb "#d62728" title "server: errors sent (+1)", \
     csv using "t_s":(column("cli_injected") + 1) with lines dt 2 lw 2 lc rgb "#000000" title "clients: injected (+1)", \
     csv using "t_s":(column("srv_undeliverable") + 1) with lines lc rgb "#9467bd" title "server: undeliverable, relays to unknown ids included (+1)", \
     csv using "t_s":(column("cli_problems") + 1) with lines lw 2 lc rgb "#ff7f0e" title "clients: problems (+1)", \
     csv using "t_s":(column("srv_rejected") + column("srv_peers_refused") + column("srv_policy_closes") + column("srv_slow_consumers") + column("srv_peers_evicted") + 1) \
         with lines lc rgb "#7f7f7f" title "server: refusals, policy closes, slow consumers, evictions (+1)"
unset multiplot
