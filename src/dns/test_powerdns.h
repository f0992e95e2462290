// Test support: a real PowerDNS (pdns_server with the sqlite3 backend, Debian's pdns-server +
// pdns-backend-sqlite3) on loopback ports for one test, and the provider that talks to it. Used
// by powerdns_provider_test and the ACME client's Pebble test (Pebble resolves through it).
// Never linked into a program.
//
// Thread contract: Start and Stop from the test's thread; provider() as DnsProvider says.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "ink/common/result.h"
#include "ink/common/subprocess.h"
#include "ink/dns/dns_provider.h"

namespace ink::dns::testing {

// A port on 127.0.0.1 free a moment ago (SOCK_STREAM or SOCK_DGRAM).
int FreeLoopbackPort(int type);

class TestPowerDns {
 public:
  static constexpr const char* kApiKey = "secret-key";
  ~TestPowerDns() { Stop(); }

  // Starts pdns_server with its database and config under `dir` (created), and waits until its
  // API answers; an error says what is missing.
  Status Start(const std::filesystem::path& dir);
  void Stop();

  int dns_port() const { return dns_port_; }
  int api_port() const { return api_port_; }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(api_port_); }
  DnsProvider& provider() { return *provider_; }

 private:
  int dns_port_ = 0, api_port_ = 0;
  Child pdns_;
  std::unique_ptr<DnsProvider> provider_;
};

}  // namespace ink::dns::testing
