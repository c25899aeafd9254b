// Strict base64url (RFC 7515 section 2) and the small text helpers.

#include "signaling/auth/base64url.hpp"
#include "signaling/auth/text_util.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace switchboard::auth {
namespace {

struct decode_case {
  const char* text;
  std::optional<std::string> expected;
};

TEST(AuthBase64url, DecodesStrictly) {
  const decode_case cases[] = {
      {"", std::string()},
      {"Zg", std::string("f")},
      {"Zm8", std::string("fo")},
      {"Zm9v", std::string("foo")},
      {"Zm9vYg", std::string("foob")},
      {"_-8", std::string("\xFF\xEF", 2)},  // the two url-safe symbols
      {"Zg==", std::nullopt},                // padding
      {"Zg=", std::nullopt},
      {"Zm9v=", std::nullopt},
      {"/-8", std::nullopt},  // '/' is standard base64, not base64url
      {"+-8", std::nullopt},
      {"Zm 9v", std::nullopt},  // whitespace
      {"Zm9v\n", std::nullopt},
      {" Zm9v", std::nullopt},
      {"Zm9vY", std::nullopt},  // length % 4 == 1
      {"Z", std::nullopt},
      {"Zh", std::nullopt},   // non-zero unused bits (4 of them)
      {"Zm9", std::nullopt},  // non-zero unused bits (2 of them)
      {"Zm.v", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(base64url_decode(c.text), c.expected);
  }
  EXPECT_EQ(base64url_decode(std::string_view("Zm\0v", 4)), std::nullopt);
}

TEST(AuthBase64url, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= bytes.size(); len += 1) {
    const auto text = base64url_encode(bytes.substr(0, len));
    ASSERT_EQ(text.find_first_of("+/="), std::string::npos);
    ASSERT_EQ(base64url_decode(text), bytes.substr(0, len)) << len;
  }
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
}

TEST(AuthText, ParsesDurations) {
  using std::chrono::seconds;
  const std::pair<const char*, std::optional<seconds>> cases[] = {
      {"90s", seconds{90}}, {"5m", seconds{300}}, {"1h", seconds{3600}}, {"2d", seconds{172800}},
      {"300", seconds{300}}, {"0s", seconds{0}},   {"", std::nullopt},    {"s", std::nullopt},
      {"-5s", std::nullopt}, {"5 m", std::nullopt}, {"1.5h", std::nullopt}, {"5w", std::nullopt},
      {"99999999999999d", std::nullopt}, {"4000d", std::nullopt},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_duration(text), expected);
  }
}

TEST(AuthText, FormatsForMessages) {
  EXPECT_EQ(short_duration(45), "45s");
  EXPECT_EQ(short_duration(150), "2m");
  EXPECT_EQ(short_duration(7300), "2h");
  EXPECT_EQ(short_duration(3 * 86400), "3d");
  EXPECT_EQ(short_duration(-5), "0s");
  EXPECT_EQ(short_duration(60), "1m");
  EXPECT_EQ(short_duration(90), "90s");
  EXPECT_EQ(short_duration(3600), "1h");
  EXPECT_EQ(quoted_printable("ab\"c\n"), "\"ab?c?\"");
  EXPECT_EQ(quoted_printable(std::string(70, 'x'), 64), "\"" + std::string(64, 'x') + "\"...");
}

}  // namespace
}  // namespace switchboard::auth
