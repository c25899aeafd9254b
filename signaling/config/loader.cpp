#include "signaling/config/loader.hpp"

#include "signaling/config/checks.hpp"
#include "signaling/config/convert.hpp"
#include "signaling/config/document.hpp"

#include <exception>

namespace switchboard::config {
namespace {

load_result load_unguarded(const load_options& opts) {
  load_result out;
  detail::document doc(opts.path);
  if (!opts.path.empty()) {
    doc.load_file(out.problems);
  }
  detail::apply_env(doc, opts.env, out.problems);
  for (const auto& assignment : opts.sets) {
    detail::apply_set(doc, assignment, out.problems);
  }
  auto conv = detail::convert(doc, out.problems);
  detail::check_config(conv, doc, opts, out.problems, out.notes);
  if (out.problems.empty()) {
    out.cfg = std::move(conv.cfg);
  }
  return out;
}

}  // namespace

load_result load(const load_options& opts) {
  try {
    return load_unguarded(opts);
  } catch (const std::exception& e) {
    // Start-up must end in a readable message, never std::terminate.
    load_result out;
    out.problems.push_back(
        {"", opts.path.empty() ? "config" : opts.path, std::string("internal error: ") + e.what()});
    return out;
  }
}

std::string format_problems(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    out += p.source + ": ";
    if (!p.key.empty()) {
      out += p.key + ": ";
    }
    out += p.message + "\n";
  }
  return out;
}

}  // namespace switchboard::config
