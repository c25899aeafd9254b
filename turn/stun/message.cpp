#include "turn/stun/message.hpp"

#include "turn/stun/attributes.hpp"
#include "turn/stun/errors.hpp"

#include <algorithm>

namespace switchboard::stun {
namespace {

// Position of the trailing attributes RFC 8489 section 14 allows after the
// integrity attributes; 0 for everything else.
int trailer_rank(std::uint16_t type) noexcept {
  switch (type) {
    case attr::message_integrity: return 1;
    case attr::message_integrity_sha256: return 2;
    case attr::fingerprint: return 3;
    default: return 0;
  }
}

std::error_code check_header(byte_view wire, std::size_t& body_size) noexcept {
  if (wire.size() < header_size) {
    return errc::truncated_header;
  }
  if ((wire[0] & 0xC0) != 0) {
    return errc::not_stun;
  }
  if (read_u32(wire.data() + 4) != magic_cookie) {
    return errc::bad_magic_cookie;
  }
  // A length that is not a multiple of 4 means the last attribute lacks its
  // padding; the attribute walk reports that as bad_padding.
  body_size = read_u16(wire.data() + 2);
  if (header_size + body_size != wire.size()) {
    return errc::length_mismatch;
  }
  return {};
}

}  // namespace

std::uint16_t message_type(std::uint16_t m, message_class cls) noexcept {
  const auto c = static_cast<std::uint16_t>(cls);
  return static_cast<std::uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) |
                                    ((c & 1) << 4) | ((c & 2) << 7));
}

void split_message_type(std::uint16_t type, std::uint16_t& m, message_class& cls) noexcept {
  m = static_cast<std::uint16_t>((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  cls = static_cast<message_class>(((type >> 4) & 1) | ((type >> 7) & 2));
}

void append_u16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void append_u32(bytes& out, std::uint32_t v) {
  append_u16(out, static_cast<std::uint16_t>(v >> 16));
  append_u16(out, static_cast<std::uint16_t>(v));
}

bytes encode(const message& m) {
  bytes out;
  out.reserve(header_size + 64);
  append_u16(out, message_type(m.method, m.cls));
  append_u16(out, 0);  // length, patched below
  append_u32(out, magic_cookie);
  out.insert(out.end(), m.id.begin(), m.id.end());
  for (const auto& a : m.attributes) {
    append_u16(out, a.type);
    append_u16(out, static_cast<std::uint16_t>(a.value.size()));
    out.insert(out.end(), a.value.begin(), a.value.end());
    out.resize(padded(out.size()), 0);
  }
  const auto body = out.size() - header_size;
  out[2] = static_cast<std::uint8_t>(body >> 8);
  out[3] = static_cast<std::uint8_t>(body);
  return out;
}

std::error_code index_attributes(byte_view wire, std::vector<attribute_view>& out) {
  std::size_t body_size = 0;
  if (auto ec = check_header(wire, body_size)) {
    return ec;
  }
  out.clear();
  std::size_t pos = header_size;
  while (pos < wire.size()) {
    const std::size_t left = wire.size() - pos;
    if (left < 4) {
      return errc::attribute_overflow;
    }
    const std::size_t len = read_u16(wire.data() + pos + 2);
    if (len > left - 4) {
      return errc::attribute_overflow;
    }
    if (padded(len) > left - 4) {
      return errc::bad_padding;
    }
    out.push_back({read_u16(wire.data() + pos), pos, wire.subspan(pos + 4, len)});
    pos += 4 + padded(len);
  }
  return {};
}

std::error_code decode(byte_view wire, message& out) {
  std::vector<attribute_view> views;
  if (auto ec = index_attributes(wire, views)) {
    return ec;
  }
  split_message_type(read_u16(wire.data()), out.method, out.cls);
  std::copy_n(wire.begin() + 8, out.id.size(), out.id.begin());
  out.attributes.clear();
  int last_rank = 0;
  for (const auto& v : views) {
    const int rank = trailer_rank(v.type);
    if (last_rank > 0 && rank <= last_rank) {
      continue;  // follows an integrity attribute or FINGERPRINT: ignored
    }
    last_rank = std::max(last_rank, rank);
    out.attributes.push_back({v.type, bytes(v.value.begin(), v.value.end())});
  }
  return {};
}

const attribute* find(const message& m, std::uint16_t type) noexcept {
  const auto it = std::find_if(m.attributes.begin(), m.attributes.end(),
                               [type](const attribute& a) { return a.type == type; });
  return it == m.attributes.end() ? nullptr : &*it;
}

}  // namespace switchboard::stun
