#include "signaling/log/line_format.hpp"

#include "signaling/log/utf8.hpp"

#include <cstdio>

namespace switchboard::log {
namespace {

void append_json_escape(std::string& out, char32_t cp) {
  switch (cp) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  // Every unsafe code point is in the BMP, so four hex digits suffice.
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  out += buf;
}

}  // namespace

void append_utc_timestamp(std::string& out, log_time t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  out += buf;
}

void append_text_message(std::string& out, std::string_view msg) {
  for (std::size_t pos = 0; pos < msg.size();) {
    const utf8_unit unit = next_utf8_unit(msg, pos);
    append_printable(out, msg, pos, unit);
    pos += unit.size;
  }
}

void append_json_string(std::string& out, std::string_view msg) {
  for (std::size_t pos = 0; pos < msg.size();) {
    const utf8_unit unit = next_utf8_unit(msg, pos);
    if (!unit.valid) {
      out += '\\';  // JSON-escapes the backslash of the \xNN appended next
      append_printable(out, msg, pos, unit);
    } else if (unit.code_point == '"' || unit.code_point == '\\' || is_unsafe_code_point(unit.code_point)) {
      append_json_escape(out, unit.code_point);
    } else {
      out.append(msg.substr(pos, unit.size));
    }
    pos += unit.size;
  }
}

void append_text_line(std::string& out, log_time t, std::string_view level, std::string_view msg) {
  append_utc_timestamp(out, t);
  out += ' ';
  append_text_message(out, level);
  out += ' ';
  append_text_message(out, msg);
  out += '\n';
}

void append_json_line(std::string& out, log_time t, std::string_view level, std::string_view msg) {
  out += "{\"ts\":\"";
  append_utc_timestamp(out, t);
  out += "\",\"level\":\"";
  append_json_string(out, level);
  out += "\",\"msg\":\"";
  append_json_string(out, msg);
  out += "\"}\n";
}

}  // namespace switchboard::log
