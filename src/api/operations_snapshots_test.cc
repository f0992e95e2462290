// Snapshot operations with a fake volume host: take, list, prune by retention, restore into a
// new volume (rolling the attached service onto it through update_service, the old volume
// kept), delete, the template hook run in the replica, failures recorded, and bad input
// refused changing nothing.
#include <algorithm>

#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class SnapshotOperationsTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->volumes = &host_;
    MustCall("create_volume", {{"name", "data"}, {"size", "64Mi"}});
  }
  void ExpectRefused(const std::string& operation, const Json& input, const std::string& says) {
    auto r = Call(operation, input);
    ASSERT_FALSE(r.ok()) << operation << " " << input.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos)
        << input.dump() << " → " << r.error().message;
  }
  Json Snapshots(Json in = Json::object()) { return MustCall("list_snapshots", in)["snapshots"]; }
  Json Volumes() { return MustCall("list_volumes", Json::object())["volumes"]; }
  Json VolumeNamed(const std::string& name) {
    for (const auto& v : Volumes()) {
      if (v["name"] == name) return v;
    }
    return Json();
  }

  api_test::FakeVolumeHost host_;
};

TEST_F(SnapshotOperationsTest, SnapshotListRestoreDelete) {
  Json taken = MustCall("snapshot_volume", {{"volume", "data"}, {"label", "before migration"}});
  Json s = taken["snapshot"];
  EXPECT_EQ(s["status"], "ready");
  EXPECT_EQ(s["volume"], "data");
  EXPECT_EQ(s["label"], "before migration");
  EXPECT_EQ(s["size_bytes"], 1 << 20);
  EXPECT_TRUE(s["error"].is_null());
  std::string id = s["id"];
  EXPECT_EQ(host_.snapshots.at(id), VolumeNamed("data")["id"]);

  Json list = Snapshots({{"volume", "data"}});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);

  Json restored = MustCall("restore_volume", {{"snapshot", id}, {"name", "data-restored"}});
  EXPECT_EQ(restored["volume"]["name"], "data-restored");
  EXPECT_EQ(restored["volume"]["size_bytes"], 64 << 20);
  EXPECT_TRUE(restored["service"].is_null());  // not attached: nothing to roll
  std::string new_id = restored["volume"]["id"];
  EXPECT_EQ(host_.restored_from.at(new_id), id);
  EXPECT_EQ(Volumes().size(), 2u);  // the old one stays

  MustCall("delete_snapshot", {{"snapshot", id}});
  EXPECT_TRUE(Snapshots().empty());
  EXPECT_TRUE(host_.snapshots.empty());
  // Restored data does not depend on the snapshot: the new volume is still there.
  EXPECT_FALSE(VolumeNamed("data-restored").is_null());
}

TEST_F(SnapshotOperationsTest, RestoreRollsTheAttachedServiceOntoTheNewVolume) {
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"volumes", {{{"volume", "data"}, {"mount_path", "/srv/data"}}}}});
  std::string id = MustCall("snapshot_volume", {{"volume", "data"}})["snapshot"]["id"];
  Json restored = MustCall("restore_volume", {{"snapshot", id}, {"name", "data2"}});
  ASSERT_TRUE(restored["service"].is_object()) << restored.dump();
  EXPECT_TRUE(restored["service"].contains("deployment"));
  EXPECT_EQ(restored["detached"], "data");
  auto web = store_->GetService(caller_.workspace_id, ProjectId(), "web");
  ASSERT_EQ(web->spec.volumes.size(), 1u);
  EXPECT_EQ(web->spec.volumes[0].volume, "data2");
  EXPECT_EQ(web->spec.volumes[0].mount_path, "/srv/data");
  EXPECT_EQ(VolumeNamed("data2")["service"], "web");
  EXPECT_EQ(VolumeNamed("data2")["mount_path"], "/srv/data");
  EXPECT_TRUE(VolumeNamed("data")["service"].is_null());  // kept, detached
  // The old volume can now be deleted (explicitly), and its snapshot outlives it.
  MustCall("delete_volume", {{"name", "data"}});
  Json list = Snapshots({{"volume", "data"}});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  // A project holding snapshots is not deleted.
  MustCall("delete_service", {{"service", "web"}});
  MustCall("delete_volume", {{"name", "data2"}});
  ExpectRefused("delete_project", Json::object(), "snapshot");
}

TEST_F(SnapshotOperationsTest, RetentionPrunesTheOldestAfterASuccessfulSnapshot) {
  MustCall("update_volume", {{"name", "data"}, {"snapshot_retention", 2}});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(MustCall("snapshot_volume", {{"volume", "data"}})["snapshot"]["id"]);
  }
  Json list = Snapshots();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], ids[2]);
  EXPECT_EQ(list[1]["id"], ids[1]);
  EXPECT_FALSE(host_.snapshots.count(ids[0]));
  EXPECT_EQ(VolumeNamed("data")["snapshot_retention"], 2);
}

TEST_F(SnapshotOperationsTest, AFailedSnapshotIsListedWithItsError) {
  host_.fail_copy = true;
  auto r = Call("snapshot_volume", {{"volume", "data"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("No space left"), std::string::npos) << r.error().message;
  Json list = Snapshots();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "failed");
  EXPECT_NE(list[0]["error"].get<std::string>().find("No space left"), std::string::npos);
  // A failed snapshot cannot be restored; it can be deleted.
  ExpectRefused("restore_volume", {{"snapshot", list[0]["id"]}, {"name", "x"}}, "failed");
  EXPECT_EQ(Volumes().size(), 1u);
  MustCall("delete_snapshot", {{"snapshot", list[0]["id"]}});
}

TEST_F(SnapshotOperationsTest, TheServiceHookRunsInItsReplicaFirst) {
  std::string dep = MustCall(
      "deploy", {{"service", "web"},
                 {"image", "localhost/ink/echo:test"},
                 {"volumes", {{{"volume", "data"}, {"mount_path", "/srv"}}}}})["deployment"]["id"];
  auto s = store_->GetService(caller_.workspace_id, ProjectId(), "web");
  ServiceSpec spec = s->spec;
  spec.snapshot_hook = {"psql", "-c", "CHECKPOINT"};
  auto redeployed = store_->CreateOrUpdateServiceWithDeployment(caller_.workspace_id, ProjectId(),
                                                                "web", spec, {});
  ASSERT_TRUE(redeployed.ok());
  ASSERT_TRUE(store_->ActivateDeployment(s->id, redeployed->deployment.id).ok());
  AddReplicaContainer("c1", redeployed->deployment.id, "0");
  MustCall("snapshot_volume", {{"volume", "data"}});
  {
    std::lock_guard lock(runtime_.mu);
    ASSERT_EQ(runtime_.execs.size(), 1u);
    EXPECT_EQ(runtime_.execs[0].first, "c1");
    EXPECT_EQ(runtime_.execs[0].second.argv, spec.snapshot_hook);
    runtime_.exec_result.exit_code = 2;
    runtime_.exec_result.stderr_data = "psql: connection refused";
  }
  // A failing hook fails the snapshot, saying what it said; nothing is copied.
  auto r = Call("snapshot_volume", {{"volume", "data"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exited 2: psql: connection refused"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(host_.snapshots.size(), 1u);
  EXPECT_EQ(Snapshots()[0]["status"], "failed");
  // Both outcomes are in the service's journal, the failure with its reason.
  auto events = store_->ListEvents(caller_.workspace_id, s->id, 50);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> kinds;
  std::string failed_message;
  for (const auto& e : *events) {
    kinds.push_back(e.kind);
    if (e.kind == "snapshot_failed") failed_message = e.message;
  }
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "snapshot_taken"), kinds.end());
  EXPECT_NE(failed_message.find("psql: connection refused"), std::string::npos) << failed_message;
  (void)dep;
}

TEST_F(SnapshotOperationsTest, BadInputIsRefusedAndChangesNothing) {
  std::string id = MustCall("snapshot_volume", {{"volume", "data"}})["snapshot"]["id"];
  MustCall("create_volume", {{"name", "taken"}, {"size", "16Mi"}});
  const size_t volumes = Volumes().size();
  ExpectRefused("snapshot_volume", {{"volume", "nope"}}, "does not exist");
  ExpectRefused("snapshot_volume", {{"volume", "data"}, {"label", "a\nb"}}, "control character");
  ExpectRefused("list_snapshots", {{"volume", "nope"}}, "does not exist");
  ExpectRefused("restore_volume", {{"snapshot", "snap_nope"}, {"name", "x"}}, "does not exist");
  ExpectRefused("restore_volume", {{"snapshot", id}, {"name", "taken"}}, "already exists");
  ExpectRefused("restore_volume", {{"snapshot", id}, {"name", "Bad_Name"}}, "volume name");
  ExpectRefused("delete_snapshot", {{"snapshot", "snap_nope"}}, "does not exist");
  ExpectRefused("update_volume", {{"name", "data"}, {"snapshot_retention", 0}},
                "snapshot_retention");
  ExpectRefused("update_volume", {{"name", "data"}, {"snapshot_retention", 10000}},
                "snapshot_retention");
  ExpectRefused("update_volume", {{"name", "data"}, {"snapshot_schedule", "25:00"}}, "HH:MM");
  ExpectRefused("update_volume", {{"name", "data"}}, "nothing to update");
  ExpectRefused("update_volume", {{"name", "nope"}, {"snapshot_retention", 3}}, "does not exist");
  EXPECT_EQ(Volumes().size(), volumes);
  EXPECT_EQ(Snapshots().size(), 1u);
  EXPECT_EQ(VolumeNamed("data")["snapshot_retention"], 7);
  EXPECT_EQ(VolumeNamed("data")["snapshot_schedule"], "");
  // Another project sees none of them.
  ASSERT_TRUE(store_->CreateProject(caller_.workspace_id, "other").ok());
  EXPECT_TRUE(MustCall("list_snapshots", {{"project", "other"}})["snapshots"].empty());
  ExpectRefused("restore_volume", {{"project", "other"}, {"snapshot", id}, {"name", "x"}},
                "does not exist");
}

TEST_F(SnapshotOperationsTest, TheScheduleTakesADailySnapshot) {
  MustCall("update_volume", {{"name", "data"}, {"snapshot_schedule", "03:00"}});
  const int64_t now = clock_.NowMillis() + 2LL * 24 * 3600 * 1000;  // two days on
  EXPECT_EQ(RunScheduledSnapshots(*deps_, now), 1);
  EXPECT_EQ(RunScheduledSnapshots(*deps_, now + 60000), 0);  // once a day
  Json list = Snapshots();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["scheduled"], true);
  EXPECT_EQ(list[0]["label"], "scheduled");
}

}  // namespace
}  // namespace ink
