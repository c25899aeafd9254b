#include "tests/support/deadline.hpp"

#include <cstdlib>
#include <string>

namespace switchboard::test {

double timeout_scale() {
  static const double scale = [] {
    const char* text = std::getenv("SWITCHBOARD_TEST_TIMEOUT_SCALE");
    if (text == nullptr) return 1.0;
    try {
      const double v = std::stod(text);
      return v >= 1.0 ? v : 1.0;
    } catch (...) {
      return 1.0;
    }
  }();
  return scale;
}

deadline within(std::chrono::milliseconds d) {
  const auto scaled = std::chrono::duration_cast<clock::duration>(d * timeout_scale());
  return clock::now() + scaled;
}

}  // namespace switchboard::test
