#pragma once
// Protocol-level helpers shared by the integration tests: JSON in and out of a
// ws_client, starting peers, building the tutorial's messages. Failures are
// reported with ADD_FAILURE and an empty result so tests can ASSERT on it.

#include "tests/support/server_fixture.hpp"
#include "tests/support/ws_client.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::test {

namespace json = boost::json;
using namespace std::chrono_literals;

// Parses `text` as a JSON object; nullopt (and a test failure) otherwise.
std::optional<json::object> parse_object(std::string_view text);
std::string to_text(const json::value& v);

// The next message as an object; nullopt when none arrived before the deadline.
std::optional<json::object> read_json(ws_client& ws, deadline until = within(5s));
// The next message, which must have action `action`.
std::optional<json::object> expect_action(ws_client& ws, std::string_view action, deadline until = within(5s));
// The next message, which must be an error with `code` (and `ref`, when given)
// and a non-empty message.
std::optional<json::object> expect_error(ws_client& ws, std::string_view code,
                                         std::optional<std::string_view> ref = std::nullopt,
                                         deadline until = within(5s));
// Skips other messages until one with `action` arrives.
std::optional<json::object> skip_until_action(ws_client& ws, std::string_view action,
                                              deadline until = within(5s));
// True when nothing arrives for `quiet` (which the caller keeps short).
bool stays_quiet(ws_client& ws, std::chrono::milliseconds quiet);

// The string at obj[key], "" when absent or not a string.
std::string str(const json::object& obj, std::string_view key);

struct peer {
  ws_client ws;
  std::string id;
  std::string token;
  json::object start_reply;
};

// Connects and sends start; empty id (and a failure) when that did not work.
peer start_peer(const server_fixture& server, const std::string& path = "/ws");
// Sends start on an open connection and returns the reply.
std::optional<json::object> send_start(ws_client& ws);
// Resume request for `id` with `token`.
std::string resume_message(std::string_view id, std::string_view token);

// Messages as the tutorial page sends them.
std::string offer_message(std::string_view remote_id, std::string_view sdp);
std::string answer_message(std::string_view remote_id, std::string_view sdp);
std::string candidate_message(std::string_view remote_id, std::string_view candidate, int mline);
std::string hangup_message(std::string_view remote_id);

// The sample payloads those messages carry, for exact comparison.
json::object sample_offer(std::string_view sdp);
json::object sample_answer(std::string_view sdp);
json::object sample_candidate(std::string_view candidate, int mline);

// a offers to b, b answers: both now count each other as contacts. Fails the test otherwise.
void exchange_offer_answer(peer& a, peer& b);

}  // namespace switchboard::test
