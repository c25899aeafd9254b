#include "signaling/protocol/relay_scan.hpp"

#include <boost/json/serializer.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace switchboard::protocol {
namespace {

// Boost.JSON refuses deeper documents (its max_depth is 32): leave those to it.
constexpr int max_depth = 16;
// Integers that fit an int64 whatever their digits: Boost.JSON writes them back unchanged.
constexpr std::size_t max_digits = 18;

bool printable_ascii(char c) { return c >= 0x20 && c <= 0x7E; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What ends a plain string: its closing quote, or anything the fast path
// leaves to parse() (a backslash, a control character, DEL, non-ASCII).
bool stop_byte(char c) { return !printable_ascii(c) || c == '"' || c == '\\'; }

// The first stop_byte in [p, end), or end. Eight bytes per step (SWAR): in
// each term below, the lowest flagged byte is exact (a borrow can only flag
// bytes above a true hit), so the lowest bit of their union is the first
// stop byte.
const char* first_stop(const char* p, const char* end) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto zero_bytes = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
  while (end - p >= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, sizeof w);
    const std::uint64_t hits = zero_bytes(w ^ (ones * '"')) | zero_bytes(w ^ (ones * '\\')) |
                               zero_bytes(w ^ (ones * 0x7F)) | ((w - ones * 0x20) & ~w & highs) | (w & highs);
    if (hits != 0) {
      if constexpr (std::endian::native == std::endian::little) return p + std::countr_zero(hits) / 8;
      break;  // big-endian: the byte loop below finds it
    }
    p += 8;
  }
  while (p != end && !stop_byte(*p)) ++p;
  return p;
}

// A recursive-descent reader of the subset the fast path takes. Every
// function consumes what it accepts and returns false on anything else;
// the caller then declines the whole message.
class scanner {
public:
  explicit scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool at_end() const { return p_ == end_; }

  bool consume(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // A string of printable ASCII without escapes, quotes included. One pass
  // finds the first byte that is not plain (stop_byte): it must be the
  // closing quote.
  bool string(std::string_view& out) {
    const char* start = p_;
    if (!consume('"')) return false;
    const char* stop = first_stop(p_, end_);
    if (stop == end_ || *stop != '"') return false;
    p_ = stop + 1;
    out = {start, static_cast<std::size_t>(p_ - start)};
    return true;
  }

  // Any value; `kind` is its first character ('{', '[', '"', 't', 'f', 'n' or a digit/'-').
  bool value(int depth, std::string_view& out, char& kind) {
    if (p_ == end_) return false;
    const char* start = p_;
    kind = *p_;
    bool ok = false;
    switch (kind) {
      case '{': ok = object(depth + 1); break;
      case '[': ok = array(depth + 1); break;
      case '"': ok = string(out); break;
      case 't': ok = literal("true"); break;
      case 'f': ok = literal("false"); break;
      case 'n': ok = literal("null"); break;
      default: ok = integer(); break;
    }
    out = {start, static_cast<std::size_t>(p_ - start)};
    return ok;
  }

  // An object: for each member, on_member(key) reads its value (with
  // value() or members()). False on a duplicate key (Boost.JSON would keep
  // the last one) or too many members.
  template <class OnMember>
  bool members(int depth, OnMember&& on_member) {
    if (depth > max_depth || !consume('{')) return false;
    std::array<std::string_view, relay_scan::max_members> keys;
    std::size_t n = 0;
    if (consume('}')) return true;
    for (;;) {
      std::string_view key;
      if (!string(key) || n == keys.size()) return false;
      for (std::size_t i = 0; i < n; ++i) {
        if (keys[i] == key) return false;
      }
      keys[n++] = key;
      if (!consume(':') || !on_member(key)) return false;
      if (consume(',')) continue;
      return consume('}');
    }
  }

private:
  bool object(int depth) {
    return members(depth, [this, depth](std::string_view) {
      std::string_view v;
      char kind = 0;
      return value(depth, v, kind);
    });
  }

  bool array(int depth) {
    if (depth > max_depth || !consume('[')) return false;
    if (consume(']')) return true;
    for (;;) {
      std::string_view v;
      char kind = 0;
      if (!value(depth, v, kind)) return false;
      if (consume(',')) continue;
      return consume(']');
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*), at most max_digits digits, not "-0", no fraction or exponent.
  bool integer() {
    const bool negative = consume('-');
    const char* digits = p_;
    while (p_ != end_ && is_digit(*p_)) ++p_;
    const auto n = static_cast<std::size_t>(p_ - digits);
    if (n == 0 || n > max_digits || (n > 1 && *digits == '0') || (negative && *digits == '0' && n == 1)) return false;
    return p_ == end_ || (*p_ != '.' && *p_ != 'e' && *p_ != 'E');
  }

  const char* p_;
  const char* end_;
};

std::string_view unquoted(std::string_view s) { return s.substr(1, s.size() - 2); }

// What parse_relayed() checks, on the scanned data members.
bool valid_data(const relay_scan& r) {
  const relay_scan::member* remote = nullptr;
  const relay_scan::member* payload = nullptr;
  const std::string_view field = r.act == action::offer           ? "\"offer\""
                                 : r.act == action::answer        ? "\"answer\""
                                 : r.act == action::ice_candidate ? "\"candidate\""
                                                                  : "";
  for (std::size_t i = 0; i < r.members; ++i) {
    if (r.data[i].key == "\"remoteId\"") remote = &r.data[i];
    if (!field.empty() && r.data[i].key == field) payload = &r.data[i];
  }
  if (remote == nullptr || remote->value.front() != '"') return false;
  const std::size_t id_chars = remote->value.size() - 2;
  if (id_chars == 0 || id_chars > 64) return false;
  if (field.empty()) return true;  // hangup
  if (payload == nullptr) return false;
  const char kind = payload->value.front();
  return kind == '{' || kind == '"' || (r.act == action::ice_candidate && kind == 'n');
}

// The JSON text of a string, as Boost.JSON writes it.
std::string quoted(std::string_view s) {
  const bool plain = first_stop(s.data(), s.data() + s.size()) == s.data() + s.size();
  std::string out;
  if (plain) {
    out.reserve(s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return out;
  }
  boost::json::serializer sr;
  sr.reset(boost::json::string_view(s));
  char buf[256];
  while (!sr.done()) {
    const auto chunk = sr.read(buf);
    out.append(chunk.data(), chunk.size());
  }
  return out;
}

}  // namespace

std::optional<relay_scan> scan_relayed(std::string_view text) {
  relay_scan r;
  bool have_action = false;
  bool have_data = false;
  scanner s(text);
  const auto on_data_member = [&](std::string_view key) {
    std::string_view v;
    char kind = 0;
    if (!s.value(1, v, kind)) return false;
    r.data[r.members++] = {key, v};
    return true;
  };
  const auto on_member = [&](std::string_view key) {
    if (key == "\"data\"") {
      have_data = s.members(1, on_data_member);
      return have_data;
    }
    std::string_view v;
    char kind = 0;
    if (!s.value(0, v, kind)) return false;
    if (key != "\"action\"") return true;
    if (kind != '"') return false;
    const auto a = action_from_string(unquoted(v));
    if (!a || !is_relayed(*a)) return false;
    r.act = *a;
    have_action = true;
    return true;
  };
  if (!s.members(0, on_member) || !s.at_end() || !have_action || !have_data || !valid_data(r)) return std::nullopt;
  for (std::size_t i = 0; i < r.members; ++i) {
    if (r.data[i].key == "\"remoteId\"") r.remote_id = unquoted(r.data[i].value);
  }
  return r;
}

// The same edits as forward(request&&) makes on the JSON object, in the
// same order with the same effect on member order: remoteId replaced in
// place (offer) or erased by moving the last member into its slot; "from"
// replaced in place or appended.
std::string forward(const relay_scan& r, std::string_view from_id, std::string_view from_identity) {
  std::array<relay_scan::member, relay_scan::max_members + 2> m;
  std::size_t n = r.members;
  std::copy_n(r.data.begin(), n, m.begin());
  const std::string from = quoted(from_id);
  const auto index_of = [&](std::string_view key) {
    return static_cast<std::size_t>(std::find_if(m.begin(), m.begin() + n, [&](const auto& x) { return x.key == key; }) -
                                    m.begin());
  };
  const std::size_t remote = index_of("\"remoteId\"");
  if (r.act == action::offer) {
    m[remote].value = from;
  } else {
    m[remote] = m[n - 1];
    --n;
  }
  const std::size_t own = index_of("\"from\"");
  if (own < n) {
    m[own].value = from;
  } else {
    m[n++] = {"\"from\"", from};
  }
  const std::string identity = r.act == action::offer && !from_identity.empty() ? quoted(from_identity) : std::string();
  if (!identity.empty()) {
    if (const std::size_t at = index_of("\"fromIdentity\""); at < n) {
      m[at].value = identity;
    } else {
      m[n++] = {"\"fromIdentity\"", identity};
    }
  }
  std::size_t size = 48 + 2 * (from.size() + identity.size());
  for (std::size_t i = 0; i < n; ++i) size += m[i].key.size() + m[i].value.size() + 2;
  std::string out;
  out.reserve(size);
  out.append(R"({"action":")").append(to_string(r.act)).append(R"(","from":)").append(from);
  if (!identity.empty()) out.append(R"(,"fromIdentity":)").append(identity);
  out.append(R"(,"data":{)");
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    out.append(m[i].key).push_back(':');
    out.append(m[i].value);
  }
  out.append("}}");
  return out;
}

}  // namespace switchboard::protocol
