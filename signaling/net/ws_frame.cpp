#include "signaling/net/ws_frame.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace switchboard::net::ws {
namespace {

using kind = event::kind;

std::uint8_t byte(std::span<const char> s, std::size_t i) noexcept { return static_cast<std::uint8_t>(s[i]); }

bool is_control(opcode op) noexcept { return static_cast<std::uint8_t>(op) >= 8; }

bool known_opcode(std::uint8_t op) noexcept { return op <= 2 || (op >= 8 && op <= 10); }

// Header length (mask key included) announced by a client frame's second byte.
std::size_t header_length(std::uint8_t second) noexcept {
  const std::uint8_t len7 = second & 0x7F;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
}

std::uint64_t big_endian(std::span<const char> s, std::size_t from, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | byte(s, from + i);
  return v;
}

// Frees a buffer that backed a partial frame or a fragmented message: these
// are rare, and an idle connection should hold no buffer at all.
void drop(std::string& s) { std::string().swap(s); }

}  // namespace

event frame_parser::fail(std::uint16_t code, std::string_view why) {
  failure_ = event{kind::error, why, code};
  return failure_;
}

void frame_parser::release() {
  if (release_partial_) drop(partial_);
  if (release_message_) drop(message_);
  release_partial_ = release_message_ = false;
}

frame_parser::parse frame_parser::read_header(std::span<const char> bytes, header& h) {
  if (bytes.size() < 2) return parse::incomplete;
  const std::uint8_t b0 = byte(bytes, 0);
  const std::uint8_t b1 = byte(bytes, 1);
  if ((b0 & 0x70) != 0) return fail(close_status::protocol_error, "reserved bits set"), parse::failed;
  if (!known_opcode(b0 & 0x0F)) return fail(close_status::protocol_error, "unknown opcode"), parse::failed;
  if ((b1 & 0x80) == 0) return fail(close_status::protocol_error, "client frame not masked"), parse::failed;
  h.size = header_length(b1);
  if (bytes.size() < h.size) return parse::incomplete;
  h.fin = (b0 & 0x80) != 0;
  h.op = static_cast<opcode>(b0 & 0x0F);
  const std::uint8_t len7 = b1 & 0x7F;
  h.payload = len7 == 126 ? big_endian(bytes, 2, 2) : len7 == 127 ? big_endian(bytes, 2, 8) : len7;
  if ((len7 == 126 && h.payload < 126) || (len7 == 127 && (h.payload <= 0xFFFF || h.payload >> 63 != 0))) {
    return fail(close_status::protocol_error, "payload length not in its shortest form"), parse::failed;
  }
  std::copy_n(bytes.data() + h.size - 4, 4, h.mask.begin());
  if (is_control(h.op)) {
    if (!h.fin) return fail(close_status::protocol_error, "fragmented control frame"), parse::failed;
    if (h.payload > max_control_payload) {
      return fail(close_status::protocol_error, "control frame over 125 bytes"), parse::failed;
    }
    return parse::ok;
  }
  const bool open = message_op_ != opcode::continuation;
  if (h.op != opcode::continuation && open) {
    return fail(close_status::protocol_error, "new message inside a fragmented one"), parse::failed;
  }
  if (h.op == opcode::continuation && !open) {
    return fail(close_status::protocol_error, "continuation frame without a message"), parse::failed;
  }
  const std::uint64_t so_far = skipping_ ? skipped_ : message_.size();
  if (h.payload > hard_limit_ - so_far) {
    return fail(close_status::too_big, "message over the size limit"), parse::failed;
  }
  h.discard = skipping_ || h.payload > max_message_ - message_.size();
  return parse::ok;
}

void frame_parser::begin_discard(const header& h) {
  if (!skipping_) {  // the message's buffered fragments are dropped with it
    skipping_ = true;
    skipped_ = message_.size();
    drop(message_);
  }
  if (h.op != opcode::continuation) message_op_ = h.op;
  skipped_ += h.payload;
  skip_ = h.payload;
  skip_fin_ = h.fin;
  in_discard_ = true;
}

event frame_parser::discard(std::span<char>& in, bool& done) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, in.size()));
  in = in.subspan(n);
  skip_ -= n;
  done = true;
  if (skip_ > 0) return {};
  in_discard_ = false;
  if (!skip_fin_) {
    done = false;  // the message goes on in the next frame
    return {};
  }
  event e{kind::oversize, {}, 0, skipped_};
  skipping_ = false;
  skipped_ = 0;
  message_op_ = opcode::continuation;
  return e;
}

event frame_parser::next(std::span<char>& in) {
  if (failure_.what == kind::error) return failure_;
  release();
  for (;;) {
    bool done = false;
    event e = in_discard_ ? discard(in, done) : partial_.empty() ? from_input(in, done) : from_partial(in, done);
    if (done) return e;
  }
}

event frame_parser::from_input(std::span<char>& in, bool& done) {
  done = true;
  header h;
  const auto st = read_header(in, h);
  if (st == parse::failed) return failure_;
  if (st == parse::ok && h.discard) {
    in = in.subspan(h.size);
    begin_discard(h);
    done = false;
    return {};
  }
  if (st == parse::incomplete || in.size() - h.size < h.payload) {
    partial_.assign(in.data(), in.size());
    in = {};
    return {};
  }
  const auto frame = in.first(h.size + h.payload);
  in = in.subspan(frame.size());
  return on_frame(h, frame.subspan(h.size), done);
}

// Tops partial_ up from `in`, to a whole header, then to a whole frame, taking
// no byte beyond it: the frames after it are parsed in place.
event frame_parser::from_partial(std::span<char>& in, bool& done) {
  done = true;
  const auto top_up = [&](std::size_t want) {
    const std::size_t n = std::min(want - std::min(want, partial_.size()), in.size());
    partial_.append(in.data(), n);
    in = in.subspan(n);
    return partial_.size() >= want;
  };
  if (!top_up(2)) return {};
  if (!top_up(header_length(static_cast<std::uint8_t>(partial_[1])))) {
    header h;
    if (read_header(partial_, h) == parse::failed) return failure_;  // report a bad first byte early
    return {};
  }
  header h;
  if (read_header(partial_, h) == parse::failed) return failure_;
  if (h.discard) {  // partial_ holds just the header
    drop(partial_);
    begin_discard(h);
    done = false;
    return {};
  }
  // No reserve() for the announced size: memory follows the bytes that arrive.
  if (!top_up(h.size + h.payload)) return {};
  auto e = on_frame(h, std::span<char>(partial_).subspan(h.size), done);
  if (done) {
    release_partial_ = true;  // the event's payload may point into partial_
  } else {
    drop(partial_);  // a fragment: copied into message_
  }
  return e;
}

event frame_parser::on_frame(const header& h, std::span<char> payload, bool& done) {
  unmask(payload, h.mask);
  const std::string_view p(payload.data(), payload.size());
  switch (h.op) {
    case opcode::ping: return {kind::ping, p, 0};
    case opcode::pong: return {kind::pong, p, 0};
    case opcode::close: {
      if (p.empty()) return {kind::close, {}, close_status::no_status};
      if (p.size() == 1) return fail(close_status::protocol_error, "close frame with a 1-byte payload");
      const auto code = static_cast<std::uint16_t>(big_endian(payload, 0, 2));
      if (!valid_close_code(code)) return fail(close_status::protocol_error, "invalid close code");
      if (!valid_utf8(p.substr(2))) return fail(close_status::invalid_payload, "close reason is not valid UTF-8");
      return {kind::close, p.substr(2), code};
    }
    default: return on_data(h, p, done);
  }
}

event frame_parser::on_data(const header& h, std::string_view payload, bool& done) {
  if (h.op != opcode::continuation) {
    if (h.fin) return {h.op == opcode::text ? kind::text : kind::binary, payload, 0};
    message_op_ = h.op;
    message_.assign(payload);
    done = false;
    return {};
  }
  message_.append(payload);
  if (!h.fin) {
    done = false;
    return {};
  }
  const auto k = message_op_ == opcode::text ? kind::text : kind::binary;
  message_op_ = opcode::continuation;
  release_message_ = true;
  return {k, message_, 0};
}

frame_header encode_header(opcode op, std::size_t payload_size) noexcept {
  frame_header h;
  h.bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  std::size_t ext = 0;
  if (payload_size < 126) {
    h.bytes[1] = static_cast<char>(payload_size);
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = 126;
    ext = 2;
  } else {
    h.bytes[1] = 127;
    ext = 8;
  }
  for (std::size_t i = 0; i < ext; ++i) {
    h.bytes[2 + i] = static_cast<char>((static_cast<std::uint64_t>(payload_size) >> (8 * (ext - 1 - i))) & 0xFF);
  }
  h.size = static_cast<std::uint8_t>(2 + ext);
  return h;
}

std::string encode_frame(opcode op, std::string_view payload) {
  const auto h = encode_header(op, payload.size());
  std::string out;
  out.reserve(h.size + payload.size());
  out.append(h.view());
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  if (code == close_status::no_status) return encode_frame(opcode::close, {});
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, max_control_payload - 2));
  return encode_frame(opcode::close, payload);
}

bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // no overlong forms
      if (b == 0xED) hi = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;  // nothing over U+10FFFF
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    const auto b1 = static_cast<std::uint8_t>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((static_cast<std::uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

bool valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003: case 1007: case 1008:
    case 1009: case 1010: case 1011: case 1012: case 1013: case 1014: return true;
    default: return false;
  }
}

void unmask(std::span<char> data, const std::array<char, 4>& key) noexcept {
  // Eight bytes at a time: the key repeats every 4, so it lines up in a word.
  std::uint64_t key8 = 0;
  std::memcpy(&key8, key.data(), 4);
  std::memcpy(reinterpret_cast<char*>(&key8) + 4, key.data(), 4);
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, data.data() + i, 8);
    w ^= key8;
    std::memcpy(data.data() + i, &w, 8);
  }
  for (; i < data.size(); ++i) data[i] = static_cast<char>(data[i] ^ key[i & 3]);
}

}  // namespace switchboard::net::ws
