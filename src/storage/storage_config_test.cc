// Destinations' rules and rclone's configuration: every field's check says what is wrong
// without quoting a secret; the environment defines exactly one remote.
#include "ink/storage/storage_config.h"

#include <gtest/gtest.h>

namespace ink::storage {
namespace {

StorageConfig S3() {
  return {.provider = "s3",
          .bucket = "ink-backups",
          .prefix = "prod/db",
          .endpoint = "http://127.0.0.1:4569",
          .region = "eu-west-1",
          .path_style = true,
          .secrets = {{"access_key_id", "AKID"}, {"secret_access_key", "hunter2-secret"}}};
}

std::string ErrorOf(const StorageConfig& c) {
  Status s = ValidateStorageConfig(c);
  return s.ok() ? "" : s.error().message;
}

TEST(StorageConfigTest, AcceptsEachProvidersValidShape) {
  EXPECT_EQ(ErrorOf(S3()), "");
  StorageConfig aws = S3();
  aws.endpoint = "";
  aws.region = "";
  aws.path_style = false;
  EXPECT_EQ(ErrorOf(aws), "");
  EXPECT_EQ(ErrorOf({.provider = "gcs",
                     .bucket = "my_bucket.v2",
                     .secrets = {{"service_account_json", R"({"type":"service_account"})"}}}),
            "");
  EXPECT_EQ(ErrorOf({.provider = "azureblob",
                     .bucket = "backups-1",
                     .endpoint = "http://127.0.0.1:10000/",
                     .account = "devstoreaccount1",
                     .secrets = {{"key", "a2V5"}}}),
            "");
}

TEST(StorageConfigTest, RefusesBadBucketsPerProvider) {
  for (const char* bad : {"ab", "Upper", "-lead", "trail-", "two..dots", "sp ace", "a/b"}) {
    StorageConfig c = S3();
    c.bucket = bad;
    EXPECT_NE(ErrorOf(c).find("bucket"), std::string::npos) << bad;
  }
  StorageConfig c = S3();
  c.bucket = "";
  EXPECT_NE(ErrorOf(c), "");
  StorageConfig azure{.provider = "azureblob",
                      .bucket = "a--b",
                      .account = "acct1",
                      .secrets = {{"key", "k"}}};
  EXPECT_NE(ErrorOf(azure).find("two '-'"), std::string::npos);
  azure.bucket = "a.b";
  EXPECT_NE(ErrorOf(azure).find("container"), std::string::npos);
}

TEST(StorageConfigTest, PrefixIsNormalizedAndRefusesDotDot) {
  EXPECT_EQ(*NormalizeStoragePrefix("/a//b/"), "a/b");
  EXPECT_EQ(*NormalizeStoragePrefix(""), "");
  EXPECT_EQ(*NormalizeStoragePrefix("///"), "");
  EXPECT_FALSE(NormalizeStoragePrefix("a/../b").ok());
  EXPECT_FALSE(NormalizeStoragePrefix("..").ok());
  EXPECT_FALSE(NormalizeStoragePrefix("a/./b").ok());
  EXPECT_FALSE(NormalizeStoragePrefix("a\\b").ok());
  EXPECT_FALSE(NormalizeStoragePrefix(std::string("a\nb")).ok());
  EXPECT_FALSE(NormalizeStoragePrefix(std::string(513, 'a')).ok());
  EXPECT_NE(NormalizeStoragePrefix("x/../y").error().message.find("'..'"), std::string::npos);
}

TEST(StorageConfigTest, EndpointIsSchemeHostPortOnly) {
  for (const char* bad : {"127.0.0.1:4569", "ftp://h", "http://", "http://h/bucket",
                          "https://user:pw@h", "http://h?x=1"}) {
    StorageConfig c = S3();
    c.endpoint = bad;
    EXPECT_NE(ErrorOf(c).find("endpoint"), std::string::npos) << bad;
  }
  StorageConfig gcs{.provider = "gcs",
                    .bucket = "bkt",
                    .endpoint = "https://h",
                    .secrets = {{"service_account_json", "{}"}}};
  EXPECT_NE(ErrorOf(gcs).find("gcs takes no endpoint"), std::string::npos);
}

TEST(StorageConfigTest, SettingsOnlyWhereTheProviderHasThem) {
  StorageConfig gcs{.provider = "gcs",
                    .bucket = "bkt",
                    .path_style = true,
                    .secrets = {{"service_account_json", "{}"}}};
  EXPECT_NE(ErrorOf(gcs).find("s3 settings"), std::string::npos);
  StorageConfig s3 = S3();
  s3.account = "acct";
  EXPECT_NE(ErrorOf(s3).find("azureblob setting"), std::string::npos);
  s3 = S3();
  s3.region = "EU West";
  EXPECT_NE(ErrorOf(s3).find("region"), std::string::npos);
  StorageConfig azure{.provider = "azureblob", .bucket = "bkt", .secrets = {{"key", "k"}}};
  EXPECT_NE(ErrorOf(azure).find("account"), std::string::npos);
  EXPECT_NE(ErrorOf({.provider = "ftp", .bucket = "bkt"}).find("provider 'ftp'"),
            std::string::npos);
}

TEST(StorageConfigTest, SecretsAreExactlyTheProvidersAndNeverQuoted) {
  StorageConfig c = S3();
  c.secrets.erase("secret_access_key");
  EXPECT_NE(ErrorOf(c).find("needs the secret 'secret_access_key'"), std::string::npos);
  c = S3();
  c.secrets["token"] = "x";
  EXPECT_NE(ErrorOf(c).find("secret 'token' is not one of s3's"), std::string::npos);
  c = S3();
  c.secrets["secret_access_key"] = "hunter2\nsecret";
  std::string error = ErrorOf(c);
  EXPECT_NE(error.find("control character"), std::string::npos);
  EXPECT_EQ(error.find("hunter2"), std::string::npos);
  c.secrets["secret_access_key"] = "";
  EXPECT_NE(ErrorOf(c).find("is empty"), std::string::npos);
  StorageConfig gcs{.provider = "gcs",
                    .bucket = "bkt",
                    .secrets = {{"service_account_json", "not json hunter2"}}};
  error = ErrorOf(gcs);
  EXPECT_NE(error.find("not a JSON object"), std::string::npos);
  EXPECT_EQ(error.find("hunter2"), std::string::npos);
}

TEST(StorageConfigTest, RcloneEnvironmentDefinesOneRemote) {
  auto env = RcloneEnvironment(S3());
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_TYPE"], "s3");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_PROVIDER"], "Other");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_ACCESS_KEY_ID"], "AKID");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_SECRET_ACCESS_KEY"], "hunter2-secret");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_ENDPOINT"], "http://127.0.0.1:4569");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_REGION"], "eu-west-1");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_FORCE_PATH_STYLE"], "true");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_ENV_AUTH"], "false");
  EXPECT_EQ(env["RCLONE_CONFIG_INKSTORE_NO_CHECK_BUCKET"], "true");
  for (const auto& [name, value] : env) {
    EXPECT_EQ(name.rfind("RCLONE_CONFIG_INKSTORE_", 0), 0u) << name;
  }
  StorageConfig aws = S3();
  aws.endpoint = "";
  aws.region = "";
  auto aws_env = RcloneEnvironment(aws);
  EXPECT_EQ(aws_env["RCLONE_CONFIG_INKSTORE_PROVIDER"], "AWS");
  EXPECT_EQ(aws_env["RCLONE_CONFIG_INKSTORE_REGION"], "us-east-1");
  EXPECT_EQ(aws_env.count("RCLONE_CONFIG_INKSTORE_ENDPOINT"), 0u);

  auto azure = RcloneEnvironment(
      {.provider = "azureblob", .bucket = "c1", .account = "acct1", .secrets = {{"key", "K"}}});
  EXPECT_EQ(azure["RCLONE_CONFIG_INKSTORE_TYPE"], "azureblob");
  EXPECT_EQ(azure["RCLONE_CONFIG_INKSTORE_ACCOUNT"], "acct1");
  EXPECT_EQ(azure["RCLONE_CONFIG_INKSTORE_KEY"], "K");
  auto gcs = RcloneEnvironment(
      {.provider = "gcs", .bucket = "b1", .secrets = {{"service_account_json", "{}"}}});
  EXPECT_EQ(gcs["RCLONE_CONFIG_INKSTORE_TYPE"], "google cloud storage");
  EXPECT_EQ(gcs["RCLONE_CONFIG_INKSTORE_SERVICE_ACCOUNT_CREDENTIALS"], "{}");
}

TEST(StorageConfigTest, PathsAndKeys) {
  EXPECT_EQ(RclonePath(S3(), "a/b.data"), "inkstore:ink-backups/prod/db/a/b.data");
  EXPECT_EQ(RclonePath(S3(), ""), "inkstore:ink-backups/prod/db");
  StorageConfig root = S3();
  root.prefix = "";
  EXPECT_EQ(RclonePath(root, "k"), "inkstore:ink-backups/k");
  EXPECT_TRUE(ValidateObjectKey("ink-backups/p/v/bkp_1.data").ok());
  for (const char* bad : {"", "/a", "a/", "a//b", "a/../b", "./a"}) {
    EXPECT_FALSE(ValidateObjectKey(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ink::storage
