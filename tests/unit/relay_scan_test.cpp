// The relay fast path (signaling/protocol/relay_scan) against the full
// parse() + forward(): whenever the scan accepts a message, parse() must
// accept it too and the forwarded text must be byte for byte the same.

#include "signaling/protocol/relay_scan.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

namespace switchboard::protocol {
namespace {

constexpr std::string_view from_id = "V1StGXR8_Z5jdHi6B-myT";

// Checks the scan against the slow path; returns whether the scan accepted.
bool agrees_with_parse(const std::string& text) {
  const auto scanned = scan_relayed(text);
  if (!scanned) return false;
  auto parsed = parse(text);
  const auto* req = std::get_if<request>(&parsed);
  EXPECT_NE(req, nullptr) << "scan accepted what parse refuses: " << text;
  if (req == nullptr) return true;
  EXPECT_EQ(scanned->act, req->act) << text;
  EXPECT_EQ(scanned->remote_id, req->remote_id) << text;
  EXPECT_EQ(forward(*scanned, from_id), forward(std::move(*req), from_id)) << text;
  return true;
}

struct scan_case {
  const char* name;
  std::string text;
  bool accepted;
};

class RelayScan : public ::testing::TestWithParam<scan_case> {};

TEST_P(RelayScan, AcceptsOnlyWhatParseAcceptsAndForwardsTheSameText) {
  const auto& c = GetParam();
  EXPECT_EQ(agrees_with_parse(c.text), c.accepted) << c.text;
}

const std::string candidate =
    R"({"action":"iceCandidate","data":{"remoteId":"B","candidate":{"candidate":"candidate:1 1 udp 2122260223 )"
    R"(192.168.1.2 54321 typ host","sdpMid":"0","sdpMLineIndex":0},"stamp":1700000000123}})";

INSTANTIATE_TEST_SUITE_P(
    Cases, RelayScan,
    ::testing::Values(
        scan_case{"browser_candidate", candidate, true},
        scan_case{"candidate_null", R"({"action":"iceCandidate","data":{"remoteId":"B","candidate":null}})", true},
        scan_case{"candidate_string", R"({"action":"iceCandidate","data":{"candidate":"c","remoteId":"B"}})", true},
        scan_case{"offer_object", R"({"action":"offer","data":{"remoteId":"B","offer":{"type":"offer","sdp":"v=0"}}})",
                  true},
        scan_case{"offer_string_remote_id_last", R"({"data":{"offer":"v=0","x":[1,-2,true,false,null,{},[]],"remoteId":"B"},"action":"offer"})",
                  true},
        scan_case{"answer_with_senders_from", R"({"action":"answer","data":{"remoteId":"B","from":"X","answer":"v=0"}})",
                  true},
        scan_case{"hangup_only_remote_id", R"({"action":"hangup","data":{"remoteId":"B"}})", true},
        scan_case{"hangup_remote_id_in_the_middle", R"({"action":"hangup","data":{"a":1,"remoteId":"B","z":2}})", true},
        scan_case{"extra_top_level_members", R"({"v":1,"action":"hangup","x":{"y":[1]},"data":{"remoteId":"B"}})",
                  true},
        scan_case{"largest_integer_taken", R"({"action":"hangup","data":{"remoteId":"B","n":-999999999999999999}})",
                  true},
        scan_case{"remote_id_64_chars", R"({"action":"hangup","data":{"remoteId":")" + std::string(64, 'r') + "\"}}",
                  true},
        // Declined: parse() decides (accepting some, refusing others).
        scan_case{"whitespace", R"({"action": "hangup","data":{"remoteId":"B"}})", false},
        scan_case{"escape_sequence", R"({"action":"offer","data":{"remoteId":"B","offer":"v=0\r\n"}})", false},
        scan_case{"non_ascii", "{\"action\":\"hangup\",\"data\":{\"remoteId\":\"B\",\"n\":\"\xc3\xa9\"}}", false},
        scan_case{"fraction", R"({"action":"hangup","data":{"remoteId":"B","n":1.5}})", false},
        scan_case{"exponent", R"({"action":"hangup","data":{"remoteId":"B","n":1e5}})", false},
        scan_case{"nineteen_digits", R"({"action":"hangup","data":{"remoteId":"B","n":1234567890123456789}})", false},
        scan_case{"minus_zero", R"({"action":"hangup","data":{"remoteId":"B","n":-0}})", false},
        scan_case{"leading_zero", R"({"action":"hangup","data":{"remoteId":"B","n":01}})", false},
        scan_case{"duplicate_data_key", R"({"action":"hangup","data":{"remoteId":"B","remoteId":"C"}})", false},
        scan_case{"duplicate_top_level_key", R"({"action":"hangup","action":"offer","data":{"remoteId":"B"}})", false},
        scan_case{"duplicate_nested_key", R"({"action":"hangup","data":{"remoteId":"B","o":{"k":1,"k":2}}})", false},
        scan_case{"start", R"({"action":"start"})", false},
        scan_case{"ice_servers", R"({"action":"iceServers","data":{"remoteId":"B"}})", false},
        scan_case{"unknown_action", R"({"action":"dance","data":{"remoteId":"B"}})", false},
        scan_case{"action_not_a_string", R"({"action":1,"data":{"remoteId":"B"}})", false},
        scan_case{"no_data", R"({"action":"hangup"})", false},
        scan_case{"data_not_an_object", R"({"action":"hangup","data":"B"})", false},
        scan_case{"no_remote_id", R"({"action":"hangup","data":{"to":"B"}})", false},
        scan_case{"empty_remote_id", R"({"action":"hangup","data":{"remoteId":""}})", false},
        scan_case{"remote_id_65_chars", R"({"action":"hangup","data":{"remoteId":")" + std::string(65, 'r') + "\"}}",
                  false},
        scan_case{"remote_id_not_a_string", R"({"action":"hangup","data":{"remoteId":7}})", false},
        scan_case{"offer_missing", R"({"action":"offer","data":{"remoteId":"B"}})", false},
        scan_case{"offer_a_number", R"({"action":"offer","data":{"remoteId":"B","offer":5}})", false},
        scan_case{"answer_null", R"({"action":"answer","data":{"remoteId":"B","answer":null}})", false},
        scan_case{"trailing_bytes", R"({"action":"hangup","data":{"remoteId":"B"}}x)", false},
        scan_case{"not_closed", R"({"action":"hangup","data":{"remoteId":"B"})", false},
        scan_case{"not_an_object", R"(["action","hangup"])", false},
        scan_case{"seventeen_members",
                  R"({"action":"hangup","data":{"remoteId":"B","a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,)"
                  R"("i":1,"j":1,"k":1,"l":1,"m":1,"n":1,"o":1,"p":1}})",
                  false},
        scan_case{"too_deep", R"({"action":"hangup","data":{"remoteId":"B","x":)" + std::string(16, '[') +
                                  std::string(16, ']') + "}}",
                  false}),
    [](const ::testing::TestParamInfo<scan_case>& row) { return std::string(row.param.name); });

// The string reader goes eight bytes at a time: every byte it must stop at
// (a quote, a backslash, a control character, DEL, a non-ASCII byte), at
// every offset of strings long and short, against parse().
TEST(RelayScan, StringsStopAtTheFirstSpecialByteWhereverItIs) {
  const std::string stops[] = {"\"", "\\", "\\n", "\\u0041", std::string(1, '\x1f'), std::string(1, '\x7f'),
                               std::string(1, '\x80'), "\xc3\xa9", std::string(1, '\t'), std::string(1, '\0')};
  int accepted = 0;
  int declined = 0;
  for (std::size_t length = 0; length <= 40; ++length) {
    for (std::size_t prefix = 0; prefix < 8; ++prefix) {  // where the string starts within a word
      const std::string pad(prefix, 'p');
      const std::string plain(length, 'c');
      const auto text = [&](const std::string& value) {
        return R"({"action":"iceCandidate","data":{"remoteId":"B","x":")" + pad + R"(","candidate":")" + value +
               R"("}})";
      };
      accepted += agrees_with_parse(text(plain)) ? 1 : 0;
      for (std::size_t at = 0; at <= length; ++at) {
        for (const auto& stop : stops) {
          std::string value = plain;
          value.insert(at, stop);
          // Left to parse(): the fast path takes plain strings only.
          EXPECT_FALSE(scan_relayed(text(value)).has_value()) << text(value);
          ++declined;
        }
      }
    }
  }
  EXPECT_EQ(accepted, 41 * 8);  // every plain string is taken
  EXPECT_EQ(declined, 8 * 10 * (41 * 42 / 2));
}

// Random edits of accepted messages: whatever the scan still accepts, parse()
// accepts and forwards identically.
TEST(RelayScan, MutationsNeverDisagreeWithParse) {
  const std::string seeds[] = {
      candidate,
      R"({"data":{"offer":{"type":"offer","sdp":"v=0"},"from":"M","remoteId":"B"},"action":"offer","n":[0,-1,{}]})",
      R"({"action":"hangup","data":{"a":{"b":[true,false,null]},"remoteId":"B","from":"M"}})"};
  const std::string alphabet = R"({}[]":,-0123456789.eEtrufalsn \xé)";
  std::mt19937 rng(12345);
  int accepted = 0;
  for (const auto& seed : seeds) {
    for (int i = 0; i < 20000; ++i) {
      std::string text = seed;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const std::size_t at = rng() % text.size();
        switch (rng() % 3) {
          case 0: text[at] = alphabet[rng() % alphabet.size()]; break;
          case 1: text.erase(at, 1 + rng() % 3); break;
          default: text.insert(at, text.substr(rng() % text.size(), 1 + rng() % 8)); break;
        }
      }
      accepted += agrees_with_parse(text) ? 1 : 0;
    }
  }
  EXPECT_GT(accepted, 100);  // the edits keep some messages valid, so both paths are exercised
}

}  // namespace
}  // namespace switchboard::protocol
