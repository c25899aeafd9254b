// Summarises bench/run.sh's results: one JSON line per run in, Markdown tables out
// (medians over the successful repetitions, ratios, and the targets of docs/performance.md).
// Usage: node bench/summarize.js RESULTS.jsonl
'use strict';

const fs = require('node:fs');

// Issue 12's targets, relative to the references measured in the same run:
// server CPU per relayed message at >= TARGET_FROM_PAIRS pairs at most these
// fractions of Bun's and PeerJS's, the cost at the largest size at most
// TARGET_SCALING times the cost at the smallest, RSS per idle connection at
// most Bun's.
const TARGET_VS = { bun: 0.8, peerjs: 0.5 };
const TARGET_FROM_PAIRS = 2000;
const TARGET_SCALING = 1.2;

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

const fmt = (x, digits = 1) => {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
};

function readLines(path) {
  return fs
    .readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line));
}

// switchboard_relay_floor lines: the bare epoll relay, by size and syscall pattern.
function floorTable(lines) {
  const floors = lines.filter((l) => 'per_message' in l);
  if (floors.length === 0) return null;
  const keys = [...new Set(floors.map((l) => `${l.pairs}|${l.per_message}`))];
  const rows = [
    '| pairs | recv()+send() | runs | relay CPU per msg (µs) | recv+send pairs per msg | messages/s |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  for (const key of keys.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const [pairs, perMessage] = key.split('|').map(Number);
    const runs = floors.filter((l) => l.pairs === pairs && l.per_message === perMessage);
    rows.push(
      `| ${pairs} | ${perMessage ? 'one per message' : 'as many as queued'} | ${runs.length} ` +
        `| ${fmt(median(runs.map((r) => r.relay_cpu_us_per_msg)), 2)} ` +
        `| ${fmt(median(runs.map((r) => r.recv_send_pairs_per_msg)), 2)} ` +
        `| ${fmt(median(runs.map((r) => r.msgs_per_s)), 0)} |`,
    );
  }
  return rows.join('\n');
}

// run.sh's send_calls lines: Switchboard's messages per gather write (one sendmsg()
// each) in the measured relay, from its metrics.
function sendCallsTable(lines) {
  const calls = lines.filter((l) => 'send_calls' in l && l.writes > 0);
  if (calls.length === 0) return null;
  const rows = ['| pairs | runs | messages per send call | send calls per message |', '|---:|---:|---:|---:|'];
  for (const pairs of [...new Set(calls.map((l) => l.pairs))].sort((a, b) => a - b)) {
    const runs = calls.filter((l) => l.pairs === pairs);
    const perWrite = median(runs.map((r) => r.messages / r.writes));
    rows.push(`| ${pairs} | ${runs.length} | ${fmt(perWrite, 2)} | ${fmt(perWrite ? 1 / perWrite : null, 3)} |`);
  }
  return rows.join('\n');
}

function load(lines) {
  const runs = lines.filter((l) => 'server' in l);
  const groups = new Map();
  for (const run of runs) {
    const key = `${run.server}|${run.pairs}`;
    if (!groups.has(key)) groups.set(key, { server: run.server, pairs: run.pairs, runs: [] });
    groups.get(key).runs.push(run);
  }
  for (const g of groups.values()) {
    const ok = g.runs.filter((r) => r.ok);
    g.ok = ok.length;
    g.failures = g.runs.filter((r) => !r.ok).map((r) => r.failure);
    g.m = {};
    for (const field of Object.keys(g.runs[0])) g.m[field] = median(ok.map((r) => r[field]));
  }
  return [...groups.values()].sort((a, b) => a.server.localeCompare(b.server) || a.pairs - b.pairs);
}

function figuresTable(groups) {
  const rows = [
    '| server | pairs | ok runs | conn. set-up p50 / p99 (ms) | RSS per idle conn. (KiB) | calls/s | messages/s | latency p50 / p99 (ms) | server CPU per msg (µs) | loadgen CPU per msg (µs) | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of groups) {
    const m = g.m;
    rows.push(
      `| ${g.server} | ${g.pairs} | ${g.ok}/${g.runs.length} | ${fmt(m.setup_ms_p50, 2)} / ${fmt(m.setup_ms_p99, 2)} ` +
        `| ${fmt(m.rss_kib_per_idle_conn, 2)} | ${fmt(m.calls_per_s, 0)} | ${fmt(m.msgs_per_s, 0)} ` +
        `| ${fmt(m.latency_us_p50 / 1000, 2)} / ${fmt(m.latency_us_p99 / 1000, 2)} ` +
        `| ${fmt(m.server_cpu_us_per_msg, 2)} | ${fmt(m.loadgen_cpu_us_per_msg, 2)} | ${fmt(m.load_start, 1)} |`,
    );
  }
  return rows.join('\n');
}

function ratiosTable(groups) {
  const find = (server, pairs) => groups.find((g) => g.server === server && g.pairs === pairs);
  const sizes = [...new Set(groups.map((g) => g.pairs))].sort((a, b) => a - b);
  const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);
  const rows = [
    '| comparison | server CPU per msg | RSS per idle conn. | messages/s | calls/s |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const reference of ['peerjs', 'bun']) {
    for (const pairs of sizes) {
      const s = find('switchboard', pairs);
      const p = find(reference, pairs);
      if (!s || !p) continue;
      rows.push(
        `| switchboard / ${reference} at ${pairs} pairs | ${fmt(ratio(s.m.server_cpu_us_per_msg, p.m.server_cpu_us_per_msg), 2)} ` +
          `| ${fmt(ratio(s.m.rss_kib_per_idle_conn, p.m.rss_kib_per_idle_conn), 2)} ` +
          `| ${fmt(ratio(s.m.msgs_per_s, p.m.msgs_per_s), 2)} | ${fmt(ratio(s.m.calls_per_s, p.m.calls_per_s), 2)} |`,
      );
    }
  }
  if (sizes.length >= 2) {
    const [lo, hi] = [sizes[0], sizes[sizes.length - 1]];
    for (const server of [...new Set(groups.map((g) => g.server))]) {
      const a = find(server, lo);
      const b = find(server, hi);
      if (!a || !b) continue;
      rows.push(
        `| ${server}: ${hi} / ${lo} pairs | ${fmt(ratio(b.m.server_cpu_us_per_msg, a.m.server_cpu_us_per_msg), 2)} ` +
          `| ${fmt(ratio(b.m.rss_kib_per_idle_conn, a.m.rss_kib_per_idle_conn), 2)} ` +
          `| ${fmt(ratio(b.m.msgs_per_s, a.m.msgs_per_s), 2)} | ${fmt(ratio(b.m.calls_per_s, a.m.calls_per_s), 2)} |`,
      );
    }
  }
  return rows.join('\n');
}

function targets(groups) {
  const mine = groups.filter((g) => g.server === 'switchboard');
  if (mine.length === 0) return 'switchboard: no runs';
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED');
  const ratio = (a, b) => (a && b ? a / b : null);
  const lines = [];
  for (const g of mine) {
    const other = (server) => groups.find((o) => o.server === server && o.pairs === g.pairs);
    const cpu = g.m.server_cpu_us_per_msg;
    const parts = [`${fmt(cpu, 2)} µs CPU/msg`];
    for (const [server, limit] of Object.entries(TARGET_VS)) {
      const r = other(server) ? ratio(cpu, other(server).m.server_cpu_us_per_msg) : null;
      const judged = g.pairs >= TARGET_FROM_PAIRS ? ` (≤ ${limit}: ${verdict(r === null ? null : r <= limit)})` : '';
      parts.push(`×${fmt(r, 2)} ${server}'s${judged}`);
    }
    const bun = other('bun');
    const rss = g.m.rss_kib_per_idle_conn;
    const bunRss = bun ? bun.m.rss_kib_per_idle_conn : null;
    parts.push(`${fmt(rss, 2)} KiB/idle conn. (≤ bun's ${fmt(bunRss, 2)}: ${verdict(rss === null || bunRss === null ? null : rss <= bunRss)})`);
    lines.push(`- ${g.pairs} pairs: ${parts.join(', ')}`);
  }
  if (mine.length >= 2) {
    const a = mine[0].m.server_cpu_us_per_msg;
    const b = mine[mine.length - 1].m.server_cpu_us_per_msg;
    const r = a && b ? b / a : null;
    lines.push(
      `- CPU/msg at ${mine[mine.length - 1].pairs} vs ${mine[0].pairs} pairs: ×${fmt(r, 2)} ` +
        `(≤ ×${TARGET_SCALING}: ${verdict(r === null ? null : r <= TARGET_SCALING)})`,
    );
  }
  return lines.join('\n');
}

function main() {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node bench/summarize.js RESULTS.jsonl');
    process.exit(2);
  }
  const lines = readLines(path);
  const groups = load(lines);
  console.log('\n## Medians\n');
  console.log(figuresTable(groups));
  console.log('\n## Ratios\n');
  console.log(ratiosTable(groups));
  const sendCalls = sendCallsTable(lines);
  if (sendCalls) {
    console.log('\n## Switchboard: messages per send call (measured relay, medians)\n');
    console.log(sendCalls);
  }
  const floor = floorTable(lines);
  if (floor) {
    console.log('\n## Relay floor (bare epoll relay, same workload, medians)\n');
    console.log(floor);
  }
  console.log('\n## Targets (switchboard)\n');
  console.log(targets(groups));
  const failed = groups.filter((g) => g.failures.length > 0);
  for (const g of failed) console.log(`\n${g.server} at ${g.pairs} pairs failed: ${g.failures.join('; ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main();
