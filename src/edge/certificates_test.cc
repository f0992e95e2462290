// The certificate directory contract: file names, what is refused and why, the previous
// certificate kept for a refused file, and SNI lookup (exact, wildcard one label up, default).
#include "ink/edge/certificates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tls_test_support.h"

namespace ink::edge {
namespace {

using testing::TestPki;
using testing::WriteCertificateFile;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(CertificateNameForFile, MapsFileNamesToHostNames) {
  EXPECT_EQ(CertificateNameForFile("app.example.com.pem"), "app.example.com");
  EXPECT_EQ(CertificateNameForFile("_wildcard.apps.example.com.pem"), "*.apps.example.com");
  EXPECT_EQ(CertificateNameForFile("_default.pem"), "_default");
  EXPECT_EQ(CertificateNameForFile("localhost.pem"), "localhost");
  EXPECT_EQ(CertificateNameForFile("xn--bcher-kva.example.pem"), "xn--bcher-kva.example");
  // Temp files, other extensions and names that are not lowercase host names are ignored.
  EXPECT_EQ(CertificateNameForFile(".app.example.com.pem.tmp"), "");
  EXPECT_EQ(CertificateNameForFile(".app.example.com.pem"), "");
  EXPECT_EQ(CertificateNameForFile("app.example.com.key"), "");
  EXPECT_EQ(CertificateNameForFile("App.Example.com.pem"), "");
  EXPECT_EQ(CertificateNameForFile("a..b.pem"), "");
  EXPECT_EQ(CertificateNameForFile("-a.b.pem"), "");
  EXPECT_EQ(CertificateNameForFile("*.b.pem"), "");
  EXPECT_EQ(CertificateNameForFile(".pem"), "");
}

class CertificateDirTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ink-certs-test-XXXXXX";
    work_ = mkdtemp(tmpl);
    pki_ = new TestPki(work_ + "/pki");
    ASSERT_TRUE(pki_->ok());
    app_ = pki_->Bundle("app", "DNS:app.example.test");
    other_ = pki_->Bundle("other", "DNS:other.example.test");
    wildcard_ = pki_->Bundle("wild", "DNS:*.apps.example.test");
    ASSERT_FALSE(app_.empty());
  }
  static void TearDownTestSuite() {
    delete pki_;
    std::filesystem::remove_all(work_);
  }
  void SetUp() override {
    dir_ = work_ + "/tls-" + std::to_string(counter_++);
    std::filesystem::create_directories(dir_);
  }
  CertificateLoad Load(const CertificateSet* previous = nullptr, int64_t now = Now()) {
    auto load = LoadCertificateDirectory(dir_, previous, now);
    EXPECT_TRUE(load.ok()) << load.error().message;
    return load.ok() ? std::move(*load) : CertificateLoad{};
  }

  static std::string work_, app_, other_, wildcard_;
  static TestPki* pki_;
  static int counter_;
  std::string dir_;
};
std::string CertificateDirTest::work_, CertificateDirTest::app_, CertificateDirTest::other_,
    CertificateDirTest::wildcard_;
TestPki* CertificateDirTest::pki_ = nullptr;
int CertificateDirTest::counter_ = 0;

TEST_F(CertificateDirTest, LoadsGoodFilesAndFindsByName) {
  WriteCertificateFile(dir_, "app.example.test.pem", app_);
  WriteCertificateFile(dir_, "_wildcard.apps.example.test.pem", wildcard_);
  WriteCertificateFile(dir_, ".half-written.pem.tmp", "garbage");
  CertificateLoad load = Load();
  ASSERT_EQ(load.set->entries().size(), 2u);
  EXPECT_TRUE(load.rejected.empty());
  const CertificateSet& set = *load.set;
  EXPECT_NE(set.Find("app.example.test"), nullptr);
  EXPECT_GT(set.Get("app.example.test")->not_after, Now());
  // The wildcard covers one label, not two, and not the zone itself.
  EXPECT_EQ(set.Find("x.apps.example.test"), set.Get("*.apps.example.test")->context.get());
  EXPECT_EQ(set.Find("y.x.apps.example.test"), nullptr);
  EXPECT_EQ(set.Find("apps.example.test"), nullptr);
  EXPECT_EQ(set.Find("other.example.test"), nullptr);  // no default: nothing
  EXPECT_EQ(set.Find(""), nullptr);
  EXPECT_TRUE(set.Covers("x.apps.example.test"));
  EXPECT_FALSE(set.Covers("other.example.test"));
}

TEST_F(CertificateDirTest, DefaultOnlyWhenConfigured) {
  WriteCertificateFile(dir_, "app.example.test.pem", app_);
  WriteCertificateFile(dir_, "_default.pem", other_);
  CertificateLoad load = Load();
  ASSERT_EQ(load.set->entries().size(), 2u);
  EXPECT_EQ(load.set->Find("unknown.example.test"), load.set->Get("_default")->context.get());
  EXPECT_EQ(load.set->Find(""), load.set->Get("_default")->context.get());
  EXPECT_NE(load.set->Find("app.example.test"), load.set->Get("_default")->context.get());
  EXPECT_FALSE(load.set->Covers("unknown.example.test"));  // no redirect, no HSTS for it
}

TEST_F(CertificateDirTest, RefusesBadFilesAndLoadsTheRest) {
  WriteCertificateFile(dir_, "app.example.test.pem", app_);
  // Key of one certificate with another's leaf.
  WriteCertificateFile(dir_, "mismatch.example.test.pem",
                       pki_->Key("app") + pki_->Leaf("other"));
  // A certificate for another name than the file says.
  WriteCertificateFile(dir_, "wrong.example.test.pem", other_);
  // A wildcard file whose certificate is not the wildcard.
  WriteCertificateFile(dir_, "_wildcard.example.test.pem", app_);
  WriteCertificateFile(dir_, "nokey.example.test.pem", pki_->Leaf("app"));
  WriteCertificateFile(dir_, "nocert.example.test.pem", pki_->Key("app"));
  WriteCertificateFile(dir_, "open.example.test.pem", app_, 0644);
  std::filesystem::create_symlink(dir_ + "/app.example.test.pem", dir_ + "/link.example.test.pem");
  CertificateLoad load = Load();
  ASSERT_EQ(load.set->entries().size(), 1u);
  EXPECT_EQ(load.set->entries()[0].name, "app.example.test");
  std::map<std::string, std::string> why;
  for (const auto& r : load.rejected) {
    why[r.file] = r.reason;
    EXPECT_FALSE(r.kept_previous);
  }
  ASSERT_EQ(why.size(), 7u);
  EXPECT_EQ(why["mismatch.example.test.pem"], "the private key does not match the certificate");
  EXPECT_NE(why["wrong.example.test.pem"].find("does not cover wrong.example.test"),
            std::string::npos);
  EXPECT_NE(why["wrong.example.test.pem"].find("other.example.test"), std::string::npos);
  EXPECT_NE(why["_wildcard.example.test.pem"].find("does not name *.example.test"),
            std::string::npos);
  EXPECT_NE(why["nokey.example.test.pem"].find("no private key"), std::string::npos);
  EXPECT_NE(why["nocert.example.test.pem"].find("no certificate"), std::string::npos);
  EXPECT_NE(why["open.example.test.pem"].find("mode 0644"), std::string::npos);
  EXPECT_NE(why["link.example.test.pem"].find("symbolic link"), std::string::npos);
}

TEST_F(CertificateDirTest, ExpiredIsRefused) {
  WriteCertificateFile(dir_, "app.example.test.pem", app_);
  // The test certificates live two days: three days on, they have expired.
  CertificateLoad load = Load(nullptr, Now() + 3 * 86400);
  EXPECT_TRUE(load.set->entries().empty());
  ASSERT_EQ(load.rejected.size(), 1u);
  EXPECT_NE(load.rejected[0].reason.find("expired at"), std::string::npos);
}

TEST_F(CertificateDirTest, RefusedRenewalKeepsThePreviousCertificate) {
  WriteCertificateFile(dir_, "app.example.test.pem", app_);
  CertificateLoad first = Load();
  ASSERT_EQ(first.set->entries().size(), 1u);
  // Unchanged files are reused as they are (not parsed again).
  CertificateLoad same = Load(first.set.get());
  EXPECT_EQ(same.set->entries()[0].context, first.set->entries()[0].context);
  // A broken renewal: the name keeps serving what it served.
  WriteCertificateFile(dir_, "app.example.test.pem", pki_->Key("other") + pki_->Leaf("app"));
  CertificateLoad second = Load(first.set.get());
  ASSERT_EQ(second.set->entries().size(), 1u);
  EXPECT_EQ(second.set->entries()[0].context, first.set->entries()[0].context);
  ASSERT_EQ(second.rejected.size(), 1u);
  EXPECT_TRUE(second.rejected[0].kept_previous);
  // Removing the file stops serving the name.
  std::filesystem::remove(dir_ + "/app.example.test.pem");
  EXPECT_TRUE(Load(second.set.get()).set->entries().empty());
}

TEST_F(CertificateDirTest, MissingDirectoryIsAnError) {
  auto load = LoadCertificateDirectory(dir_ + "/nope", nullptr, Now());
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.error().message.find("cannot read certificate directory"), std::string::npos);
}

}  // namespace
}  // namespace ink::edge
