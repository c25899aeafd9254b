#include "signaling/core/envelope.hpp"

#include <openssl/evp.h>

#include <charconv>

namespace switchboard::core::wire {
namespace {

constexpr std::string_view magic = "sb1";
constexpr std::size_t max_field_digits = 10;  // no field is 10 GB

// Fields are "<length>:<bytes>", lengths in decimal: binary safe, and cheap to
// write and to check.
class writer {
public:
  explicit writer(std::size_t reserve) { out_.reserve(reserve); }
  void put(std::string_view s) {
    out_ += std::to_string(s.size());
    out_ += ':';
    out_ += s;
  }
  void put(std::uint64_t v) { put(std::string_view(std::to_string(v))); }
  void raw(std::string_view s) { out_ += s; }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}
  bool raw(std::string_view expected) {
    if (in_.substr(0, expected.size()) != expected) return false;
    in_.remove_prefix(expected.size());
    return true;
  }
  std::optional<std::string_view> field() {
    const auto colon = in_.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > max_field_digits) return std::nullopt;
    if (colon > 1 && in_[0] == '0') return std::nullopt;  // one spelling per length
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(in_.data(), in_.data() + colon, n);
    if (ec != std::errc() || end != in_.data() + colon) return std::nullopt;
    in_.remove_prefix(colon + 1);
    if (n > in_.size()) return std::nullopt;
    const auto v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  bool get(std::string& out) {
    const auto f = field();
    if (!f) return false;
    out.assign(*f);
    return true;
  }
  bool get(std::uint64_t& out) {
    const auto f = field();
    if (!f || f->empty() || f->size() > 20 || (f->size() > 1 && (*f)[0] == '0')) return false;
    const auto [end, ec] = std::from_chars(f->data(), f->data() + f->size(), out);
    return ec == std::errc() && end == f->data() + f->size();
  }
  bool get(bool& out) {
    std::uint64_t v = 0;
    if (!get(v) || v > 1) return false;
    out = v == 1;
    return true;
  }
  bool done() const noexcept { return in_.empty(); }

private:
  std::string_view in_;
};

}  // namespace

std::string encode(const envelope& e) {
  writer w(64 + e.from_node.size() + e.from.size() + e.to.size() + e.body.size());
  w.raw(magic);
  w.put(static_cast<std::uint64_t>(e.type));
  w.put(e.from_node);
  w.put(e.from);
  w.put(e.to);
  w.put(e.epoch);
  w.put(e.gen);
  w.put(e.seq);
  w.put(static_cast<std::uint64_t>(e.flag ? 1 : 0));
  w.put(e.body);
  return w.take();
}

std::optional<envelope> decode(std::string_view payload) {
  reader r(payload);
  envelope e;
  std::uint64_t type = 0;
  if (!r.raw(magic) || !r.get(type) || type < static_cast<std::uint64_t>(kind::relay) ||
      type > static_cast<std::uint64_t>(kind::handoff_data)) {
    return std::nullopt;
  }
  e.type = static_cast<kind>(type);
  if (!r.get(e.from_node) || !r.get(e.from) || !r.get(e.to) || !r.get(e.epoch) || !r.get(e.gen) || !r.get(e.seq) ||
      !r.get(e.flag) || !r.get(e.body) || !r.done()) {
    return std::nullopt;
  }
  return e;
}

std::string encode_handoff(const handoff_state& s) {
  std::size_t size = 64 + s.address.size();
  for (const auto& m : s.pending) size += m.text.size() + 16;
  writer w(size);
  w.put(static_cast<std::uint64_t>(s.pending.size()));
  for (const auto& m : s.pending) {
    w.put(m.text);
    w.put(static_cast<std::uint64_t>(m.relayed ? 1 : 0));
  }
  w.put(static_cast<std::uint64_t>(s.inbound.size()));
  for (const auto& i : s.inbound) {
    w.put(i.from);
    w.put(i.gen);
    w.put(i.next);
  }
  w.put(s.gen);
  w.put(static_cast<std::uint64_t>(s.outbound.size()));
  for (const auto& o : s.outbound) {
    w.put(o.to);
    w.put(o.seq);
  }
  w.put(static_cast<std::uint64_t>(s.contacts.size()));
  for (const auto& c : s.contacts) w.put(c);
  w.put(s.address);
  return w.take();
}

std::optional<handoff_state> decode_handoff(std::string_view body) {
  reader r(body);
  handoff_state s;
  // A count is checked against what is left before anything is reserved: a
  // forged count cannot make us allocate.
  const auto count = [&](std::uint64_t& n, std::size_t min_bytes_each) {
    return r.get(n) && n <= body.size() / min_bytes_each;
  };
  std::uint64_t n = 0;
  if (!count(n, 4)) return std::nullopt;
  s.pending.resize(n);
  for (auto& m : s.pending) {
    if (!r.get(m.text) || !r.get(m.relayed)) return std::nullopt;
  }
  if (!count(n, 6)) return std::nullopt;
  s.inbound.resize(n);
  for (auto& i : s.inbound) {
    if (!r.get(i.from) || !r.get(i.gen) || !r.get(i.next)) return std::nullopt;
  }
  if (!r.get(s.gen) || !count(n, 4)) return std::nullopt;
  s.outbound.resize(n);
  for (auto& o : s.outbound) {
    if (!r.get(o.to) || !r.get(o.seq)) return std::nullopt;
  }
  if (!count(n, 2)) return std::nullopt;
  s.contacts.resize(n);
  for (auto& c : s.contacts) {
    if (!r.get(c)) return std::nullopt;
  }
  if (!r.get(s.address) || !r.done()) return std::nullopt;
  return s;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(len) * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace switchboard::core::wire
