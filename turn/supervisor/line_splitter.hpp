#pragma once
// Splits a child's output stream into lines with a bounded buffer. A line
// longer than max_line_bytes is delivered cut to that length, the rest of it
// up to the newline is dropped, and it is counted: a child printing without
// newlines must not grow our memory.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace switchboard::turn {

using line_sink = std::function<void(std::string_view line)>;

class line_splitter {
public:
  explicit line_splitter(std::size_t max_line_bytes);

  // Delivers every line completed by `chunk`, without its "\n" or "\r\n".
  void feed(std::string_view chunk, const line_sink& sink);
  // End of stream: delivers a last line that had no newline.
  void finish(const line_sink& sink);

  std::uint64_t truncated() const noexcept { return truncated_; }

private:
  void emit(const line_sink& sink);

  std::size_t max_;
  std::string partial_;
  bool discarding_ = false;  // inside the dropped tail of an overlong line
  std::uint64_t truncated_ = 0;
};

}  // namespace switchboard::turn
