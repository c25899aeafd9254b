#pragma once
// RFC 6455 framing, server side, with no I/O: a parser for the frames a client
// sends and encoders for the frames the server sends. The session feeds the
// parser whatever one read returned and writes what the encoders produce.
//
// No extension is ever negotiated (no permessage-deflate), so any reserved bit
// is a protocol error. Text payloads are not checked for UTF-8 here: the JSON
// parser rejects invalid UTF-8 with a bad-request reply, which is how the
// protocol reports any unreadable message, instead of closing with 1007.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace switchboard::net::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes this layer sends or interprets itself (RFC 6455 section 7.4.1).
namespace close_status {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // never on the wire: a close frame without a code
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_status

// Largest payload of a control frame (ping, pong, close).
inline constexpr std::size_t max_control_payload = 125;

// What the parser found next in the input.
struct event {
  // oversize: a whole message over the soft limit was read and discarded.
  enum class kind { need_more, text, binary, ping, pong, close, error, oversize };
  kind what = kind::need_more;
  // text/binary: the whole message; ping/pong: the payload; close: the reason;
  // error: why, for logs. Valid until the next call to next().
  std::string_view payload;
  // close: the code received (no_status when the frame had none);
  // error: the code to close with (protocol_error, invalid_payload or too_big).
  std::uint16_t code = 0;
  std::uint64_t size = 0;  // oversize: the message's size
};

class frame_parser {
public:
  // Messages (all fragments together) up to max_message_bytes are buffered
  // and returned whole. Larger ones up to hard_limit are read and discarded
  // as they arrive (one oversize event at their end), so a connection never
  // buffers more than max_message_bytes plus a frame header; past hard_limit
  // the parser fails with too_big. hard_limit 0 = max_message_bytes.
  explicit frame_parser(std::size_t max_message_bytes, std::size_t hard_limit = 0)
      : max_message_(max_message_bytes), hard_limit_(std::max(hard_limit, max_message_bytes)) {}

  // The next event from the front of `in`, which is advanced past what was used.
  // Complete frames are unmasked in place (so `in` must be writable) and their
  // payload returned without a copy; an incomplete frame at the end is kept
  // until the next call. After an error the parser stays failed.
  event next(std::span<char>& in);

  // Bytes held for an incomplete frame or a fragmented message.
  std::size_t buffered() const noexcept { return partial_.size() + message_.size(); }
  // True while a frame or a message has begun and not ended.
  bool in_message() const noexcept {
    return !partial_.empty() || message_op_ != opcode::continuation || in_discard_ || skipping_;
  }

private:
  struct header {
    bool fin = false;
    opcode op = opcode::continuation;
    std::size_t size = 0;          // header bytes, mask key included
    std::uint64_t payload = 0;     // payload bytes
    std::array<char, 4> mask{};
    bool discard = false;          // a data frame of a message over the soft limit
  };
  enum class parse { ok, incomplete, failed };

  parse read_header(std::span<const char> bytes, header& h);
  // Each sets `done` unless it consumed a non-final fragment and parsing goes on.
  event from_input(std::span<char>& in, bool& done);
  event from_partial(std::span<char>& in, bool& done);
  event on_frame(const header& h, std::span<char> payload, bool& done);
  event on_data(const header& h, std::string_view payload, bool& done);
  event fail(std::uint16_t code, std::string_view why);
  void release();
  // Starts discarding the payload of data frame `h` (its header is consumed).
  void begin_discard(const header& h);
  // Discards what `in` holds of the frame being discarded; sets `done` with
  // the oversize event at the end of the message.
  event discard(std::span<char>& in, bool& done);

  std::size_t max_message_;
  std::size_t hard_limit_;
  bool in_discard_ = false;        // inside a frame being discarded
  std::uint64_t skip_ = 0;         // payload bytes of the current frame still to discard
  bool skip_fin_ = false;          // that frame ends its message
  bool skipping_ = false;          // the open message is being discarded
  std::uint64_t skipped_ = 0;      // bytes of the open message seen so far, when discarding
  std::string partial_;   // an incomplete frame carried over from the previous input
  std::string message_;   // payload of a fragmented message so far
  opcode message_op_ = opcode::continuation;  // text/binary while a fragmented message is open
  bool release_partial_ = false;   // partial_ backs the last event's payload: free it next time
  bool release_message_ = false;   // likewise message_
  event failure_;                  // kind::error once failed
};

// Header of an unmasked server frame with FIN set.
struct frame_header {
  std::array<char, 10> bytes{};
  std::uint8_t size = 0;
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};
frame_header encode_header(opcode op, std::size_t payload_size) noexcept;

// A complete server frame (header + payload), for control frames and tests.
std::string encode_frame(opcode op, std::string_view payload);

// A close frame: no payload when code is no_status (echoing a close without a
// code), else the code and the reason cut to fit in a control frame.
std::string encode_close(std::uint16_t code, std::string_view reason = {});

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values over U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

// Whether a client may send this close code (RFC 6455 section 7.4).
bool valid_close_code(std::uint16_t code) noexcept;

// XORs `data` with the 4-byte masking key, as from the start of a payload.
void unmask(std::span<char> data, const std::array<char, 4>& key) noexcept;

}  // namespace switchboard::net::ws
