// render_coturn_config / validate: the hardened production file, the
// development differences, optional lines, and refusal of injected lines.

#include "turn/coturn/config.hpp"
#include "turn/coturn/deny_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>
#include <ostream>
#include <string>
#include <vector>

namespace {

using namespace switchboard::turn;

coturn_options base_options(coturn_profile profile = coturn_profile::production) {
  coturn_options o;
  o.profile = profile;
  o.secrets = {"new-secret", "old-secret"};
  o.realm = "example.org";
  o.listen_ip = "127.0.0.1";
  o.relay_ip = "127.0.0.1";
  o.min_port = 40000;
  o.max_port = 40999;
  return o;
}

std::string render_ok(const coturn_options& o) {
  auto r = render_coturn_config(o);
  if (auto* err = std::get_if<render_error>(&r)) {
    std::string all;
    for (const auto& p : err->problems) all += p + "; ";
    ADD_FAILURE() << "render refused: " << all;
    return {};
  }
  return std::get<std::string>(r);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  auto ls = lines_of(text);
  return std::find(ls.begin(), ls.end(), line) != ls.end();
}

// Lines starting with `prefix`, in order.
std::vector<std::string> lines_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& l : lines_of(text)) {
    if (l.starts_with(prefix)) out.push_back(l);
  }
  return out;
}

TEST(CoturnConfig, ProductionHasEveryRequiredLine) {
  const std::string text = render_ok(base_options());
  const char* required[] = {
      "use-auth-secret", "realm=example.org", "fingerprint", "listening-ip=127.0.0.1", "listening-port=3478",
      "relay-ip=127.0.0.1", "min-port=40000", "max-port=40999", "no-tls", "no-dtls", "log-file=stdout", "verbose",
      "no-cli", "no-tcp-relay", "no-multicast-peers", "no-rfc5780", "no-stun-backward-compatibility",
      "no-software-attribute", "no-tlsv1", "no-tlsv1_1", "secure-stun", "stale-nonce=600", "user-quota=10",
      "total-quota=1000",
  };
  for (const char* line : required) EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  EXPECT_FALSE(has_line(text, "allow-loopback-peers"));
}

TEST(CoturnConfig, ProductionDeniesEverySpecialPurposeRange) {
  const std::string text = render_ok(base_options());
  const char* ranges[] = {
      "0.0.0.0-0.255.255.255", "10.0.0.0-10.255.255.255", "100.64.0.0-100.127.255.255",
      "127.0.0.0-127.255.255.255", "169.254.0.0-169.254.255.255", "172.16.0.0-172.31.255.255",
      "192.0.0.0-192.0.0.255", "192.0.2.0-192.0.2.255", "192.88.99.0-192.88.99.255",
      "192.168.0.0-192.168.255.255", "198.18.0.0-198.19.255.255", "198.51.100.0-198.51.100.255",
      "203.0.113.0-203.0.113.255", "224.0.0.0-239.255.255.255", "240.0.0.0-255.255.255.255", "255.255.255.255",
      "::1", "::ffff:0.0.0.0-::ffff:255.255.255.255", "64:ff9b::-64:ff9b::ffff:ffff",
      "64:ff9b:1::-64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "100::-100::ffff:ffff:ffff:ffff",
      "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
      "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  };
  for (const char* r : ranges) {
    EXPECT_TRUE(has_line(text, std::string("denied-peer-ip=") + r)) << r;
  }
  // coturn 4.6.1 rejects CIDR ("Wrong address format"): every value is a range or one address.
  for (const auto& l : lines_with(text, "denied-peer-ip=")) EXPECT_EQ(l.find('/'), std::string::npos) << l;
}

TEST(CoturnConfig, DevelopmentDiffersOnlyInTheDocumentedLines) {
  auto prod = lines_of(render_ok(base_options(coturn_profile::production)));
  auto dev = lines_of(render_ok(base_options(coturn_profile::development)));
  std::multiset<std::string> p(prod.begin(), prod.end()), d(dev.begin(), dev.end());
  std::multiset<std::string> added, removed;
  std::set_difference(d.begin(), d.end(), p.begin(), p.end(), std::inserter(added, added.end()));
  std::set_difference(p.begin(), p.end(), d.begin(), d.end(), std::inserter(removed, removed.end()));

  std::multiset<std::string> doc_added, doc_removed;
  for (const auto& diff : development_differences()) {
    (diff.kind == difference_kind::added ? doc_added : doc_removed).insert(std::string(diff.line));
    EXPECT_FALSE(diff.why.empty()) << diff.line;
  }
  EXPECT_EQ(added, doc_added);
  EXPECT_EQ(removed, doc_removed);
  EXPECT_EQ(doc_added, (std::multiset<std::string>{"allow-loopback-peers"}));
  EXPECT_TRUE(doc_removed.contains("denied-peer-ip=127.0.0.0-127.255.255.255"));
  EXPECT_TRUE(doc_removed.contains("denied-peer-ip=::1"));
}

TEST(CoturnConfig, SecretsRenderOneLineEachInOrder) {
  for (std::size_t n : {1u, 2u, 5u}) {
    auto o = base_options();
    o.secrets.clear();
    for (std::size_t i = 0; i < n; ++i) o.secrets.push_back("secret-" + std::to_string(i));
    std::vector<std::string> expected;
    for (const auto& s : o.secrets) expected.push_back("static-auth-secret=" + s);
    EXPECT_EQ(lines_with(render_ok(o), "static-auth-secret="), expected) << n;
  }
}

TEST(CoturnConfig, OptionalLinesAbsentWhenUnset) {
  const std::string text = render_ok(base_options());
  for (const char* prefix : {"external-ip=", "max-bps=", "pidfile=", "cert=", "pkey=", "tls-listening-port="}) {
    EXPECT_TRUE(lines_with(text, prefix).empty()) << prefix;
  }
}

TEST(CoturnConfig, OptionalLinesPresentWhenSet) {
  auto o = base_options();
  o.max_bps = 250000;
  o.pidfile = "/run/switchboard/turnserver.pid";
  o.tls_cert = "/etc/switchboard/cert.pem";
  o.tls_key = "/etc/switchboard/key.pem";
  o.tls_listen_port = 5349;
  const std::string text = render_ok(o);
  for (const char* line : {"max-bps=250000", "pidfile=/run/switchboard/turnserver.pid", "cert=/etc/switchboard/cert.pem",
                            "pkey=/etc/switchboard/key.pem", "tls-listening-port=5349", "no-dtls"}) {
    EXPECT_TRUE(has_line(text, line)) << line;
  }
  EXPECT_FALSE(has_line(text, "no-tls"));
}

TEST(CoturnConfig, ExternalIpBothForms) {
  struct row {
    std::string value;
  };
  for (const row& r : {row{"203.0.113.7"}, row{"203.0.113.7/10.0.0.5"}, row{"2001:db8::7"}}) {
    auto o = base_options();
    o.external_ip = r.value;
    EXPECT_EQ(lines_with(render_ok(o), "external-ip="), std::vector<std::string>{"external-ip=" + r.value});
  }
}

struct bad_case {
  std::string name;
  std::function<void(coturn_options&)> mutate;
  std::string expected_key;  // a substring of one reported problem
};

std::string name_of(const ::testing::TestParamInfo<bad_case>& p) { return p.param.name; }

// Names the row in failure messages instead of dumping its bytes.
void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

class CoturnConfigRefuses : public ::testing::TestWithParam<bad_case> {};

TEST_P(CoturnConfigRefuses, ReportsTheKeyAndRendersNothing) {
  auto o = base_options();
  GetParam().mutate(o);
  auto problems = validate(o);
  ASSERT_FALSE(problems.empty());
  bool named = std::any_of(problems.begin(), problems.end(),
                           [&](const std::string& p) { return p.find(GetParam().expected_key) != std::string::npos; });
  EXPECT_TRUE(named) << problems.front();
  auto r = render_coturn_config(o);
  ASSERT_TRUE(std::holds_alternative<render_error>(r));
  EXPECT_EQ(std::get<render_error>(r).problems, problems);
}

using O = coturn_options;
INSTANTIATE_TEST_SUITE_P(
    Injection, CoturnConfigRefuses,
    ::testing::Values(
        bad_case{"secret_newline", [](O& o) { o.secrets[1] = "s\nallow-loopback-peers"; }, "turn.secrets[1]"},
        bad_case{"secret_cr", [](O& o) { o.secrets[0] = "s\rx"; }, "turn.secrets[0]"},
        bad_case{"secret_nul", [](O& o) { o.secrets[0] = std::string("s\0x", 3); }, "turn.secrets[0]"},
        bad_case{"secret_quoted", [](O& o) { o.secrets[0] = "\"quoted\""; }, "turn.secrets[0]"},
        bad_case{"secret_blank_end", [](O& o) { o.secrets[0] = "trailing "; }, "turn.secrets[0]"},
        bad_case{"realm_newline", [](O& o) { o.realm = "r\nno-auth"; }, "turn.realm"},
        bad_case{"listen_newline", [](O& o) { o.listen_ip = "127.0.0.1\nallow-loopback-peers"; }, "turn.managed.listen"},
        bad_case{"relay_newline", [](O& o) { o.relay_ip = "127.0.0.1\n"; }, "turn.managed.relay_ip"},
        bad_case{"external_newline", [](O& o) { o.external_ip = "203.0.113.7\nx"; }, "turn.managed.external_ip"},
        bad_case{"cert_newline", [](O& o) { o.tls_cert = "/c\n"; o.tls_key = "/k"; }, "turn.managed.tls.cert"},
        bad_case{"key_newline", [](O& o) { o.tls_cert = "/c"; o.tls_key = "/k\nno-auth"; }, "turn.managed.tls.key"},
        bad_case{"pidfile_newline", [](O& o) { o.pidfile = "/p\nno-auth"; }, "pidfile"}),
    name_of);

INSTANTIATE_TEST_SUITE_P(
    Validation, CoturnConfigRefuses,
    ::testing::Values(
        bad_case{"no_secret", [](O& o) { o.secrets.clear(); }, "turn.secrets"},
        bad_case{"empty_secret", [](O& o) { o.secrets[0].clear(); }, "turn.secrets[0]"},
        bad_case{"empty_realm", [](O& o) { o.realm.clear(); }, "turn.realm"},
        bad_case{"listen_hostname", [](O& o) { o.listen_ip = "localhost"; }, "turn.managed.listen"},
        bad_case{"relay_cidr", [](O& o) { o.relay_ip = "10.0.0.0/8"; }, "turn.managed.relay_ip"},
        bad_case{"external_three", [](O& o) { o.external_ip = "1.2.3.4/5.6.7.8/9.9.9.9"; }, "external_ip"},
        bad_case{"external_name", [](O& o) { o.external_ip = "turn.example.org"; }, "external_ip"},
        bad_case{"dev_public_listen",
                 [](O& o) { o.profile = coturn_profile::development; o.listen_ip = "203.0.113.7"; },
                 "development"},
        bad_case{"listen_port_zero", [](O& o) { o.listen_port = 0; }, "turn.managed.listen"},
        bad_case{"range_reversed", [](O& o) { o.min_port = 50000; o.max_port = 40000; }, "relay_ports"},
        bad_case{"range_zero", [](O& o) { o.min_port = 0; }, "relay_ports"},
        bad_case{"listen_in_range", [](O& o) { o.listen_port = 40500; }, "inside turn.managed.relay_ports"},
        bad_case{"cert_without_key", [](O& o) { o.tls_cert = "/c.pem"; }, "set together"},
        bad_case{"relative_cert", [](O& o) { o.tls_cert = "c.pem"; o.tls_key = "/k.pem"; }, "absolute"},
        bad_case{"tls_port_clash",
                 [](O& o) { o.tls_cert = "/c"; o.tls_key = "/k"; o.tls_listen_port = o.listen_port; },
                 "turn.managed.tls.port"},
        bad_case{"relative_pidfile", [](O& o) { o.pidfile = "run/t.pid"; }, "absolute"},
        bad_case{"user_quota_zero", [](O& o) { o.user_quota = 0; }, "user_quota"},
        bad_case{"total_quota_zero", [](O& o) { o.total_quota = 0; }, "total_quota"},
        bad_case{"user_over_total", [](O& o) { o.user_quota = 20; o.total_quota = 10; }, "must not exceed"},
        bad_case{"stale_nonce_zero", [](O& o) { o.stale_nonce_s = 0; }, "nonce"}),
    name_of);

TEST(CoturnConfig, ValidOptionsHaveNoProblems) {
  EXPECT_TRUE(validate(base_options()).empty());
  EXPECT_TRUE(validate(base_options(coturn_profile::development)).empty());
  auto v6 = base_options(coturn_profile::development);
  v6.listen_ip = "::1";
  v6.relay_ip = "::1";
  EXPECT_TRUE(validate(v6).empty());
  // A secret may hold '#', '=' and inner blanks: coturn keeps them (checked against 4.6.1).
  auto odd = base_options();
  odd.secrets = {"a#b=c d"};
  EXPECT_TRUE(validate(odd).empty());
}

TEST(CoturnConfig, ProfileNames) {
  EXPECT_EQ(parse_coturn_profile("production"), coturn_profile::production);
  EXPECT_EQ(parse_coturn_profile("development"), coturn_profile::development);
  EXPECT_EQ(parse_coturn_profile("Production"), std::nullopt);
  EXPECT_EQ(to_string(coturn_profile::development), "development");
  EXPECT_EQ(parse_coturn_profile(to_string(coturn_profile::production)), coturn_profile::production);
}

TEST(CoturnConfig, HardeningTableIsRendered) {
  const std::string text = render_ok(base_options());
  for (const auto& h : hardening_lines()) {
    EXPECT_FALSE(h.why.empty()) << h.key;
    std::string key(h.key);
    if (key == "max-bps=N") continue;  // only when configured: see OptionalLinesPresentWhenSet
    if (key.ends_with("=N")) {
      EXPECT_EQ(lines_with(text, key.substr(0, key.size() - 1)).size(), 1u) << key;
    } else {
      EXPECT_TRUE(has_line(text, key)) << key;
    }
  }
}

// docs/turn.md is what operators read: it must name every line the code renders for a reason.
TEST(CoturnConfig, DocsNameEveryHardeningDenyAndDevelopmentLine) {
  std::ifstream in(std::string(SWITCHBOARD_SOURCE_DIR) + "/docs/turn.md");
  ASSERT_TRUE(in);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto mentioned = [&](std::string_view s) { return doc.find("`" + std::string(s)) != std::string::npos; };
  for (const auto& h : hardening_lines()) EXPECT_TRUE(mentioned(h.key.substr(0, h.key.find("=N")))) << h.key;
  for (const auto& r : special_purpose_ranges()) {
    EXPECT_TRUE(mentioned(coturn_range(r))) << r.cidr;
    EXPECT_NE(doc.find(std::string(r.cidr)), std::string::npos) << r.cidr;
  }
  for (const auto& d : development_differences()) EXPECT_TRUE(mentioned(d.line)) << d.line;
}

}  // namespace
