// A PowerDNS for tests (src/dns/test_powerdns.h).
#include "src/dns/test_powerdns.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace ink::dns::testing {

using namespace std::chrono_literals;

int FreeLoopbackPort(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

Status TestPowerDns::Start(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto schema = RunProcess({"sh", "-c",
                            "sqlite3 '" + (dir / "pdns.sqlite3").string() +
                                "' < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"},
                           30s);
  if (!schema.ok() || !schema->ok()) {
    return FailedPrecondition(
        "pdns-backend-sqlite3 and sqlite3 are needed (scripts/prepare-host.sh installs them)");
  }
  dns_port_ = FreeLoopbackPort(SOCK_DGRAM);
  api_port_ = FreeLoopbackPort(SOCK_STREAM);
  std::ofstream conf(dir / "pdns.conf");
  conf << "launch=gsqlite3\ngsqlite3-database=" << (dir / "pdns.sqlite3").string()
       << "\nlocal-address=127.0.0.1\nlocal-port=" << dns_port_ << "\napi=yes\napi-key=" << kApiKey
       << "\nwebserver=yes\nwebserver-address=127.0.0.1\nwebserver-port=" << api_port_
       << "\nwebserver-allow-from=127.0.0.1\nsocket-dir=" << dir.string()
       << "\ndaemon=no\nguardian=no\ndisable-syslog=yes\nsecurity-poll-suffix=\n";
  conf.close();
  auto child = Child::Start({.argv = {"pdns_server", "--config-dir=" + dir.string()},
                             .out = ChildStream::Null(),
                             .err = ChildStream::Null()});
  if (!child.ok()) return child.error();
  pdns_ = std::move(*child);
  auto provider = MakePowerDnsProvider({.api_url = api_url(), .api_key = kApiKey});
  if (!provider.ok()) return provider.error();
  provider_ = std::move(*provider);
  // Up when the API answers (a missing zone is an answer).
  for (int i = 0; i < 100; ++i) {
    auto r = provider_->List("probe.test");
    if (r.ok() || r.error().code == ErrorCode::kNotFound) return {};
    std::this_thread::sleep_for(100ms);
  }
  return Unavailable("PowerDNS did not answer on port " + std::to_string(api_port_));
}

void TestPowerDns::Stop() {
  if (pdns_.pid() > 0 && pdns_.Running()) pdns_.Stop(5s);
}

}  // namespace ink::dns::testing
