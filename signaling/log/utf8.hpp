#pragma once
// UTF-8 validation one unit at a time, and the printable form of a unit, for
// text that may come from a hostile client and ends up in a log line.

#include <cstddef>
#include <string>
#include <string_view>

namespace switchboard::log {

// One step through a byte string: a well-formed UTF-8 sequence (1 to 4 bytes,
// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) or a
// single byte that does not start one.
struct utf8_unit {
  std::size_t size = 1;      // bytes consumed
  char32_t code_point = 0;   // meaningful only when valid
  bool valid = false;
};

// `pos` must be < text.size().
utf8_unit next_utf8_unit(std::string_view text, std::size_t pos) noexcept;

// Code points that are valid but would let a value rewrite how a log line
// looks: C0/C1 controls and DEL, line/paragraph separators (U+2028/9) and the
// bidirectional controls used in "Trojan Source" tricks.
bool is_unsafe_code_point(char32_t cp) noexcept;

// Appends the unit starting at text[pos]: as is if valid and safe; an
// invalid byte or a C0 control/DEL as \xNN; other unsafe code points as
// \u{XXXX}. Backslashes are not touched (callers decide).
void append_printable(std::string& out, std::string_view text, std::size_t pos, const utf8_unit& unit);

}  // namespace switchboard::log
