// Every metric name the monitoring files use (alert rules, Grafana
// dashboards, the chart's PrometheusRule and dashboard ConfigMap) exists on
// a live Switchboard: the real binary with its managed coturn on loopback,
// after a little signaling traffic and a TURN probe. `deploycheck names`
// lists the names; a renamed metric in any of those files fails here. So
// does a label value in an = or != matcher that no series has (an alert on
// result="failure" would never fire). The image's health check script is
// exercised against the same server.

#include "tests/integration/turn_helpers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_fixture.hpp"
#include "tests/support/server_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace switchboard::test {
namespace {

using namespace std::chrono_literals;
using namespace turn_helpers;

std::string deploycheck() { return DEPLOYCHECK_BINARY; }

// name -> where it is used, from `deploycheck names ARGS...`.
std::map<std::string, std::string> used_names(std::vector<std::string> args) {
  args.insert(args.begin(), {deploycheck(), "names"});
  const auto result = run(command(args), within(60s));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, std::string> out;
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

struct exposition {
  std::set<std::string> samples;                // names of sample lines
  std::map<std::string, std::string> families;  // # TYPE name type
  std::map<std::string, std::vector<std::string>> labels;  // name -> each sample's {a="b",...}
};

exposition parse_exposition(const std::string& text) {
  exposition e;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name, type;
      f >> name >> type;
      e.families[name] = type;
    } else if (!line.empty() && line[0] != '#') {
      const auto end = line.find_first_of("{ ");
      e.samples.insert(line.substr(0, end));
      if (end != std::string::npos && line[end] == '{') {
        e.labels[line.substr(0, end)].push_back(line.substr(end, line.find('}', end) + 1 - end));
      }
    }
  }
  return e;
}

// Series Prometheus makes itself for every target.
const std::set<std::string> synthetic{"up", "scrape_duration_seconds", "scrape_samples_scraped"};

// Names in `used` the exposition does not have (histogram and summary
// suffixes map to their family).
std::map<std::string, std::string> missing_names(const std::map<std::string, std::string>& used,
                                                 const exposition& e) {
  std::map<std::string, std::string> missing;
  for (const auto& [name, where] : used) {
    if (synthetic.count(name) || e.samples.count(name) || e.families.count(name)) continue;
    bool derived = false;
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() && name.ends_with(suffix)) {
        const auto family = e.families.find(name.substr(0, name.size() - suffix.size()));
        derived = derived || (family != e.families.end() &&
                              (family->second == "histogram" || (family->second == "summary" && suffix != "_bucket")));
      }
    }
    if (!derived) missing[name] = where;
  }
  return missing;
}

// A label matcher from `deploycheck names --matchers`.
struct matcher_use {
  std::string metric, label, op, value, where;
};

std::vector<matcher_use> used_matchers(std::vector<std::string> args) {
  args.insert(args.begin(), {deploycheck(), "names", "--matchers"});
  const auto result = run(command(args), within(60s));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::vector<matcher_use> out;
  std::istringstream lines(result.output);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, '\t');) f.push_back(x);
    if (f.size() == 5) out.push_back({f[0], f[1], f[2], f[3], f[4]});
  }
  return out;
}

bool has_label_value(const exposition& e, const matcher_use& m) {
  const auto series = e.labels.find(m.metric);
  if (series == e.labels.end()) return false;
  const auto needle = m.label + "=\"" + m.value + "\"";
  for (const auto& labels : series->second) {
    for (auto at = labels.find(needle); at != std::string::npos; at = labels.find(needle, at + 1)) {
      if (at > 0 && (labels[at - 1] == '{' || labels[at - 1] == ',')) return true;
    }
  }
  return false;
}

// Matchers whose value no exposed series has. Prometheus' own series and
// target labels (job, instance) are not Switchboard's to expose.
std::string missing_label_values(const std::vector<matcher_use>& used, const exposition& e) {
  std::string out;
  for (const auto& m : used) {
    if (synthetic.count(m.metric) || m.label == "job" || m.label == "instance" || has_label_value(e, m)) continue;
    out += "  " + m.metric + "{" + m.label + m.op + "\"" + m.value + "\"}  (" + m.where + ")\n";
  }
  return out;
}

std::string describe(const std::map<std::string, std::string>& names) {
  std::string out;
  for (const auto& [name, where] : names) out += "  " + name + "  (" + where + ")\n";
  return out;
}

void copy_file(const std::string& from, const std::string& to, const std::string& old_text = "",
               const std::string& new_text = "") {
  std::ifstream in(from);
  std::stringstream buf;
  buf << in.rdbuf();
  auto text = buf.str();
  if (!old_text.empty()) {
    const auto at = text.find(old_text);
    ASSERT_NE(at, std::string::npos) << old_text << " not in " << from;
    text.replace(at, old_text.size(), new_text);
  }
  std::filesystem::create_directories(std::filesystem::path(to).parent_path());
  std::ofstream(to) << text;
}

// Two peers start, offer and answer, exchange a candidate and hang up; one
// message goes to a peer that does not exist (an error reply).
void make_signaling_traffic(const server_fixture& server) {
  auto a = server.connect();
  auto b = server.connect();
  ASSERT_TRUE(a.is_open() && b.is_open());
  auto start = [](ws_client& ws) {
    EXPECT_TRUE(ws.send_text(R"({"action":"start"})"));
    const auto reply = ws.read(within(5s));
    EXPECT_TRUE(reply && reply->find("\"start\"") != std::string::npos) << reply.value_or("(none)");
    const auto at = reply ? reply->find("\"id\":\"") : std::string::npos;
    return at == std::string::npos ? std::string() : reply->substr(at + 6, reply->find('"', at + 6) - at - 6);
  };
  const auto id_a = start(a);
  const auto id_b = start(b);
  ASSERT_FALSE(id_a.empty() || id_b.empty());
  auto relay = [](ws_client& from, ws_client& to, const std::string& action, const std::string& remote,
                  const std::string& payload) {
    EXPECT_TRUE(from.send_text(R"({"action":")" + action + R"(","data":{"remoteId":")" + remote + "\"" + payload + "}}"));
    const auto got = to.read(within(5s));
    EXPECT_TRUE(got && got->find("\"" + action + "\"") != std::string::npos) << got.value_or("(none)");
  };
  relay(a, b, "offer", id_b, R"(,"offer":{"type":"offer","sdp":"v=0"})");
  relay(b, a, "answer", id_a, R"(,"answer":{"type":"answer","sdp":"v=0"})");
  relay(a, b, "iceCandidate", id_b, R"(,"candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0})");
  EXPECT_TRUE(a.send_text(R"({"action":"offer","data":{"remoteId":"no-such-peer","offer":{"type":"offer","sdp":"v=0"}}})"));
  const auto error = a.read(within(5s));
  EXPECT_TRUE(error && error->find("\"error\"") != std::string::npos) << error.value_or("(none)");
  relay(a, b, "hangup", id_b, "");
  a.close();
  b.close();
}

int healthcheck(const std::string& mode, const std::map<std::string, std::string>& env) {
  auto opts = command({"sh", source_dir() + "/deploy/image/switchboard-healthcheck", mode});
  opts.env = env;
  const auto result = run(std::move(opts), within(20s));
  return result.exit_code;
}

class deploy_metrics : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    ports_ = pick_turn_ports(20);
    auto sets = managed_turn_sets(ports_, "1s");
    // Cluster mode on a real Redis, so the switchboard_cluster_* series the
    // dashboards and alerts use are exported too.
    redis_ = new redis_server();
    for (auto kv : {"cluster.enabled=true", "cluster.node_id=metrics-test"}) sets.emplace_back(kv);
    sets.push_back("cluster.redis.url=" + redis_->url());
    server_ = new server_fixture(with_sets(std::move(sets)));
    ASSERT_TRUE(wait_readyz(server_->port(), within(30s))) << "coturn never became ready:\n" << server_->output();
    ASSERT_TRUE(server_->wait_metric("switchboard_cluster_degraded", [](double v) { return v == 0; }, within(10s)));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete redis_;
    redis_ = nullptr;
  }
  static server_fixture& server() { return *server_; }

  static turn_ports ports_;
  static redis_server* redis_;
  static server_fixture* server_;
};

turn_ports deploy_metrics::ports_;
redis_server* deploy_metrics::redis_ = nullptr;
server_fixture* deploy_metrics::server_ = nullptr;

TEST_F(deploy_metrics, every_name_in_rules_dashboards_and_chart_is_exposed) {
  ASSERT_NO_FATAL_FAILURE(make_signaling_traffic(server()));
  // A probe has completed: its allocation was created and released.
  ASSERT_TRUE(server().wait_metric(R"(switchboard_turn_probes_total{outcome="ok"})", [](double v) { return v >= 1; },
                                   within(15s)));
  ASSERT_TRUE(server().wait_metric(R"(switchboard_messages_relayed_total{type="answer"})",
                                   [](double v) { return v >= 1; }, within(5s)));
  const auto live = parse_exposition(server().metrics_text());
  ASSERT_GT(live.families.size(), 30u) << "too few metric families on /metrics";

  const auto src = source_dir();
  const auto used = used_names({"--monitoring", src + "/helm/switchboard/files", "--chart", src + "/helm/switchboard", "--prod",
                                src + "/helm/switchboard/ci/production-values.yaml"});
  // The files use the signaling, TURN and probe series; a broken name
  // extractor that found only a few would pass too easily.
  ASSERT_GE(used.size(), 30u) << describe(used);
  for (const auto* name : {"switchboard_peers", "switchboard_turn_allocations", "switchboard_turn_probe_success",
                           "switchboard_relay_latency_seconds_bucket", "switchboard_turn_traffic_sent_bytes_total",
                           "switchboard_auth_failures_total", "switchboard_auth_jwks_reloads_total"}) {
    EXPECT_TRUE(used.count(name)) << name << " is no longer used by the monitoring files";
  }
  const auto missing = missing_names(used, live);
  EXPECT_TRUE(missing.empty()) << "metric names used by the monitoring files but not exposed by switchboard:\n"
                               << describe(missing);
}

TEST_F(deploy_metrics, every_label_value_matched_in_rules_dashboards_and_chart_is_exposed) {
  const auto live = parse_exposition(server().metrics_text());
  const auto src = source_dir();
  const auto used = used_matchers({"--monitoring", src + "/helm/switchboard/files", "--chart", src + "/helm/switchboard",
                                   "--prod", src + "/helm/switchboard/ci/production-values.yaml"});
  // The auth alerts match on these; a lister that found none would pass trivially.
  std::set<std::string> seen;
  for (const auto& m : used) seen.insert(m.metric + "{" + m.label + m.op + "\"" + m.value + "\"}");
  for (const auto* m : {R"(switchboard_auth_jwks_reloads_total{result="failed"})",
                        R"(switchboard_auth_failures_total{reason!="expired"})",
                        R"(switchboard_peers_refused_total{reason="max_per_identity"})"}) {
    EXPECT_TRUE(seen.count(m)) << m << " is no longer matched by the monitoring files";
  }
  const auto missing = missing_label_values(used, live);
  EXPECT_TRUE(missing.empty()) << "label values matched by the monitoring files that no exposed series has:\n" << missing;
}

TEST_F(deploy_metrics, a_misspelt_label_value_in_the_rules_is_caught) {
  const auto live = parse_exposition(server().metrics_text());
  temp_dir dir;
  const auto src = source_dir() + "/helm/switchboard/files";
  const auto copy = dir.path() + "/monitoring";
  copy_file(src + "/alerts.yml", copy + "/alerts.yml", R"({result="failed"})", R"({result="failure"})");
  for (const auto& entry : std::filesystem::directory_iterator(src + "/dashboards")) {
    copy_file(entry.path().string(), copy + "/dashboards/" + entry.path().filename().string());
  }
  const auto missing = missing_label_values(used_matchers({"--monitoring", copy}), live);
  EXPECT_EQ(missing, "  switchboard_auth_jwks_reloads_total{result=\"failure\"}  (alerts.yml: SwitchboardJwksReloadFailed)\n");
}

TEST_F(deploy_metrics, a_renamed_metric_in_the_rules_is_caught) {
  const auto live = parse_exposition(server().metrics_text());
  temp_dir dir;
  const auto src = source_dir() + "/helm/switchboard/files";
  const auto copy = dir.path() + "/monitoring";
  copy_file(src + "/alerts.yml", copy + "/alerts.yml", "switchboard_turn_probe_success == 0",
            "switchboard_turn_probe_succeeded == 0");
  for (const auto& entry : std::filesystem::directory_iterator(src + "/dashboards")) {
    copy_file(entry.path().string(), copy + "/dashboards/" + entry.path().filename().string());
  }
  const auto missing = missing_names(used_names({"--monitoring", copy}), live);
  ASSERT_EQ(missing.size(), 1u) << describe(missing);
  EXPECT_EQ(missing.begin()->first, "switchboard_turn_probe_succeeded");
  EXPECT_NE(missing.begin()->second.find("SwitchboardTurnProbeFailing"), std::string::npos) << missing.begin()->second;
}

TEST_F(deploy_metrics, image_health_checks_answer_for_the_live_server) {
  const std::map<std::string, std::string> env{
      {"SWITCHBOARD_HEALTH_PORT", std::to_string(server().port())},
      {"SWITCHBOARD_METRICS_URL", "http://127.0.0.1:" + std::to_string(server().metrics_port()) + "/metrics"}};
  EXPECT_EQ(healthcheck("live", env), 0);
  EXPECT_EQ(healthcheck("ready", env), 0);
  EXPECT_EQ(healthcheck("turn-live", env), 0);
  EXPECT_EQ(healthcheck("turn-ready", env), 0);
  // Nothing listens on the metrics port + 0 of a closed server: unhealthy.
  const std::map<std::string, std::string> dead{{"SWITCHBOARD_HEALTH_PORT", "1"},
                                                {"SWITCHBOARD_METRICS_URL", "http://127.0.0.1:1/metrics"}};
  EXPECT_NE(healthcheck("live", dead), 0);
  EXPECT_NE(healthcheck("turn-live", dead), 0);
  EXPECT_EQ(healthcheck("bogus", env), 2);
}

}  // namespace
}  // namespace switchboard::test
