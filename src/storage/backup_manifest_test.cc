// Backup naming, manifests and listings: ids sort by time, a manifest round-trips and every bad
// field is refused by name, a listing tells good from incomplete (killed upload) and broken.
#include "ink/storage/backup_manifest.h"

#include <gtest/gtest.h>

#include <functional>

#include "ink/common/json.h"

namespace ink::storage {
namespace {

BackupManifest Sample(const std::string& id = "bkp_20261208T023000Z_abc123") {
  return {.id = id,
          .project = "demo",
          .volume = "pgdata",
          .volume_id = "vol_x1",
          .service = "postgres",
          .volume_size_bytes = 1 << 30,
          .created_at = 1796697000000,
          .size_bytes = 4096,
          .sha256 = std::string(64, 'a'),
          .key_id = "wk1"};
}

TEST(BackupManifestTest, IdsCarryUtcTimeAndSortByIt) {
  // 2026-12-08 02:30:00 UTC
  EXPECT_EQ(NewBackupId(1796697000000, "abc123"), "bkp_20261208T023000Z_abc123");
  EXPECT_LT(NewBackupId(1796697000000, "zzz"), NewBackupId(1796697001000, "aaa"));
}

TEST(BackupManifestTest, KeysLiveUnderTheBackupRoot) {
  BackupManifest m = Sample();
  EXPECT_EQ(BackupDataKey(m), "ink-backups/demo/pgdata/bkp_20261208T023000Z_abc123.data");
  EXPECT_EQ(BackupManifestKey(m),
            "ink-backups/demo/pgdata/bkp_20261208T023000Z_abc123.manifest.json");
  auto key = ParseBackupKey(BackupManifestKey(m));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->project, "demo");
  EXPECT_EQ(key->volume, "pgdata");
  EXPECT_EQ(key->id, m.id);
  EXPECT_TRUE(key->manifest);
  EXPECT_FALSE(ParseBackupKey(BackupDataKey(m))->manifest);
  for (const char* other : {"ink-backups/demo/pgdata/notes.txt", "elsewhere/demo/v/bkp_1.data",
                            "ink-backups/demo/bkp_1.data", "ink-backups/a/b/c/bkp_1.data",
                            "ink-backups/Demo/v/bkp_1.data"}) {
    EXPECT_FALSE(ParseBackupKey(other).has_value()) << other;
  }
}

TEST(BackupManifestTest, RoundTripsAndRefusesEachBadField) {
  auto parsed = ParseBackupManifest(BackupManifestJson(Sample()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->id, Sample().id);
  EXPECT_EQ(parsed->service, "postgres");
  EXPECT_EQ(parsed->size_bytes, 4096);
  EXPECT_EQ(parsed->sha256, std::string(64, 'a'));
  EXPECT_EQ(parsed->volume_size_bytes, 1 << 30);

  auto refused = [](const std::function<void(Json&)>& spoil, const std::string& says) {
    Json j = Json::parse(BackupManifestJson(Sample()));
    spoil(j);
    auto r = ParseBackupManifest(j.dump());
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refused([](Json& j) { j["format_version"] = 2; }, "format_version is 2");
  refused([](Json& j) { j.erase("format_version"); }, "no format_version");
  refused([](Json& j) { j["id"] = "../x"; }, "id");
  refused([](Json& j) { j["source"]["volume"] = "a/b"; }, "project or volume");
  refused([](Json& j) { j["data"]["sha256"] = "abc"; }, "64 hex digits");
  refused([](Json& j) { j["data"]["size_bytes"] = -1; }, "size_bytes");
  refused([](Json& j) { j["encryption"] = "none"; }, "encryption");
  refused([](Json& j) { j["key_id"] = ""; }, "key_id");
  EXPECT_FALSE(ParseBackupManifest("not json").ok());
}

TEST(BackupManifestTest, ListingTellsGoodIncompleteAndBroken) {
  BackupManifest good = Sample("bkp_20261208T010000Z_aaa");
  BackupManifest killed = Sample("bkp_20261208T020000Z_bbb");  // data, no manifest
  BackupManifest cut = Sample("bkp_20261208T030000Z_ccc");     // data shorter than the manifest
  BackupManifest orphan = Sample("bkp_20261208T040000Z_ddd");  // manifest, no data
  std::vector<ObjectInfo> objects = {
      {BackupDataKey(good), 4096},        {BackupManifestKey(good), 500},
      {BackupDataKey(killed), 1000},      {BackupDataKey(cut), 10},
      {BackupManifestKey(cut), 500},      {BackupManifestKey(orphan), 500},
      {"ink-backups/demo/pgdata/readme.txt", 5}};
  std::map<std::string, std::string> manifests = {
      {BackupManifestKey(good), BackupManifestJson(good)},
      {BackupManifestKey(cut), BackupManifestJson(cut)},
      {BackupManifestKey(orphan), BackupManifestJson(orphan)}};
  auto listed = ClassifyBackups(objects, manifests);
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].key.id, orphan.id);  // newest first
  EXPECT_EQ(listed[0].status, "broken");
  EXPECT_NE(listed[0].problem.find("missing"), std::string::npos);
  EXPECT_EQ(listed[1].key.id, cut.id);
  EXPECT_EQ(listed[1].status, "broken");
  EXPECT_NE(listed[1].problem.find("10 bytes"), std::string::npos);
  EXPECT_EQ(listed[2].key.id, killed.id);
  EXPECT_EQ(listed[2].status, "incomplete");
  EXPECT_FALSE(listed[2].manifest.has_value());
  EXPECT_EQ(listed[3].key.id, good.id);
  EXPECT_EQ(listed[3].status, "good");
  ASSERT_TRUE(listed[3].manifest.has_value());
  EXPECT_EQ(listed[3].manifest->service, "postgres");

  // An unreadable manifest is broken, not good.
  manifests.erase(BackupManifestKey(good));
  EXPECT_EQ(ClassifyBackups(objects, manifests)[3].status, "broken");
}

TEST(BackupManifestTest, VerifyNamesTheBackupAndBothValues) {
  BackupManifest m = Sample();
  EXPECT_TRUE(VerifyBackupObject(m, 4096, std::string(64, 'a')).ok());
  Status size = VerifyBackupObject(m, 4000, std::string(64, 'a'));
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message.find("4000 bytes, the manifest says 4096"), std::string::npos);
  Status hash = VerifyBackupObject(m, 4096, std::string(64, 'b'));
  ASSERT_FALSE(hash.ok());
  EXPECT_NE(hash.error().message.find(m.id + " is damaged"), std::string::npos);
  EXPECT_NE(hash.error().message.find("nothing was restored"), std::string::npos);
}

}  // namespace
}  // namespace ink::storage
