// get_logs {deployment}: one deployment's logs in labelled parts, found from the deployment id
// alone, scoped to the caller's workspace, with notes that say why a part is empty.
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class DeploymentLogsTest : public api_test::OperationsTest {
 protected:
  void AddContainer(const std::string& id, const std::string& deployment,
                    const std::string& replica, std::vector<std::string> lines,
                    const std::string& workspace = "") {
    AddReplicaContainer(id, deployment, replica, "running", workspace, std::move(lines));
  }
  Result<Json> Logs(Json input) { return table_.Invoke(*table_.Find("get_logs"), caller_, input); }
};

TEST_F(DeploymentLogsTest, JustTheDeploymentGivesItsReplicasOutputLabelled) {
  std::string first = DeployWeb();
  std::string second = DeployWeb();
  AddContainer("c-old", first, "0", {"2026-01-01T00:00:01.000000000Z old release"});
  AddContainer("c-1", second, "1", {"2026-01-01T00:00:03.000000000Z listening on 8080"});
  AddContainer("c-0", second, "0",
               {"2026-01-01T00:00:02.000000000Z booting", "2026-01-01T00:00:04.000000000Z ready"});
  AddContainer("c-other", second, "0", {"2026-01-01T00:00:02.000000000Z not yours"}, "ws_other");

  auto logs = Logs({{"deployment", second}});
  ASSERT_TRUE(logs.ok()) << logs.error().message;
  EXPECT_EQ((*logs)["deployment"], second);
  EXPECT_EQ((*logs)["project"], "demo");
  EXPECT_EQ((*logs)["service"], "web");
  EXPECT_EQ((*logs)["build_log"]["lines"], Json::array());
  EXPECT_NE((*logs)["build_log"]["note"].get<std::string>().find("deployed from the image"),
            std::string::npos);
  Json lines = (*logs)["runtime_log"]["lines"];
  ASSERT_EQ(lines.size(), 3u) << lines.dump();
  EXPECT_EQ(lines[0], (Json{{"replica", "0"}, {"stream", "stdout"}, {"text", "booting"}}));
  EXPECT_EQ(lines[1]["replica"], "1");
  EXPECT_EQ(lines[1]["text"], "listening on 8080");
  EXPECT_EQ(lines[2]["text"], "ready");
  EXPECT_FALSE((*logs)["runtime_log"].contains("note"));

  auto filtered =
      Logs({{"deployment", second}, {"filter", "ready"}, {"project", "demo"}, {"service", "web"}});
  ASSERT_TRUE(filtered.ok()) << filtered.error().message;
  EXPECT_EQ((*filtered)["runtime_log"]["lines"].size(), 1u);

  auto old = Logs({{"deployment", first}});
  ASSERT_TRUE(old.ok());
  ASSERT_EQ((*old)["runtime_log"]["lines"].size(), 1u);
  EXPECT_EQ((*old)["runtime_log"]["lines"][0]["text"], "old release");
}

TEST_F(DeploymentLogsTest, SaysWhyThereAreNoReplicas) {
  std::string id = DeployWeb();
  auto logs = Logs({{"deployment", id}});
  ASSERT_TRUE(logs.ok()) << logs.error().message;
  EXPECT_EQ((*logs)["runtime_log"]["lines"], Json::array());
  EXPECT_NE((*logs)["runtime_log"]["note"].get<std::string>().find("pending"), std::string::npos);
}

TEST_F(DeploymentLogsTest, RefusesAnotherServiceUnknownIdsAndMissingFields) {
  std::string id = DeployWeb();
  auto other = Logs({{"deployment", id}, {"project", "demo"}, {"service", "api"}});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("belongs to service 'web'"), std::string::npos);
  auto unknown = Logs({{"deployment", "dep_nope"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  Caller stranger = caller_;
  stranger.workspace_id = "ws_other";
  auto foreign = table_.Invoke(*table_.Find("get_logs"), stranger, {{"deployment", id}});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  auto nothing = Logs(Json::object());
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.error().message.find("missing required field 'project'"), std::string::npos);
  EXPECT_NE(nothing.error().message.find("deployment"), std::string::npos);
  auto cursor = Logs({{"deployment", id}, {"cursor", "r1.5"}});
  ASSERT_FALSE(cursor.ok());
  EXPECT_NE(cursor.error().message.find("build=true"), std::string::npos);
}

TEST_F(DeploymentLogsTest, TheServiceFormStillReadsEveryReplica) {
  std::string id = DeployWeb();
  AddContainer("c-0", id, "0", {"2026-01-01T00:00:02.000000000Z hello"});
  auto logs = Logs({{"project", "demo"}, {"service", "web"}});
  ASSERT_TRUE(logs.ok()) << logs.error().message;
  ASSERT_EQ((*logs)["lines"].size(), 1u);
  EXPECT_EQ((*logs)["lines"][0]["text"], "hello");
}

}  // namespace
}  // namespace ink
