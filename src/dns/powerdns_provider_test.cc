// Integration test: MakePowerDnsProvider against a real PowerDNS (pdns_server with the sqlite3
// backend, Debian's pdns-server + pdns-backend-sqlite3) started on loopback ports for the test
// (test_powerdns.h), and dig to see what it serves.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "ink/common/subprocess.h"
#include "ink/dns/dns_provider.h"
#include "src/dns/test_powerdns.h"

namespace ink::dns {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PowerDnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ink-pdns-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    Status started = pdns_.Start(dir_);
    ASSERT_TRUE(started.ok()) << started.error().message;
    provider_ = &pdns_.provider();
    api_port_ = pdns_.api_port();
    dns_port_ = pdns_.dns_port();
  }
  void TearDown() override {
    pdns_.Stop();
    fs::remove_all(dir_);
  }

  std::string Dig(const std::string& name, const std::string& type) {
    auto r = RunProcess({"dig", "@127.0.0.1", "-p", std::to_string(dns_port_), "+short", "+time=2",
                         "+tries=1", name, type},
                        10s);
    if (!r.ok()) return "dig failed";
    // Answers come in rotating order: sorted lines.
    std::vector<std::string> lines;
    std::string line;
    for (char c : r->output) {
      if (c != '\n') {
        line += c;
      } else {
        lines.push_back(line + "\n");
        line.clear();
      }
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l;
    return out;
  }

  fs::path dir_;
  int dns_port_ = 0, api_port_ = 0;
  testing::TestPowerDns pdns_;
  DnsProvider* provider_ = nullptr;
};

TEST_F(PowerDnsTest, ZoneRecordsAreConvergedAndServed) {
  const std::string zone = "apps.example.test";
  ASSERT_TRUE(provider_->EnsureZone(zone).ok());
  ASSERT_TRUE(provider_->EnsureZone(zone).ok());  // idempotent
  auto empty = provider_->List(zone);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->empty());  // SOA and NS are not listed

  RecordSet web{"web.apps.example.test", "A", 60, {"127.0.0.1", "127.0.0.2"}};
  RecordSet wildcard{"*.apps.example.test", "A", 60, {"127.0.0.1"}};
  // TXT with quotes, a backslash and more than 255 bytes (two DNS strings).
  std::string token = "ink-verify=\"a\\b\" " + std::string(300, 'x');
  RecordSet txt{"_ink-challenge.shop.apps.example.test", "TXT", 120, {token}};
  RecordSet alias{"www.apps.example.test", "CNAME", 60, {"web.apps.example.test"}};
  for (const auto& s : {web, wildcard, txt, alias}) {
    Status st = provider_->Replace(zone, s);
    ASSERT_TRUE(st.ok()) << s.name << ": " << st.error().message;
  }
  ASSERT_TRUE(provider_->Replace(zone, web).ok());  // the same again changes nothing

  auto listed = provider_->List(zone);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 4u);
  EXPECT_EQ((*listed)[0], wildcard);
  EXPECT_EQ((*listed)[1], txt);  // "_" sorts before letters
  EXPECT_EQ((*listed)[2], web);
  EXPECT_EQ((*listed)[3], alias);

  EXPECT_EQ(Dig("web.apps.example.test", "A"), "127.0.0.1\n127.0.0.2\n");
  EXPECT_EQ(Dig("anything.apps.example.test", "A"), "127.0.0.1\n");  // the wildcard
  EXPECT_NE(Dig("_ink-challenge.shop.apps.example.test", "TXT").find("ink-verify="),
            std::string::npos);

  // Replace narrows a set; Delete removes it, and deleting again is fine.
  ASSERT_TRUE(provider_->Replace(zone, {web.name, "A", 60, {"127.0.0.3"}}).ok());
  EXPECT_EQ(Dig("web.apps.example.test", "A"), "127.0.0.3\n");  // API writes purge the cache
  ASSERT_TRUE(provider_->Delete(zone, web.name, "A").ok());
  ASSERT_TRUE(provider_->Delete(zone, web.name, "A").ok());
  EXPECT_EQ(Dig("web.apps.example.test", "A"), "127.0.0.1\n");  // now the wildcard answers
  EXPECT_EQ(provider_->List(zone)->size(), 3u);
}

TEST_F(PowerDnsTest, ErrorsSayWhatWasRefused) {
  auto missing = provider_->List("nozone.test");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(provider_->EnsureZone("apps.example.test").ok());
  // A name outside the zone: PowerDNS refuses it (422) and says why.
  Status outside =
      provider_->Replace("apps.example.test", {"web.other.test", "A", 60, {"127.0.0.1"}});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, ErrorCode::kInvalidArgument) << outside.error().message;
  EXPECT_NE(outside.error().message.find("PowerDNS refused setting web.other.test A"),
            std::string::npos)
      << outside.error().message;

  auto wrong_key = MakePowerDnsProvider(
      {.api_url = "http://127.0.0.1:" + std::to_string(api_port_), .api_key = "wrong"});
  ASSERT_TRUE(wrong_key.ok());
  auto denied = (*wrong_key)->List("apps.example.test");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied) << denied.error().message;
  EXPECT_NE(denied.error().message.find("--dns-api-key-file"), std::string::npos);

  auto down = MakePowerDnsProvider({.api_url = "http://127.0.0.1:1", .api_key = "k"});
  ASSERT_TRUE(down.ok());
  auto unreachable = (*down)->List("apps.example.test");
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);

  EXPECT_FALSE(MakePowerDnsProvider({.api_url = "not a url", .api_key = "k"}).ok());
  EXPECT_FALSE(MakePowerDnsProvider({.api_url = "http://127.0.0.1:8081", .api_key = ""}).ok());
}

}  // namespace
}  // namespace ink::dns
