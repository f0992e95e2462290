// Store tests: volumes (unique names per project, one service per volume by construction),
// attachments kept in step with the deployed spec in the deploy's transaction, and deletion
// refused while attached.
#include "store_test_util.h"

namespace ink::store_test {
namespace {

class VolumesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    workspace_ = NewWorkspace("default");
    project_ = NewProject(workspace_, "demo");
  }

  Result<Store::ServiceAndDeployment> DeployWith(const std::string& service,
                                                 std::vector<VolumeMount> volumes,
                                                 const std::string& project = "") {
    ServiceSpec spec;
    spec.image = "127.0.0.1:5000/a/b:1";
    spec.volumes = std::move(volumes);
    return store_->CreateOrUpdateServiceWithDeployment(
        workspace_, project.empty() ? project_ : project, service, spec);
  }

  Volume Get(const std::string& name) {
    auto v = store_->GetVolume(workspace_, project_, name);
    EXPECT_TRUE(v.ok()) << v.error().message;
    return v.ok() ? *v : Volume{};
  }

  std::string workspace_, project_;
};

TEST_F(VolumesTest, CreateListGetAndUniqueNamesPerProject) {
  clock_.Set(5000);
  auto data = store_->CreateVolume(workspace_, project_, "data", 1 << 30);
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(data->id.rfind("vol_", 0), 0u);
  EXPECT_EQ(data->created_at, 5000);
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "cache", 512 << 20).ok());

  auto again = store_->CreateVolume(workspace_, project_, "data", 1 << 20);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message.find("'data' already exists"), std::string::npos);

  // The same name in another project is another volume.
  std::string other = NewProject(workspace_, "other");
  ASSERT_TRUE(store_->CreateVolume(workspace_, other, "data", 1 << 20).ok());

  auto list = store_->ListVolumes(workspace_, project_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "cache");  // by name
  EXPECT_EQ((*list)[1].name, "data");
  EXPECT_EQ((*list)[1].size_bytes, 1 << 30);
  EXPECT_EQ((*list)[1].service_id, "");
  EXPECT_EQ(Get(data->id).name, "data");  // by id too
  auto all = store_->ListAllVolumes();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);

  EXPECT_EQ(store_->CreateVolume(workspace_, project_, "zero", 0).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->GetVolume(workspace_, project_, "nope").error().code, ErrorCode::kNotFound);
}

TEST_F(VolumesTest, OtherWorkspacesSeeNothing) {
  auto data = store_->CreateVolume(workspace_, project_, "data", 1 << 20);
  ASSERT_TRUE(data.ok());
  std::string intruder = NewWorkspace("intruder");
  EXPECT_EQ(store_->GetVolume(intruder, project_, data->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListVolumes(intruder, project_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteVolume(intruder, data->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->CreateVolume(intruder, project_, "x", 1).error().code, ErrorCode::kNotFound);
}

TEST_F(VolumesTest, DeployAttachesAndDetachesInItsTransaction) {
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "data", 1 << 20).ok());
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "logs", 1 << 20).ok());
  auto web = DeployWith("web", {{"data", "/var/lib/data"}});
  ASSERT_TRUE(web.ok()) << web.error().message;
  EXPECT_EQ(web->deployment.spec.volumes, (std::vector<VolumeMount>{{"data", "/var/lib/data"}}));
  Volume data = Get("data");
  EXPECT_EQ(data.service_id, web->service.id);
  EXPECT_EQ(data.service_name, "web");
  EXPECT_EQ(data.mount_path, "/var/lib/data");

  // The spec keeps its volumes through the store (services and deployments).
  auto stored = store_->GetService(workspace_, project_, "web");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec.volumes, web->deployment.spec.volumes);

  // Another service cannot take it: refused, nothing changed (not even the service created).
  auto api = DeployWith("api", {{"data", "/data"}});
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(api.error().message.find("already attached to service 'web'"), std::string::npos)
      << api.error().message;
  EXPECT_EQ(store_->GetService(workspace_, project_, "api").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Get("data").service_name, "web");

  // Move to another path and add one, then detach all with an empty list.
  ASSERT_TRUE(DeployWith("web", {{"data", "/d"}, {"logs", "/l"}}).ok());
  EXPECT_EQ(Get("data").mount_path, "/d");
  EXPECT_EQ(Get("logs").service_name, "web");
  ASSERT_TRUE(DeployWith("web", {}).ok());
  EXPECT_EQ(Get("data").service_id, "");
  EXPECT_EQ(Get("data").mount_path, "");
  EXPECT_EQ(Get("logs").service_id, "");
  // Now free for api.
  ASSERT_TRUE(DeployWith("api", {{"data", "/data"}}).ok());
  EXPECT_EQ(Get("data").service_name, "api");
}

TEST_F(VolumesTest, BadAttachmentsChangeNothing) {
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "data", 1 << 20).ok());
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "logs", 1 << 20).ok());
  auto web = DeployWith("web", {{"data", "/data"}});
  ASSERT_TRUE(web.ok());

  auto missing = DeployWith("web", {{"nope", "/x"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("volume 'nope' does not exist"), std::string::npos);

  auto same_path = DeployWith("web", {{"data", "/x"}, {"logs", "/x"}});
  ASSERT_FALSE(same_path.ok());
  EXPECT_EQ(same_path.error().code, ErrorCode::kInvalidArgument);

  // Another project's volume is not found from this project.
  std::string other = NewProject(workspace_, "other");
  ASSERT_TRUE(store_->CreateVolume(workspace_, other, "theirs", 1 << 20).ok());
  EXPECT_EQ(DeployWith("web", {{"theirs", "/t"}}).error().code, ErrorCode::kNotFound);

  // Each refusal rolled back: the first attachment and spec stand, no deployment was added.
  EXPECT_EQ(Get("data").mount_path, "/data");
  EXPECT_EQ(Get("logs").service_id, "");
  auto deployments = store_->ListDeployments(workspace_, web->service.id);
  ASSERT_TRUE(deployments.ok());
  EXPECT_EQ(deployments->size(), 1u);
}

TEST_F(VolumesTest, DeleteRefusedWhileAttachedAndServiceDeletionDetaches) {
  auto data = store_->CreateVolume(workspace_, project_, "data", 1 << 20);
  ASSERT_TRUE(data.ok());
  auto web = DeployWith("web", {{"data", "/data"}});
  ASSERT_TRUE(web.ok());
  Status refused = store_->DeleteVolume(workspace_, data->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("attached to service 'web'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("--volumes '[]'"), std::string::npos);

  // The project cannot go while it holds a volume.
  ASSERT_TRUE(store_->DeleteService(workspace_, web->service.id).ok());
  EXPECT_EQ(Get("data").service_id, "");  // the volume outlives its service
  Status project = store_->DeleteProject(workspace_, project_);
  ASSERT_FALSE(project.ok());
  EXPECT_NE(project.error().message.find("still has volumes (data)"), std::string::npos)
      << project.error().message;

  ASSERT_TRUE(store_->DeleteVolume(workspace_, data->id).ok());
  EXPECT_EQ(store_->GetVolume(workspace_, project_, "data").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->DeleteProject(workspace_, project_).ok());
}

TEST_F(VolumesTest, OneServicePerVolumeAndOnePathPerServiceByConstruction) {
  auto data = store_->CreateVolume(workspace_, project_, "data", 1 << 20);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(store_->CreateVolume(workspace_, project_, "logs", 1 << 20).ok());
  auto web = DeployWith("web", {{"data", "/data"}});
  ASSERT_TRUE(web.ok());
  // Straight SQL cannot put a second volume at the same path, nor a path without a service.
  EXPECT_NE(RawSql(path_, "UPDATE volumes SET service_id = '" + web->service.id +
                              "', mount_path = '/data' WHERE name = 'logs'")
                .rfind("error:", 0),
            std::string::npos);
  EXPECT_NE(
      RawSql(path_, "UPDATE volumes SET mount_path = '/x' WHERE name = 'logs'").rfind("error:", 0),
      std::string::npos);
  EXPECT_NE(RawSql(path_,
                   "PRAGMA foreign_keys = ON; UPDATE volumes SET service_id = 'svc_nope' "
                   "WHERE name = 'logs'")
                .rfind("error:", 0),
            std::string::npos);
}

}  // namespace
}  // namespace ink::store_test
