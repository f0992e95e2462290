#include "registry_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ink/common/encoding.h"
#include "ink/common/json.h"

namespace ink::runtime_internal {
namespace {

// Records what it was asked to run (and the auth file as it was while running) and answers
// with `result`.
class FakeRunner : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    argv = spec.argv;
    deadline = spec.deadline;
    for (size_t i = 0; i + 1 < spec.argv.size(); ++i) {
      if (spec.argv[i] != "--authfile") continue;
      auth_path = spec.argv[i + 1];
      struct stat st {};
      if (::stat(auth_path.c_str(), &st) == 0) auth_mode = st.st_mode & 0777;
      std::ifstream in(auth_path);
      std::stringstream text;
      text << in.rdbuf();
      auth_doc = text.str();
    }
    return result;
  }
  ProcessResult result{.exit_code = 0};
  std::vector<std::string> argv;
  std::chrono::milliseconds deadline{0};
  std::string auth_path, auth_doc;
  unsigned auth_mode = 0;
};

bool Has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(CheckRegistryImage, WithoutCredentialsItNeverUsesTheHostsOwn) {
  FakeRunner runner;
  EXPECT_TRUE(CheckRegistryImage(runner, "ghcr.io/acme/web:1", std::nullopt).ok());
  EXPECT_EQ(runner.argv.front(), "skopeo");
  EXPECT_TRUE(Has(runner.argv, "--no-creds"));
  EXPECT_FALSE(Has(runner.argv, "--tls-verify=false"));
  EXPECT_EQ(runner.argv.back(), "docker://ghcr.io/acme/web:1");
  EXPECT_EQ(runner.deadline, std::chrono::seconds(30));
}

TEST(CheckRegistryImage, CredentialsGoInA0600FileThatIsGoneAfterwards) {
  FakeRunner runner;
  ASSERT_TRUE(
      CheckRegistryImage(runner, "127.0.0.1:5000/app:1", RegistryAuth{"me", "s3cret"}).ok());
  EXPECT_TRUE(Has(runner.argv, "--tls-verify=false"));  // a loopback registry is plain HTTP
  EXPECT_FALSE(Has(runner.argv, "--no-creds"));
  for (const auto& word : runner.argv) EXPECT_EQ(word.find("s3cret"), std::string::npos) << word;
  EXPECT_EQ(runner.auth_mode, 0600u);
  Json doc = Json::parse(runner.auth_doc);
  EXPECT_EQ(doc["auths"]["127.0.0.1:5000"]["auth"], Base64Encode("me:s3cret"));
  EXPECT_NE(::access(runner.auth_path.c_str(), F_OK), 0) << "the auth file was left behind";
}

TEST(CheckRegistryImage, ShortNamesAreCheckedAtDockerHub) {
  FakeRunner runner;
  ASSERT_TRUE(CheckRegistryImage(runner, "me/app", RegistryAuth{"me", "pw"}).ok());
  EXPECT_TRUE(Json::parse(runner.auth_doc)["auths"].contains("docker.io"));
}

TEST(CheckRegistryImage, FailuresSayWhatToDo) {
  FakeRunner runner;
  runner.result = {.exit_code = 1, .output = "manifest unknown"};
  auto missing = CheckRegistryImage(runner, "ghcr.io/acme/web:9", std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("was not found in registry ghcr.io"), std::string::npos);
  runner.result = {.exit_code = 1, .output = "unauthorized: authentication required"};
  auto refused = CheckRegistryImage(runner, "ghcr.io/acme/web:1", std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("ink registry login ghcr.io"), std::string::npos);
  runner.result = {.exit_code = -1, .timed_out = true};
  auto slow = CheckRegistryImage(runner, "ghcr.io/acme/web:1", std::nullopt);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(CheckRegistryImage(runner, "Not A Reference", std::nullopt).ok());
}

}  // namespace
}  // namespace ink::runtime_internal
