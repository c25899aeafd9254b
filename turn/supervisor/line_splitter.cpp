#include "turn/supervisor/line_splitter.hpp"

#include <algorithm>

namespace switchboard::turn {

line_splitter::line_splitter(std::size_t max_line_bytes) : max_(std::max<std::size_t>(max_line_bytes, 1)) {}

void line_splitter::feed(std::string_view chunk, const line_sink& sink) {
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    const auto piece = chunk.substr(0, nl);
    if (discarding_) {
      discarding_ = nl == std::string_view::npos;
    } else if (const auto room = max_ - partial_.size(); piece.size() > room) {
      partial_.append(piece.substr(0, room));
      ++truncated_;
      emit(sink);
      discarding_ = nl == std::string_view::npos;
    } else {
      partial_.append(piece);
      if (nl != std::string_view::npos) emit(sink);
    }
    if (nl == std::string_view::npos) return;
    chunk.remove_prefix(nl + 1);
  }
}

void line_splitter::finish(const line_sink& sink) {
  if (!partial_.empty()) emit(sink);
  discarding_ = false;
}

void line_splitter::emit(const line_sink& sink) {
  if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
  sink(partial_);
  partial_.clear();
}

}  // namespace switchboard::turn
