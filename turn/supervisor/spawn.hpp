#pragma once
// Starting a child the way a supervisor needs it, with no Asio:
//  - its own process group, so stopping it reaches anything it forked and a
//    Ctrl-C meant for us does not hit it before we shut it down in order;
//  - PR_SET_PDEATHSIG(SIGKILL), so it dies if we crash or are SIGKILLed
//    (posix_spawn cannot set that, hence fork + exec). Linux ties the signal
//    to the *thread* that forked: spawn only from threads that live as long
//    as the supervisor (the io_context threads do);
//  - stdin from /dev/null, stdout and stderr on one pipe;
//  - every signal at its default disposition and unblocked, whatever we
//    ignore or block ourselves (SIGPIPE, signal_set masks).

#include <sys/types.h>

#include <string>
#include <system_error>
#include <vector>

namespace switchboard::turn {

struct spawned_child {
  pid_t pid = -1;
  int output_fd = -1;  // read end of the stdout+stderr pipe, close-on-exec; the caller owns it
};

// Starts argv[0] (searched in PATH when it has no '/'). Exec failures are
// reported here (ENOENT, EACCES, ...), not as an exit status.
std::error_code spawn_child(const std::vector<std::string>& argv, spawned_child& out);

}  // namespace switchboard::turn
