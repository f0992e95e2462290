// Integration test: the libresolv Resolver (ink/dns/resolver.h) against a real PowerDNS on
// loopback (test_powerdns.h) whose records the test writes through the provider.
#include "ink/dns/resolver.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "src/dns/test_powerdns.h"

namespace ink::dns {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ink-resolver-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    Status started = pdns_.Start(dir_);
    ASSERT_TRUE(started.ok()) << started.error().message;
    DnsProvider& p = pdns_.provider();
    ASSERT_TRUE(p.EnsureZone("example.test").ok());
    for (const RecordSet& set : std::vector<RecordSet>{
             {"www.example.test", "CNAME", 60, {"web-demo.apps.example.test"}},
             {"example.test", "A", 60, {"127.0.0.2", "127.0.0.1"}},
             {"example.test", "AAAA", 60, {"::1"}},
             // A value longer than one 255-byte character-string comes back whole.
             {"_ink-challenge.example.test", "TXT", 60, {"ink-verify=abc", std::string(300, 'x')}},
         }) {
      Status s = p.Replace("example.test", set);
      ASSERT_TRUE(s.ok()) << set.name << ": " << s.error().message;
    }
    auto r = MakeResolver({.server = "127.0.0.1:" + std::to_string(pdns_.dns_port())});
    ASSERT_TRUE(r.ok()) << r.error().message;
    resolver_ = std::move(*r);
  }
  void TearDown() override {
    pdns_.Stop();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  testing::TestPowerDns pdns_;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(ResolverTest, AnswersEachTypeAsText) {
  EXPECT_EQ(*resolver_->Lookup("WWW.example.test", "CNAME"),
            std::vector<std::string>{"web-demo.apps.example.test"});
  EXPECT_EQ(Sorted(*resolver_->Lookup("example.test", "A")),
            (std::vector<std::string>{"127.0.0.1", "127.0.0.2"}));
  EXPECT_EQ(*resolver_->Lookup("example.test", "AAAA"), std::vector<std::string>{"::1"});
  EXPECT_EQ(Sorted(*resolver_->Lookup("_ink-challenge.example.test", "TXT")),
            (std::vector<std::string>{"ink-verify=abc", std::string(300, 'x')}));
}

TEST_F(ResolverTest, AMissingNameOrTypeIsAnEmptyAnswer) {
  auto missing = resolver_->Lookup("nope.example.test", "A");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_TRUE(missing->empty());
  auto no_type = resolver_->Lookup("example.test", "CNAME");
  ASSERT_TRUE(no_type.ok()) << no_type.error().message;
  EXPECT_TRUE(no_type->empty());
}

TEST_F(ResolverTest, ABadOrSilentServerIsAnError) {
  EXPECT_EQ(MakeResolver({.server = "localhost:53"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(MakeResolver({.server = "127.0.0.1:0"}).error().code, ErrorCode::kInvalidArgument);
  // A port where nothing listens on loopback.
  auto silent = MakeResolver({.server = "127.0.0.1:" +
                                        std::to_string(testing::FreeLoopbackPort(SOCK_DGRAM)),
                              .timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(silent.ok());
  auto r = (*silent)->Lookup("example.test", "A");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("127.0.0.1:"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ink::dns
