#include "signaling/log/log_value.hpp"

#include "signaling/log/utf8.hpp"

#include <algorithm>

namespace switchboard::log {

std::string log_value(std::string_view client_bytes, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(client_bytes.size(), max_bytes) + 32);
  std::size_t pos = 0;
  while (pos < client_bytes.size()) {
    const std::size_t before = out.size();
    const utf8_unit unit = next_utf8_unit(client_bytes, pos);
    if (unit.valid && unit.code_point == '\\') {
      out += "\\\\";
    } else {
      append_printable(out, client_bytes, pos, unit);
    }
    if (out.size() > max_bytes) {
      out.resize(before);
      out += "\u2026(+" + std::to_string(client_bytes.size() - pos) + " bytes)";
      return out;
    }
    pos += unit.size;
  }
  return out;
}

}  // namespace switchboard::log
