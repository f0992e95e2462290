// Unit tests of `ink env list/set/unset`: the request each sends (values byte-exact from a .env
// file), that no output or error ever contains a value, and usage errors caught before any
// request. The transport is a scripted recorder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "commands.h"
#include "ink/common/fake_clock.h"

namespace ink::cli {
namespace {

struct Sent {
  std::string method;
  std::string target;
  std::optional<Json> body;
};

class RecordingTransport : public ApiTransport {
 public:
  RecordingTransport(std::vector<Sent>& sent, std::deque<ApiReply>& replies)
      : sent_(sent), replies_(replies) {}
  Result<ApiReply> Send(std::string_view method, const std::string& target,
                        const std::optional<Json>& body) override {
    sent_.push_back({std::string(method), target, body});
    if (replies_.empty()) return ApiReply{500, "no scripted reply"};
    ApiReply reply = replies_.front();
    replies_.pop_front();
    return reply;
  }
  Result<ApiReply> Stream(const std::string&,
                          const std::function<bool(std::string_view)>&) override {
    return Unavailable("not used");
  }
  std::string url() const override { return "http://127.0.0.1:7070"; }

 private:
  std::vector<Sent>& sent_;
  std::deque<ApiReply>& replies_;
};

// Values that peers have mangled: $, #, quotes, spaces, newlines, backslashes, unicode.
const std::map<std::string, std::string> kNasty = {
    {"DOLLAR", "pa$$word ${HOME} $1"},
    {"HASH", "abc#def # not a comment"},
    {"QUOTES", "it's \"quoted\""},
    {"SPACES", "  padded value  "},
    {"MULTILINE", "-----BEGIN KEY-----\nline2\n-----END KEY-----"},
    {"EMOJI", "🚀 ünïcödé"},
    {"BACKSLASH", "C:\\temp\\new"},
    {"EQUALS", "a=b=c"},
};

constexpr char kNastyDotenv[] =
    "# secrets for web\r\n"
    "DOLLAR='pa$$word ${HOME} $1'\r\n"
    "HASH=\"abc#def # not a comment\"   # trailing comment\r\n"
    "export QUOTES=\"it's \\\"quoted\\\"\"\r\n"
    "SPACES='  padded value  '\r\n"
    "MULTILINE=\"-----BEGIN KEY-----\r\nline2\r\n-----END KEY-----\"\r\n"
    "EMOJI=🚀 ünïcödé\r\n"
    "BACKSLASH='C:\\temp\\new'\r\n"
    "EQUALS=a=b=c\r\n";

class EnvCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-cli-env-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  int Run(std::vector<std::string> args, std::string stdin_text = "") {
    out_.str("");
    err_.str("");
    std::istringstream in(stdin_text);
    CliEnv env{.out = out_,
               .err = err_,
               .in = in,
               .env = [this](std::string_view name) -> std::optional<std::string> {
                 if (name == "INK_API_URL") return "http://127.0.0.1:7070";
                 if (name == "INK_TOKEN") return "ink_test";
                 if (name == "INK_CONFIG") return dir_ + "/config.json";
                 return std::nullopt;
               },
               .connect = [this](const Config&) -> Result<std::unique_ptr<ApiTransport>> {
                 return std::unique_ptr<ApiTransport>(new RecordingTransport(sent_, replies_));
               },
               .clock = clock_,
               .sleep = [](std::chrono::milliseconds) {}};
    return RunCli(args, env);
  }

  // Fails the test if any nasty value (or a distinctive part of one) was printed.
  void ExpectNoValuePrinted() {
    for (const auto& [name, value] : kNasty) {
      for (const std::string& s : {out_.str(), err_.str()}) {
        EXPECT_EQ(s.find(value), std::string::npos) << name << " leaked: " << s;
      }
    }
    for (const char* fragment : {"pa$$word", "BEGIN KEY", "padded value", "🚀"}) {
      EXPECT_EQ(out_.str().find(fragment), std::string::npos) << out_.str();
      EXPECT_EQ(err_.str().find(fragment), std::string::npos) << err_.str();
    }
  }

  std::string dir_;
  std::vector<Sent> sent_;
  std::deque<ApiReply> replies_;
  FakeClock clock_;
  std::ostringstream out_, err_;
};

Json SetReply(const std::vector<std::string>& names, bool redeployed) {
  Json reply = {{"set", names}, {"unchanged", Json::array()}, {"redeployed", redeployed}};
  if (redeployed) {
    reply["deployment"] = {{"id", "dep_1"}, {"status", "pending"}};
    reply["url"] = "http://web-demo.localhost:8080";
  }
  return reply;
}

TEST_F(EnvCommandsTest, SetFromFileSendsEveryValueByteExactAndPrintsNone) {
  std::string path = WriteFile(".env", kNastyDotenv);
  std::vector<std::string> names;
  for (const auto& [name, value] : kNasty) names.push_back(name);
  replies_.push_back({200, SetReply(names, true).dump()});
  ASSERT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", path}), 0) << err_.str();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].method, "PATCH");
  EXPECT_EQ(sent_[0].target, "/v1/projects/demo/services/web/env");
  ASSERT_TRUE(sent_[0].body.has_value());
  std::map<std::string, std::string> got;
  for (const auto& [k, v] : (*sent_[0].body)["variables"].items()) got[k] = v.get<std::string>();
  EXPECT_EQ(got, kNasty);
  EXPECT_FALSE(sent_[0].body->contains("redeploy"));  // server default: roll out
  EXPECT_NE(out_.str().find("dep_1"), std::string::npos) << out_.str();
  ExpectNoValuePrinted();
}

TEST_F(EnvCommandsTest, SetFromStdinAndArgumentsWithNoRedeploy) {
  replies_.push_back({200, SetReply({"A", "B"}, false).dump()});
  ASSERT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", "-", "B=x=y", "--no-redeploy"},
                "A='from stdin'\n"),
            0)
      << err_.str();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ((*sent_[0].body)["variables"], (Json{{"A", "from stdin"}, {"B", "x=y"}}));
  EXPECT_EQ((*sent_[0].body)["redeploy"], false);
  EXPECT_NE(out_.str().find("Not rolled out"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("from stdin"), std::string::npos);
}

TEST_F(EnvCommandsTest, MalformedFileNamesTheLineAndSendsNothing) {
  std::string path = WriteFile("bad.env", "A=1\nB=\"never closed\nC=3\n");
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", path}), 2);
  EXPECT_TRUE(sent_.empty());
  EXPECT_NE(err_.str().find("line 2"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("bad.env"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find("never closed"), std::string::npos) << err_.str();

  path = WriteFile("noeq.env", "A=1\nsk_live_0123456789\n");
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", path}), 2);
  EXPECT_TRUE(sent_.empty());
  EXPECT_NE(err_.str().find("line 2"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find("sk_live"), std::string::npos) << err_.str();

  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", dir_ + "/missing.env"}), 2);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(EnvCommandsTest, BadArgumentsAreUsageErrorsThatNeverEchoValues) {
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "hunter2-secret"}), 2);
  EXPECT_EQ(err_.str().find("hunter2"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("NAME=VALUE"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "9BAD=hunter2"}), 2);
  EXPECT_NE(err_.str().find("9BAD"), std::string::npos) << err_.str();
  EXPECT_EQ(err_.str().find("hunter2"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo"}), 2);
  std::string path = WriteFile("dup.env", "A=1\n");
  EXPECT_EQ(Run({"env", "set", "web", "--project", "demo", "--file", path, "A=2"}), 2);
  EXPECT_NE(err_.str().find("given twice"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"env", "unset", "web", "--project", "demo"}), 2);  // NAME is required
  EXPECT_EQ(Run({"env", "unset", "web", "--project", "demo", "NOT-A-NAME"}), 2);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(EnvCommandsTest, UnsetSendsNamesAndListShowsOnlyMaskedValues) {
  replies_.push_back({200, Json{{"unset", {"A", "B"}}, {"redeployed", false}}.dump()});
  ASSERT_EQ(Run({"env", "unset", "web", "--project", "demo", "A", "B", "--no-redeploy"}), 0)
      << err_.str();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].method, "DELETE");
  EXPECT_EQ(*sent_[0].body, (Json{{"names", {"A", "B"}}, {"redeploy", false}}));

  Json list = {{"variables",
                {{{"name", "API_KEY"},
                  {"masked_value", "••••••••"},
                  {"length", 12},
                  {"live", true},
                  {"updated_at", 1'700'000'000'000 - 60'000}},
                 {{"name", "NEW"},
                  {"masked_value", "••••••••"},
                  {"length", 3},
                  {"live", false},
                  {"updated_at", 1'700'000'000'000}}}},
               {"unset_but_live", {"OLD"}}};
  replies_.push_back({200, list.dump()});
  ASSERT_EQ(Run({"env", "list", "web", "--project", "demo"}), 0) << err_.str();
  EXPECT_EQ(sent_.back().method, "GET");
  EXPECT_EQ(sent_.back().target, "/v1/projects/demo/services/web/env");
  EXPECT_NE(out_.str().find("API_KEY"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("••••••••"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("not rolled out"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("OLD"), std::string::npos) << out_.str();
}

}  // namespace
}  // namespace ink::cli
