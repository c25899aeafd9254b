#pragma once
// Turning the merged YAML tree into a config: every key is checked against the
// schema, every value read by its field, and every problem kept.

#include "signaling/config/document.hpp"

#include <map>
#include <string>
#include <vector>

namespace switchboard::config::detail {

struct conversion {
  config cfg;
  std::map<std::string, std::string, std::less<>> sources;  // key -> where its value came from
};

conversion convert(const document& doc, std::vector<problem>& problems);

}  // namespace switchboard::config::detail
