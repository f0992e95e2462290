// exec: bad input is refused before anything runs; the command goes to a running replica of the
// active release in the caller's workspace, with the default timeout and output bound.
#include "ink/common/exec_limits.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class ExecTest : public api_test::OperationsTest {
 protected:
  // Deploys web and makes that deployment active; returns its id.
  std::string DeployActive() {
    std::string id = DeployWeb();
    EXPECT_TRUE(store_->ActivateDeployment(ServiceId(), id).ok());
    return id;
  }
  Result<Json> Exec(Json input) {
    if (!input.contains("service")) input["service"] = "web";
    return Call("exec", input);
  }
  size_t Execs() {
    std::lock_guard lock(runtime_.mu);
    return runtime_.execs.size();
  }
  static std::string MessageOf(const Result<Json>& r) {
    return r.ok() ? "(ok)" : r.error().message;
  }
};

TEST_F(ExecTest, RunsInTheFirstRunningReplicaOfTheActiveRelease) {
  std::string active = DeployActive();
  AddReplicaContainer("c-old", "dep_old", "0");
  AddReplicaContainer("c-1", active, "1");
  AddReplicaContainer("c-0-stopped", active, "0", "exited");
  {
    std::lock_guard lock(runtime_.mu);
    runtime_.exec_result = {
        .exit_code = 3, .stdout_data = "out", .stderr_data = "err", .stdout_truncated = true};
  }
  auto out = Exec({{"command", {"sh", "-c", "exit 3"}}, {"stdin", "in put"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["exit_code"], 3);
  EXPECT_EQ((*out)["stdout"], "out");
  EXPECT_EQ((*out)["stderr"], "err");
  EXPECT_EQ((*out)["stdout_truncated"], true);
  EXPECT_EQ((*out)["timed_out"], false);
  EXPECT_EQ((*out)["replica"], 1);
  EXPECT_EQ((*out)["deployment"], active);
  std::lock_guard lock(runtime_.mu);
  ASSERT_EQ(runtime_.execs.size(), 1u);
  EXPECT_EQ(runtime_.execs[0].first, "c-1");
  const ExecRequest& request = runtime_.execs[0].second;
  EXPECT_EQ(request.argv, (std::vector<std::string>{"sh", "-c", "exit 3"}));
  EXPECT_EQ(request.stdin_data, "in put");
  EXPECT_EQ(request.timeout_seconds, kDefaultExecTimeoutSeconds);
  EXPECT_EQ(request.max_output_bytes, kMaxExecOutputBytes);
}

TEST_F(ExecTest, PicksTheAskedReplicaAndSaysWhichOnesRun) {
  std::string active = DeployActive();
  AddReplicaContainer("c-0", active, "0");
  AddReplicaContainer("c-1", active, "1");
  auto out = Exec({{"command", {"true"}}, {"replica", 1}, {"timeout", 5}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["replica"], 1);
  auto missing = Exec({{"command", {"true"}}, {"replica", 4}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(MessageOf(missing).find("running replicas: 0, 1"), std::string::npos)
      << MessageOf(missing);
  std::lock_guard lock(runtime_.mu);
  ASSERT_EQ(runtime_.execs.size(), 1u);
  EXPECT_EQ(runtime_.execs[0].first, "c-1");
  EXPECT_EQ(runtime_.execs[0].second.timeout_seconds, 5);
}

TEST_F(ExecTest, BadInputIsRefusedAndNothingRuns) {
  std::string active = DeployActive();
  AddReplicaContainer("c-0", active, "0");
  struct Case {
    Json input;
    std::string says;
  };
  std::vector<Case> cases = {
      {{{"command", Json::array()}}, "command is empty"},
      {{{"command", {""}}}, "command[0]"},
      {{{"command", {std::string("a\0b", 3)}}}, "NUL"},
      {{{"command", {"true"}}, {"timeout", 0}}, "timeout"},
      {{{"command", {"true"}}, {"timeout", kMaxExecTimeoutSeconds + 1}}, "timeout"},
      {{{"command", {"true"}}, {"stdin", std::string(kMaxExecStdinBytes + 1, 'x')}}, "stdin"},
      {{{"command", {"true"}}, {"service", "nope"}}, "service 'nope' does not exist"},
      {{{"command", {"true"}}, {"project", "nope"}}, "project 'nope' does not exist"},
      {{{"service", "web"}}, "command"},
  };
  for (const auto& c : cases) {
    auto out = Exec(c.input);
    ASSERT_FALSE(out.ok()) << c.input.dump().substr(0, 200);
    EXPECT_NE(MessageOf(out).find(c.says), std::string::npos)
        << c.says << " not in: " << MessageOf(out);
  }
  EXPECT_EQ(Execs(), 0u);
}

TEST_F(ExecTest, NoActiveReleaseOrNoRunningReplicaIsAPrecondition) {
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
  auto inactive = Exec({{"command", {"true"}}});
  ASSERT_FALSE(inactive.ok());
  EXPECT_EQ(inactive.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(MessageOf(inactive).find("no active release"), std::string::npos);
  std::string active = DeployActive();
  AddReplicaContainer("c-0", active, "0", "exited");
  auto stopped = Exec({{"command", {"true"}}});
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(MessageOf(stopped).find("no running replica"), std::string::npos);
  EXPECT_EQ(Execs(), 0u);
}

TEST_F(ExecTest, AnotherWorkspaceCannotExecNorSeeTheService) {
  std::string active = DeployActive();
  AddReplicaContainer("c-foreign", active, "0", "running", "ws_other");
  auto out = Exec({{"command", {"true"}}});  // the only container is not the caller's
  ASSERT_FALSE(out.ok());
  EXPECT_NE(MessageOf(out).find("no running replica"), std::string::npos);
  AddReplicaContainer("c-0", active, "0");
  Caller stranger = caller_;
  stranger.workspace_id = "ws_other";
  auto foreign = table_.Invoke(*table_.Find("exec"), stranger,
                               {{"project", "demo"}, {"service", "web"}, {"command", {"true"}}});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Execs(), 0u);
}

}  // namespace
}  // namespace ink
