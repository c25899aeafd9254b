// SIGHUP. Before issue 8 it killed the process at once, without a drain. Now
// it never exits: it re-reads the TLS certificate and key (new handshakes use
// them; a file that does not load keeps the old ones) and the log level, and
// logs one line starting with "SIGHUP:"; connected peers notice nothing.

#include "tests/hardening/attack_report.hpp"
#include "tests/hardening/tls_probe.hpp"
#include "tests/integration/signaling_helpers.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <thread>

namespace switchboard::test {
namespace {

namespace fs = std::filesystem;

// Sends SIGHUP and waits for the server's "SIGHUP:" line number `nth`; false
// when it did not come (or the server died).
bool hang_up(server_fixture& server, const log_window& log, std::size_t nth) {
  server.proc().signal(SIGHUP);
  const auto until = within(5s);
  while (log.count("SIGHUP:") < nth) {
    if (clock::now() >= until || !server.proc().running()) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string exit_status(server_fixture& server) {
  const auto status = server.proc().wait_exit(clock::now());
  return status ? describe_status(*status) : "still running";
}

// A started peer connecting from `local_address`.
peer peer_from(const server_fixture& server, const std::string& local_address) {
  peer p;
  auto opts = server.ws_options();
  opts.local_address = local_address;
  EXPECT_TRUE(p.ws.connect(opts).ok);
  if (auto reply = send_start(p.ws)) p.id = str(*reply, "id");
  return p;
}

// True when a candidate from `from` reaches `to`.
bool still_relays(peer& from, peer& to) {
  if (!from.ws.send_text(candidate_message(to.id, "candidate:after-sighup", 0))) return false;
  const auto msg = skip_until_action(to.ws, "iceCandidate");
  return msg && str(*msg, "from") == from.id;
}

// Replaces `path` the way certificate tools do: a new file renamed over the old one.
void replace_file(const std::string& path, const std::string& content_from) {
  fs::copy_file(content_from, path + ".new", fs::copy_options::overwrite_existing);
  fs::rename(path + ".new", path);
}

TEST(attack, sighup_keeps_serving) {
  server_fixture server(with_sets({"log.level=info"}));
  attack_record record("SIGHUP");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  auto a = peer_from(server, "127.0.0.4");
  auto b = peer_from(server, "127.0.0.5");
  exchange_offer_answer(a, b);

  const std::size_t hups = report_mode() ? 50 : 5;
  std::size_t answered = 0;
  while (answered < hups && hang_up(server, log, answered + 1)) ++answered;
  record.figure("SIGHUPs sent and answered with a \"SIGHUP:\" line", std::to_string(answered) + " of " +
                                                                        std::to_string(hups));
  record.figure("server", exit_status(server));
  record.check(answered == hups, "every SIGHUP is answered by one \"SIGHUP:\" line and the server keeps running");
  record.check(server.proc().running() && still_relays(a, b), "a pair connected before the signals still relays");

  // One short line per signal.
  check_aftermath(record, server, memory, log, log_at_most(hups * 1024));
}

// Installs a new certificate and key, hangs up, and waits until new TLS
// connections see it; the new certificate's fingerprint.
std::string renew_certificate(server_fixture& server, const log_window& log, attack_record& record) {
  temp_dir renewed;
  const auto [new_cert, new_key] = make_self_signed_cert(renewed);
  const auto fingerprint = pem_certificate_sha256(new_cert);
  replace_file(server.dir().file("key.pem"), new_key);
  replace_file(server.dir().file("cert.pem"), new_cert);
  const bool reloaded = hang_up(server, log, 1);
  record.check(reloaded, "SIGHUP is answered with a \"SIGHUP:\" line (server " + exit_status(server) + ")");
  std::string served;
  for (const auto until = within(5s); reloaded && clock::now() < until && served != fingerprint;) {
    served = served_certificate_sha256(server.port(), within(5s));
  }
  record.check(served == fingerprint, "a new TLS connection after the reload sees the new certificate");
  return fingerprint;
}

// A certificate file that does not load: the server keeps the one it has, and says why.
void break_certificate(server_fixture& server, const log_window& log, attack_record& record,
                       const std::string& last_good) {
  server.dir().write("broken.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  replace_file(server.dir().file("cert.pem"), server.dir().file("broken.pem"));
  record.check(hang_up(server, log, 2), "a second SIGHUP is answered too");
  record.check(served_certificate_sha256(server.port(), within(5s)) == last_good,
               "with a broken certificate file, new connections still get the last good certificate");
  std::vector<std::string> lines;
  server.proc().for_each_line(0, [&](std::string_view line) {
    if (line.find("SIGHUP:") != std::string_view::npos) lines.emplace_back(line.substr(0, 300));
    return true;
  });
  record.check(lines.size() == 2 && lines[1].find("cert.pem") != std::string::npos,
               "the second \"SIGHUP:\" line names the certificate file that did not load");
  for (const auto& line : lines) record.figure("SIGHUP line", line);
}

TEST(attack, sighup_reloads_the_tls_certificate) {
  server_options opts;
  opts.tls = true;
  opts.sets = {"log.level=info"};
  server_fixture server(opts);
  attack_record record("SIGHUP with TLS: certificate reload");
  memory_watch memory(server.proc().pid());
  log_window log(server.proc());
  const auto first = pem_certificate_sha256(server.dir().file("cert.pem"));
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(served_certificate_sha256(server.port(), within(5s)), first);
  auto a = peer_from(server, "127.0.0.4");
  auto b = peer_from(server, "127.0.0.5");
  exchange_offer_answer(a, b);

  const auto second = renew_certificate(server, log, record);
  if (server.proc().running()) break_certificate(server, log, record, second);
  record.check(server.proc().running() && still_relays(a, b), "the wss pair connected before the reloads still relays");
  const auto failed = server.metric_value(R"(switchboard_reloads_total{result="failed"})");
  record.figure("switchboard_reloads_total{result=\"failed\"}", failed ? std::to_string(*failed) : "absent");

  check_aftermath(record, server, memory, log, log_at_most(8 * 1024));
}

}  // namespace
}  // namespace switchboard::test
