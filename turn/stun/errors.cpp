#include "turn/stun/errors.hpp"

#include <string>

namespace switchboard::stun {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "stun"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::truncated_header: return "message shorter than the STUN header";
      case errc::not_stun: return "leading bits are not zero: not a STUN message";
      case errc::bad_magic_cookie: return "bad magic cookie";
      case errc::length_mismatch: return "message length disagrees with the datagram size";
      case errc::attribute_overflow: return "attribute runs past the end of the message";
      case errc::bad_padding: return "attribute padding runs past the end of the message";
      case errc::bad_attribute: return "malformed attribute value";
      case errc::integrity_missing: return "MESSAGE-INTEGRITY missing";
      case errc::integrity_mismatch: return "MESSAGE-INTEGRITY mismatch";
      case errc::fingerprint_missing: return "FINGERPRINT missing";
      case errc::fingerprint_mismatch: return "FINGERPRINT mismatch";
    }
    return "unknown STUN error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace switchboard::stun
