// The WebSocket frame parser (signaling/net/ws_frame) on what a client sends.
// The input is the byte stream of one connection. It is fed whole, one byte
// per read (at its start), and in reads of sizes taken from the stream itself; every read
// sits in a buffer of its own that is freed afterwards, so ASan sees a read
// past a read's end or a payload kept from an earlier one. Checked: all three
// feeds give the same events; payloads stay within their limits; after an
// error nothing more comes; every event survives the server's encoders
// (encode_frame, encode_close, the outbox with writes cut anywhere) and
// parses back the same.

#include "fuzz_check.hpp"
#include "signaling/net/ws_frame.hpp"
#include "signaling/net/ws_outbox.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace switchboard::net::ws;
using kind = event::kind;

struct recorded {
  kind what = kind::need_more;
  std::string payload;
  std::uint16_t code = 0;
  std::uint64_t size = 0;
  bool operator==(const recorded&) const = default;
};

struct limits {
  std::size_t soft = 0;  // max_message_bytes
  std::size_t hard = 0;  // hard_limit (0 = soft)
  std::size_t effective_hard() const { return std::max(soft, hard); }
};

constexpr std::size_t max_header = 14;  // 2 + 8 (length) + 4 (mask)

void check_event(const event& e, const limits& lim) {
  switch (e.what) {
    case kind::text:
    case kind::binary: FUZZ_CHECK(e.payload.size() <= lim.soft); break;
    case kind::oversize: FUZZ_CHECK(e.size > lim.soft && e.size <= lim.effective_hard()); break;
    case kind::ping:
    case kind::pong: FUZZ_CHECK(e.payload.size() <= max_control_payload); break;
    case kind::close:
      FUZZ_CHECK(e.payload.size() <= max_control_payload - 2 && valid_utf8(e.payload));
      FUZZ_CHECK(e.code == close_status::no_status || valid_close_code(e.code));
      FUZZ_CHECK(e.code != close_status::no_status || e.payload.empty());
      break;
    case kind::error:
      FUZZ_CHECK(e.code == close_status::protocol_error || e.code == close_status::invalid_payload ||
                 e.code == close_status::too_big);
      break;
    case kind::need_more: break;
  }
}

// Feeds `stream` in reads of chunk(i) bytes; returns the events in order.
std::vector<recorded> feed(std::string_view stream, const limits& lim,
                           const std::function<std::size_t(std::size_t)>& chunk) {
  frame_parser parser(lim.soft, lim.hard);
  std::vector<recorded> out;
  for (std::size_t pos = 0, i = 0; pos < stream.size(); ++i) {
    const std::size_t n = std::min(std::max<std::size_t>(chunk(i), 1), stream.size() - pos);
    auto buf = std::make_unique<char[]>(n);
    std::memcpy(buf.get(), stream.data() + pos, n);
    pos += n;
    std::span<char> in(buf.get(), n);
    for (;;) {
      const event e = parser.next(in);
      if (e.what == kind::need_more) {
        FUZZ_CHECK(in.empty());
        break;
      }
      check_event(e, lim);
      out.push_back({e.what, std::string(e.payload), e.code, e.what == kind::oversize ? e.size : 0});
      if (e.what == kind::error) {
        const std::size_t left = in.size();
        const event again = parser.next(in);
        FUZZ_CHECK(again.what == kind::error && again.code == e.code && in.size() == left);
        return out;
      }
    }
    // Never more than one message within the soft limit, a header and a control frame.
    FUZZ_CHECK(parser.buffered() <= lim.soft + max_header + max_control_payload);
  }
  return out;
}

// A server frame (unmasked) turned into the client frame a browser would send.
std::string to_client(std::string_view server_frame, std::size_t header_size, const std::array<char, 4>& key) {
  std::string out(server_frame.substr(0, header_size));
  out[1] = static_cast<char>(out[1] | 0x80);
  out.append(key.data(), key.size());
  std::string payload(server_frame.substr(header_size));
  unmask(payload, key);  // XOR: masking and unmasking are the same
  return out + payload;
}

// Splits a stream of server frames; checks each is final, unmasked and minimally encoded.
std::vector<std::pair<std::string_view, std::size_t>> server_frames(std::string_view s) {
  std::vector<std::pair<std::string_view, std::size_t>> out;
  while (!s.empty()) {
    FUZZ_CHECK(s.size() >= 2);
    const auto b0 = static_cast<std::uint8_t>(s[0]);
    const auto b1 = static_cast<std::uint8_t>(s[1]);
    FUZZ_CHECK((b0 & 0xF0) == 0x80 && (b1 & 0x80) == 0);
    const std::size_t ext = (b1 & 0x7F) == 126 ? 2 : (b1 & 0x7F) == 127 ? 8 : 0;
    FUZZ_CHECK(s.size() >= 2 + ext);
    std::uint64_t len = b1 & 0x7F;
    if (ext > 0) len = 0;
    for (std::size_t i = 0; i < ext; ++i) len = (len << 8) | static_cast<std::uint8_t>(s[2 + i]);
    FUZZ_CHECK(ext == 0 || (ext == 2 ? len >= 126 && len <= 0xFFFF : len > 0xFFFF));
    FUZZ_CHECK(s.size() - 2 - ext >= len);
    out.emplace_back(s.substr(0, 2 + ext + len), 2 + ext);
    s.remove_prefix(2 + ext + len);
  }
  return out;
}

// The events a client stream of the given frames gives, fed whole.
std::vector<recorded> reparse(std::string_view server_stream, const limits& lim, const std::array<char, 4>& key) {
  std::string client;
  for (const auto& [frame, header] : server_frames(server_stream)) client += to_client(frame, header, key);
  return feed(client, lim, [](std::size_t) { return SIZE_MAX; });
}

void check_encoders(const std::vector<recorded>& events, const limits& limit, const std::array<char, 4>& key) {
  for (const auto& e : events) {
    if (e.what == kind::text || e.what == kind::binary || e.what == kind::ping || e.what == kind::pong) {
      const auto op = e.what == kind::text     ? opcode::text
                      : e.what == kind::binary ? opcode::binary
                      : e.what == kind::ping   ? opcode::ping
                                               : opcode::pong;
      FUZZ_CHECK(reparse(encode_frame(op, e.payload), limit, key) == std::vector<recorded>{e});
    } else if (e.what == kind::close) {
      FUZZ_CHECK(reparse(encode_close(e.code, e.payload), limit, key) == std::vector<recorded>{e});
    }
    // A long reason is cut to fit a control frame (the server's own reasons are ASCII).
    if (e.what == kind::text && e.payload.size() > 1 && valid_utf8(e.payload.substr(0, max_control_payload - 2))) {
      const auto code = static_cast<std::uint16_t>(3000 + e.payload.size() % 2000);
      const auto back = reparse(encode_close(code, e.payload), limit, key);
      FUZZ_CHECK(back.size() == 1 && back[0].code == code &&
                 back[0].payload == e.payload.substr(0, max_control_payload - 2));
    }
  }
}

// Texts and pongs through the outbox, written in pieces whose sizes come from
// the input: the written stream is the texts in order, the pongs in order.
void check_outbox(const std::vector<recorded>& events, std::string_view stream, const limits& limit,
                  const std::array<char, 4>& key) {
  outbox box(8, 1 << 20);
  std::vector<recorded> texts, pongs, sent;
  std::string written;
  std::size_t step = 0;
  const auto write_some = [&] {
    std::vector<std::span<const char>> pieces;
    std::vector<frame_header> headers;
    const auto byte = static_cast<std::uint8_t>(stream[step++ % stream.size()]);
    box.gather(pieces, headers, 2 + byte % 7);
    std::string all;
    for (const auto& p : pieces) all.append(p.data(), p.size());
    const std::size_t n = byte < 64 ? all.size() : std::min<std::size_t>(all.size(), 1 + byte % 61);
    written.append(all, 0, n);
    box.consume(n, [&](const switchboard::core::outbound_ptr& m) { sent.push_back({kind::text, m->text, 0}); });
  };
  for (const auto& e : events) {
    if (e.what == kind::text && box.push(switchboard::core::make_reply(e.payload))) texts.push_back(e);
    if (e.what == kind::ping || e.what == kind::pong) {
      box.push_control(encode_frame(opcode::pong, e.payload));
      pongs.push_back({kind::pong, e.payload, 0});
    }
    write_some();
  }
  for (std::size_t guard = 0; !box.empty(); ++guard) {
    FUZZ_CHECK(guard < 1000000);
    write_some();
  }
  FUZZ_CHECK(sent == texts);
  std::vector<recorded> got_texts, got_pongs;
  for (auto& e : reparse(written, limit, key)) (e.what == kind::text ? got_texts : got_pongs).push_back(e);
  FUZZ_CHECK(got_texts == texts && got_pongs == pongs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto stream = switchboard::fuzz::as_text(data, size);
  if (stream.empty()) return 0;
  const auto from_stream = [&](std::size_t i) {
    return 1 + static_cast<std::uint8_t>(stream[(i * 7919) % stream.size()]) % 37;
  };
  const std::array<char, 4> key{stream[0], stream[stream.size() / 2], stream.back(), '\x5a'};
  // The production default (server.max_message_bytes), then limits small enough to reach.
  for (const limits limit : {limits{65536, 0}, limits{100, 0}, limits{100, 1000}}) {
    const auto whole = feed(stream, limit, [](std::size_t) { return SIZE_MAX; });
    // One byte per read for the first 256 reads (every header cut everywhere), then larger ones.
    FUZZ_CHECK(feed(stream, limit, [](std::size_t i) { return i < 256 ? 1 : 257; }) == whole);
    FUZZ_CHECK(feed(stream, limit, from_stream) == whole);
    check_encoders(whole, limit, key);
    check_outbox(whole, stream, limit, key);
  }
  return 0;
}
