#include "signaling/app/metrics_http_route.hpp"

namespace switchboard::app {

metrics_http_plan plan_metrics_response(std::string_view method, std::string_view target, bool has_body,
                                        bool client_keep_alive) {
  const auto path = target.substr(0, target.find('?'));
  const bool head = method == "HEAD";
  if (path != "/metrics") {
    return {metrics_http_answer::not_found, 404, !head, client_keep_alive && !has_body};
  }
  // The request may carry a body we will not read: close after answering.
  if (method != "GET" && !head) return {metrics_http_answer::method_not_allowed, 405, true, false};
  if (has_body) return {metrics_http_answer::bad_request, 400, !head, false};
  return {metrics_http_answer::metrics, 200, !head, client_keep_alive};
}

std::string_view metrics_http_error_body(unsigned status) {
  switch (status) {
    case 404: return "only /metrics is served here\n";
    case 405: return "only GET and HEAD are allowed\n";
    case 431: return "request header too large\n";
    default: return "bad request\n";
  }
}

std::string_view metrics_http_busy_response() {
  return "HTTP/1.1 503 Service Unavailable\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Length: 29\r\n"
         "Connection: close\r\n"
         "\r\n"
         "too many metrics connections\n";
}

}  // namespace switchboard::app
