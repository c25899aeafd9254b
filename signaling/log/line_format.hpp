#pragma once
// Rendering of one log line, text or JSON, from already formatted parts.
// Whatever the message holds, a text line is printable UTF-8 with exactly one
// newline (at its end) and a JSON line is one valid JSON object in valid
// UTF-8. signaling/app plugs these into spdlog.

#include <chrono>
#include <string>
#include <string_view>

namespace switchboard::log {

using log_time = std::chrono::system_clock::time_point;

// 2026-11-24T22:44:34.054Z (UTC, milliseconds).
void append_utc_timestamp(std::string& out, log_time t);

// The message of a text line: invalid bytes, C0 controls (newlines too) and
// DEL as \xNN; C1, U+2028/9 and bidi controls as \u{XXXX}. Backslashes stay
// as they are, so a value already passed through log_value() is unchanged.
void append_text_message(std::string& out, std::string_view msg);

// The inside of a JSON string (no quotes): " and \ escaped, \n \r \t and the
// other C0 controls, DEL, C1, U+2028/9 and bidi controls as \uXXXX (they
// decode to themselves), each invalid byte as the text \xNN (in JSON:
// "\\xNN", so it decodes to a backslash, x and two hex digits).
void append_json_string(std::string& out, std::string_view msg);

// "2026-11-24T22:44:34.054Z info listening\n": the old spdlog pattern
// "%Y-%m-%dT%H:%M:%S.%eZ %l %v" in UTC, with the message made printable.
void append_text_line(std::string& out, log_time t, std::string_view level, std::string_view msg);

// {"ts":"2026-11-24T22:44:34.054Z","level":"info","msg":"listening"}\n
void append_json_line(std::string& out, log_time t, std::string_view level, std::string_view msg);

}  // namespace switchboard::log
