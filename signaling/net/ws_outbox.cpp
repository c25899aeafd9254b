#include "signaling/net/ws_outbox.hpp"

#include <algorithm>

namespace switchboard::net::ws {

void outbox::drop_queued() {
  queue_.keep_front(std::max<std::size_t>(gathered_, front_sent_ > 0 ? 1 : 0));
}

void outbox::gather(std::vector<std::span<const char>>& out, std::vector<frame_header>& headers,
                    std::size_t max_buffers, std::size_t max_bytes) {
  out.clear();
  headers.clear();
  // Spans point into `headers`: it must not reallocate while it is filled.
  headers.reserve(std::min(queue_.size(), max_buffers / 2));
  const auto add = [&](std::size_t i, std::size_t skip) {
    const std::string& text = queue_[i]->text;
    headers.push_back(encode_header(opcode::text, text.size()));
    const std::string_view h = headers.back().view();
    if (skip < h.size()) out.emplace_back(h.substr(skip));
    const std::size_t text_skip = skip > h.size() ? skip - h.size() : 0;
    if (text_skip < text.size()) out.emplace_back(std::string_view(text).substr(text_skip));
  };
  std::size_t i = 0;
  if (front_sent_ > 0) add(i++, front_sent_);
  if (control_sent_ < control_.size()) out.emplace_back(std::string_view(control_).substr(control_sent_));
  control_gathered_ = control_.size();
  const auto bytes = [&] {
    std::size_t n = 0;
    for (const auto& piece : out) n += piece.size();
    return n;
  };
  std::size_t total = bytes();
  for (; i < queue_.size() && headers.size() < headers.capacity() && out.size() + 2 <= max_buffers &&
         (total < max_bytes || out.empty());
       ++i) {
    const std::size_t before = out.size();
    add(i, 0);
    for (std::size_t k = before; k < out.size(); ++k) total += out[k].size();
  }
  gathered_ = i;
}

bool outbox::consume_control(std::size_t& n) {
  const std::size_t take = std::min(n, control_gathered_ - control_sent_);
  control_sent_ += take;
  n -= take;
  if (control_sent_ < control_gathered_) return false;
  control_.erase(0, control_gathered_);
  if (control_.empty()) std::string().swap(control_);  // an idle connection keeps no buffer
  control_sent_ = 0;
  control_gathered_ = 0;
  return true;
}

void outbox::pop() {
  queue_.pop();
  front_sent_ = 0;
  if (gathered_ > 0) --gathered_;
}

}  // namespace switchboard::net::ws
