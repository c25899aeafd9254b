#pragma once
// Client-supplied values (Origin, path, User-Agent, ids) made safe to put in a
// log line: always valid, printable UTF-8 and bounded in size, so a hostile
// client can neither forge lines nor make one line huge.

#include <cstddef>
#include <string>
#include <string_view>

namespace switchboard::log {

// Well-formed UTF-8 passes through. Escaped: invalid bytes, C0 controls and
// DEL as \xNN; C1 controls, U+2028/9 and bidi controls as \u{XXXX}; a
// backslash as \\ (so an escape in the output always means one). Quotes are
// left alone: the JSON formatter escapes them.
//
// Output is at most `max_bytes` before a suffix "…(+N bytes)", where N is
// the count of input bytes left out. Units are never split: a UTF-8 sequence
// or an escape is either whole or absent. Since every unit's output is at
// least as long as its input, at most `max_bytes` of input are shown, and
// the whole result stays within max_bytes + 32 (the suffix with a 20-digit N).
std::string log_value(std::string_view client_bytes, std::size_t max_bytes = 200);

}  // namespace switchboard::log
