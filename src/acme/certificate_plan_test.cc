// Unit tests of the certificate manager's pure rules: what a pass issues, renews, leaves alone
// and removes; the failure backoff; the file names the edge loads.
#include <gtest/gtest.h>

#include "ink/acme/certificate_manager.h"

namespace ink::acme {
namespace {

constexpr int64_t kDay = 86'400'000;

TEST(PlanCertificatesTest, IssuesMissingAndDueNamesAndRemovesUnwantedOnes) {
  const int64_t now = 100 * kDay;
  std::map<std::string, HeldCertificate> held = {
      {"fresh.example.com", {now + 60 * kDay, now + 30 * kDay}},
      {"due.example.com", {now + 20 * kDay, now - 1}},
      {"expired.example.com", {now - 1, now - 30 * kDay}},
      {"gone.example.com", {now + 60 * kDay, now + 30 * kDay}},
  };
  auto plan = PlanCertificates(
      {"new.example.com", "fresh.example.com", "due.example.com", "expired.example.com"}, held,
      {}, now);
  EXPECT_EQ(plan.issue, (std::vector<std::string>{"new.example.com", "due.example.com",
                                                  "expired.example.com"}));
  EXPECT_EQ(plan.remove, std::vector<std::string>{"gone.example.com"});
}

TEST(PlanCertificatesTest, AFailureWaitsForItsBackoff) {
  const int64_t now = 100 * kDay;
  std::map<std::string, CertificateState> states = {
      {"a.example.com", {.status = "failed", .failures = 2, .next_try_ms = now + 1}},
      {"b.example.com", {.status = "failed", .failures = 1, .next_try_ms = now}},
  };
  auto plan = PlanCertificates({"a.example.com", "b.example.com"}, {}, states, now);
  EXPECT_EQ(plan.issue, std::vector<std::string>{"b.example.com"});
}

TEST(FailureBackoffTest, DoublesFromAMinuteToSixHours) {
  using std::chrono::minutes;
  EXPECT_EQ(FailureBackoff(1), minutes(1));
  EXPECT_EQ(FailureBackoff(2), minutes(2));
  EXPECT_EQ(FailureBackoff(4), minutes(8));
  EXPECT_EQ(FailureBackoff(10), std::chrono::hours(6));
  EXPECT_EQ(FailureBackoff(1000), std::chrono::hours(6));
}

TEST(CertificateFileNameTest, RoundTripsNamesAndIgnoresOtherFiles) {
  EXPECT_EQ(CertificateFileName("www.example.com"), "www.example.com.pem");
  EXPECT_EQ(CertificateFileName("*.apps.example.com"), "_wildcard.apps.example.com.pem");
  EXPECT_EQ(CertificateNameOf("www.example.com.pem"), "www.example.com");
  EXPECT_EQ(CertificateNameOf("_wildcard.apps.example.com.pem"), "*.apps.example.com");
  for (const char* other : {"_default.pem", ".www.example.com.pem.tmp", "www.example.com",
                            ".pem", "_x.pem"}) {
    EXPECT_FALSE(CertificateNameOf(other)) << other;
  }
}

}  // namespace
}  // namespace ink::acme
