#pragma once
// One-shot HTTP/1.1 requests (plain or TLS without verification) for tests.
// Network failures come back in `error`, never as exceptions. Beast stays in
// http_client.cpp.

#include "tests/support/deadline.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace switchboard::test {

struct http_request {
  std::string method = "GET";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string target = "/";  // sent as given: tests send odd paths on purpose
  std::map<std::string, std::string> headers;
  std::string body;
  bool tls = false;
  std::chrono::milliseconds timeout{5000};
};

struct http_response {
  int status = 0;                              // 0 when no response was read
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string error;  // empty on success

  // Header value by lower-case name, "" when absent.
  std::string header(const std::string& lower_name) const;
};

http_response http_send(const http_request& req);

// Shorthands for the common case.
http_response http_get(std::uint16_t port, const std::string& target, bool tls = false);
http_response http_post(std::uint16_t port, const std::string& target, const std::string& body,
                        const std::string& content_type = "application/json");

}  // namespace switchboard::test
