// Volume operations: create/list/delete with a fake volume host, attaching on deploy and
// update_service, and every bad input refused with a clear error that changes nothing.
#include <set>

#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class VolumeOperationsTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->volumes = &host_;
  }
  static std::string MessageOf(const Result<Json>& r) {
    return r.ok() ? "(ok)" : r.error().message;
  }
  // Expects `operation` to fail with a message containing `says`.
  void ExpectRefused(const std::string& operation, const Json& input, const std::string& says) {
    auto r = Call(operation, input);
    ASSERT_FALSE(r.ok()) << operation << " " << input.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos)
        << input.dump() << " → " << r.error().message;
  }
  Json Volumes() { return MustCall("list_volumes", Json::object())["volumes"]; }
  size_t Deployments() {
    auto s = store_->GetService(caller_.workspace_id, ProjectId(), "web");
    if (!s.ok()) return 0;
    return store_->ListDeployments(caller_.workspace_id, s->id)->size();
  }

  api_test::FakeVolumeHost host_;
};

TEST_F(VolumeOperationsTest, CreateListDelete) {
  Json made = MustCall("create_volume", {{"name", "data"}, {"size", "1Gi"}});
  EXPECT_EQ(made["volume"]["name"], "data");
  EXPECT_EQ(made["volume"]["size_bytes"], int64_t{1} << 30);
  std::string id = made["volume"]["id"];
  EXPECT_EQ(host_.images.at(id), int64_t{1} << 30);

  MustCall("create_volume", {{"name", "cache"}, {"size", "512Mi"}});
  Json list = Volumes();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1]["name"], "data");
  EXPECT_EQ(list[1]["used_bytes"], 4096);
  EXPECT_TRUE(list[1]["service"].is_null());
  EXPECT_TRUE(list[1].contains("created_at"));

  EXPECT_EQ(MustCall("delete_volume", {{"name", "data"}})["deleted"], true);
  EXPECT_FALSE(host_.images.count(id));
  EXPECT_EQ(Volumes().size(), 1u);
}

TEST_F(VolumeOperationsTest, BadCreatesAreRefusedAndChangeNothing) {
  MustCall("create_volume", {{"name", "data"}, {"size", "1Gi"}});
  for (const auto& [input, says] : std::vector<std::pair<Json, std::string>>{
           {{{"name", "data"}, {"size", "1Gi"}}, "already exists"},
           {{{"name", "Bad_Name"}, {"size", "1Gi"}}, "volume name"},
           {{{"name", "x"}, {"size", "0"}}, "minimum of 16Mi"},
           {{{"name", "x"}, {"size", "-1Gi"}}, "not a size"},
           {{{"name", "x"}, {"size", "lots"}}, "not a size"},
           {{{"name", "x"}, {"size", "10PB"}}, "limit of 1Ti"},
           {{{"name", "x"}, {"size", "2Ti"}}, "limit of 1Ti"},
           {{{"name", "x"}, {"size", "1Gi"}, {"project", "nope"}}, "nope"},
       }) {
    ExpectRefused("create_volume", input, says);
  }
  EXPECT_EQ(Volumes().size(), 1u);
  EXPECT_EQ(host_.images.size(), 1u);

  // A failed filesystem leaves no row behind.
  host_.fail_create = true;
  ExpectRefused("create_volume", {{"name", "other"}, {"size", "1Gi"}}, "mkfs failed");
  EXPECT_EQ(Volumes().size(), 1u);
}

TEST_F(VolumeOperationsTest, DeployAttachesUpdateMovesAndDetaches) {
  MustCall("create_volume", {{"name", "data"}, {"size", "64Mi"}});
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"volumes", {{{"volume", "data"}, {"mount_path", "/var/lib/data/"}}}}});
  Json list = Volumes();
  EXPECT_EQ(list[0]["service"], "web");
  EXPECT_EQ(list[0]["mount_path"], "/var/lib/data");  // normalized
  // A later deploy without `volumes` keeps them.
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
  EXPECT_EQ(Volumes()[0]["service"], "web");
  auto s = store_->GetService(caller_.workspace_id, ProjectId(), "web");
  ASSERT_EQ(s->spec.volumes.size(), 1u);

  MustCall("update_service",
           {{"service", "web"}, {"volumes", {{{"volume", "data"}, {"mount_path", "/srv"}}}}});
  EXPECT_EQ(Volumes()[0]["mount_path"], "/srv");

  // Attached: delete refused, saying how to detach; nothing removed.
  ExpectRefused("delete_volume", {{"name", "data"}}, "--volumes '[]'");
  EXPECT_EQ(host_.images.size(), 1u);
  // Nor can the project go (before any service is deleted).
  ExpectRefused("delete_project", Json::object(), "still has volumes (data)");
  EXPECT_TRUE(store_->GetService(caller_.workspace_id, ProjectId(), "web").ok());

  MustCall("update_service", {{"service", "web"}, {"volumes", Json::array()}});
  EXPECT_TRUE(Volumes()[0]["service"].is_null());
  MustCall("delete_volume", {{"name", "data"}});
  EXPECT_TRUE(host_.images.empty());
}

TEST_F(VolumeOperationsTest, BadAttachmentsAreRefusedAndChangeNothing) {
  MustCall("create_volume", {{"name", "data"}, {"size", "64Mi"}});
  MustCall("create_volume", {{"name", "logs"}, {"size", "64Mi"}});
  MustCall("deploy", {{"service", "db"},
                      {"image", "localhost/ink/echo:test"},
                      {"volumes", {{{"volume", "logs"}, {"mount_path", "/logs"}}}}});
  auto other = store_->CreateProject(caller_.workspace_id, "other");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->CreateVolume(caller_.workspace_id, other->id, "theirs", 1 << 24).ok());
  auto mount = [](const std::string& volume, const std::string& path) {
    return Json{{"volume", volume}, {"mount_path", path}};
  };
  for (const auto& [volumes, says] : std::vector<std::pair<Json, std::string>>{
           {Json::array({mount("data", "data")}), "not absolute"},
           {Json::array({mount("data", "/")}), "root"},
           {Json::array({mount("data", "//")}), "root"},
           {Json::array({mount("data", "/proc")}), "under /proc"},
           {Json::array({mount("data", "/sys/fs")}), "under /sys"},
           {Json::array({mount("data", "/dev/")}), "under /dev"},
           {Json::array({mount("data", "/etc/app")}), "under /etc"},
           {Json::array({mount("data", "/data/../etc")}), "'..'"},
           {Json::array({mount("data", "/x"), mount("logs", "/x/")}), "two volumes"},
           {Json::array({mount("data", "/x"), mount("data", "/y")}), "listed twice"},
           {Json::array({mount("logs", "/x")}), "already attached to service 'db'"},
           {Json::array({mount("theirs", "/x")}), "does not exist in project 'demo'"},
           {Json::array({mount("Bad_Name", "/x")}), "volume name"},
       }) {
    ExpectRefused("deploy",
                  {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"volumes", volumes}},
                  says);
  }
  EXPECT_FALSE(store_->GetService(caller_.workspace_id, ProjectId(), "web").ok());

  // replicas > 1 with a volume: refused on deploy and on update_service.
  ExpectRefused("deploy",
                {{"service", "web"},
                 {"image", "localhost/ink/echo:test"},
                 {"replicas", 2},
                 {"volumes", Json::array({mount("data", "/data")})}},
                "one replica");
  ExpectRefused("update_service", {{"service", "db"}, {"replicas", 3}}, "one replica");
  ExpectRefused("update_service",
                {{"service", "db"}, {"volumes", Json::array({mount("data", "/proc/x")})}},
                "under /proc");
  EXPECT_EQ(Deployments(), 0u);  // (web was never created)
  auto db = store_->GetService(caller_.workspace_id, ProjectId(), "db");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(store_->ListDeployments(caller_.workspace_id, db->id)->size(), 1u);
  Json list = Volumes();
  EXPECT_TRUE(list[0]["service"].is_null());  // data
  EXPECT_EQ(list[1]["service"], "db");        // logs
  EXPECT_EQ(list[1]["mount_path"], "/logs");
}

TEST_F(VolumeOperationsTest, DeleteWhileStillMountedOnTheHostIsRefusedAndKeepsTheRow) {
  MustCall("create_volume", {{"name", "data"}, {"size", "64Mi"}});
  host_.busy = true;
  ExpectRefused("delete_volume", {{"name", "data"}}, "still in use");
  EXPECT_EQ(Volumes().size(), 1u);
  ExpectRefused("delete_volume", {{"name", "nope"}}, "does not exist");
}

TEST_F(VolumeOperationsTest, DeleteServiceKeepsItsVolumesUnlessToldToDeleteThem) {
  MustCall("create_volume", {{"name", "data"}, {"size", "64Mi"}});
  MustCall("create_volume", {{"name", "other"}, {"size", "64Mi"}});
  auto deploy_web = [&] {
    MustCall("deploy", {{"service", "web"},
                        {"image", "localhost/ink/echo:test"},
                        {"volumes", {{{"volume", "data"}, {"mount_path", "/data"}}}}});
  };
  deploy_web();
  Json out = MustCall("delete_service", {{"service", "web"}});
  EXPECT_EQ(out["volumes_deleted"], Json::array());
  ASSERT_EQ(Volumes().size(), 2u);
  EXPECT_TRUE(Volumes()[0]["service"].is_null());  // detached, kept

  deploy_web();
  std::string id = Volumes()[0]["id"];
  out = MustCall("delete_service", {{"service", "web"}, {"delete_volumes", true}});
  EXPECT_EQ(out["volumes_deleted"], Json::array({"data"}));
  EXPECT_EQ(out["volumes_kept"], Json::array());
  ASSERT_EQ(Volumes().size(), 1u);  // only its own: "other" was never attached to it
  EXPECT_EQ(Volumes()[0]["name"], "other");
  EXPECT_FALSE(host_.images.count(id));

  // A filesystem still in use: the service is gone, the volume detached and kept, and the
  // answer says why and how to delete it.
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"volumes", {{{"volume", "other"}, {"mount_path", "/data"}}}}});
  host_.busy = true;
  out = MustCall("delete_service", {{"service", "web"}, {"delete_volumes", true}});
  ASSERT_EQ(out["volumes_kept"].size(), 1u);
  EXPECT_NE(out["volumes_kept"][0]["reason"].get<std::string>().find("ink volumes delete other"),
            std::string::npos)
      << out.dump();
  ASSERT_EQ(Volumes().size(), 1u);
  EXPECT_TRUE(Volumes()[0]["service"].is_null());
}

}  // namespace
}  // namespace ink
