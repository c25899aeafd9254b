#include "signaling/core/participant.hpp"

namespace switchboard::core {

outbound_ptr make_reply(std::string text) {
  return std::make_shared<const outbound>(outbound{std::move(text), {}, false});
}

outbound_ptr make_relayed(std::string text, steady_clock::time_point received) {
  return std::make_shared<const outbound>(outbound{std::move(text), received, true});
}

}  // namespace switchboard::core
