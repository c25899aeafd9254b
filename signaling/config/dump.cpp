// dump_masked, known_keys and masked_values: all three walk the schema table,
// so they cannot disagree with what the loader accepts.
#include "signaling/config/loader.hpp"
#include "signaling/config/schema.hpp"

#include <yaml-cpp/yaml.h>

namespace switchboard::config {
namespace {

std::string flow(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

}  // namespace

std::string dump_masked(const config& cfg) {
  YAML::Node root(YAML::NodeType::Map);
  for (const auto& f : detail::fields()) {
    YAML::Node node;
    node.reset(root);
    std::size_t start = 0;
    for (auto dot = f.key.find('.'); dot != std::string::npos; dot = f.key.find('.', start)) {
      YAML::Node child = node[f.key.substr(start, dot - start)];
      node.reset(child);
      start = dot + 1;
    }
    node[f.key.substr(start)] = f.write(cfg);
  }
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);  // lists on one line keep the dump compact
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> known_keys() {
  std::vector<std::string> out;
  for (const auto& f : detail::fields()) {
    out.push_back(f.key);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> masked_values(const config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : detail::fields()) {
    out.emplace_back(f.key, flow(f.write(cfg)));
  }
  return out;
}

}  // namespace switchboard::config
