#pragma once
// What the metrics port answers to a request, decided from the request line
// alone: no I/O, no Beast.

#include <string_view>

namespace switchboard::app {

enum class metrics_http_answer { metrics, not_found, method_not_allowed, bad_request };

struct metrics_http_plan {
  metrics_http_answer answer = metrics_http_answer::bad_request;
  unsigned status = 400;
  bool send_body = true;    // false for HEAD: headers (Content-Length included) only
  bool keep_alive = false;  // false: close after the response
};

// `has_body`: the header announced a body (Content-Length > 0 or chunked);
// bodies are never read, so the connection cannot be reused after one.
metrics_http_plan plan_metrics_response(std::string_view method, std::string_view target, bool has_body,
                                        bool client_keep_alive);

// The one-line body of an answer other than metrics (400, 404, 405, 431).
std::string_view metrics_http_error_body(unsigned status);

// Sent as is to a connection beyond the limit, then closed.
std::string_view metrics_http_busy_response();

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace switchboard::app
