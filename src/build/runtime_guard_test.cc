#include "src/build/runtime_guard.h"

#include <gtest/gtest.h>

namespace ink::build {
namespace {

// The mount table buildah 1.28 leaves for a RUN step with a cache, a context bind, the CA
// bundle and a secret (as read on this host), plus what a traversal would have bound.
constexpr const char* kMountInfo =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "25 24 0:23 / /run rw,relatime - tmpfs tmpfs rw\n"
    "74 51 254:0 /var/tmp/buildah9/mnt /var/tmp/buildah9/mnt rw - ext4 /dev/vda rw\n"
    "75 74 0:41 / /var/tmp/buildah9/mnt/rootfs rw - overlay overlay rw,lowerdir=/x\n"
    "76 74 254:0 /var/tmp/buildah-cache/ink-ws1/npm /var/tmp/buildah9/mnt/buildah-bind-target-2 "
    "rw - ext4 /dev/vda rw\n"
    "77 74 254:0 /var/lib/ink/builds/work/dep1/src /var/tmp/buildah9/mnt/buildah-bind-target-4 "
    "rw - ext4 /dev/vda rw\n"
    "78 74 254:0 /etc/ssl/certs/ca-certificates.crt /var/tmp/buildah9/mnt/buildah-bind-target-12 "
    "rw - ext4 /dev/vda rw\n"
    "79 74 254:0 /var/lib/containers/storage/overlay-containers/c1/userdata/secrets/ink-env "
    "/var/tmp/buildah9/mnt/buildah-bind-target-13 rw - ext4 /dev/vda rw\n"
    // what `id=../../../var/lib/ink` would have given, and friends
    "80 74 254:0 /var/lib/ink /var/tmp/buildah9/mnt/buildah-bind-target-20 rw - ext4 /dev/vda rw\n"
    "81 74 0:21 /1 /var/tmp/buildah9/mnt/buildah-bind-target-21 rw - proc proc rw\n"
    "82 74 0:23 /podman /var/tmp/buildah9/mnt/buildah-bind-target-22 rw - tmpfs tmpfs rw\n"
    "83 74 254:0 / /var/tmp/buildah9/mnt/buildah-bind-target-23 rw - ext4 /dev/vda rw\n"
    "84 74 254:0 /var/tmp/buildah-cache/ink-ws2/npm /var/tmp/buildah9/mnt/buildah-bind-target-24 "
    "rw - ext4 /dev/vda rw\n"
    "85 74 0:99 / /var/tmp/buildah9/mnt/buildah-bind-target-25 rw - tmpfs tmpfs rw\n"
    "86 27 254:0 /srv/with\\040space /mnt/with\\040space rw - ext4 /dev/vda rw\n";

Json Bind(const std::string& source, const std::string& destination) {
  return {{"type", "bind"},
          {"source", source},
          {"destination", destination},
          {"options", {"rbind", "ro"}}};
}

// buildah's config.json for the step above (the parts the guard reads).
Json StepConfig() {
  Json mounts =
      Json::array({{{"type", "proc"}, {"source", "proc"}, {"destination", "/proc"}},
                   {{"type", "tmpfs"}, {"source", "tmpfs"}, {"destination", "/dev"}},
                   Bind("/var/tmp/buildah9/mnt/buildah-bind-target-2", "/root/.npm"),
                   Bind("/var/tmp/buildah9/mnt/buildah-bind-target-4", "/src"),
                   Bind("/var/tmp/buildah9/resolv.conf", "/etc/resolv.conf"),
                   Bind("/var/tmp/buildah9/mnt/buildah-bind-target-12", "/etc/ink/host-ca.crt"),
                   Bind("/var/tmp/buildah9/mnt/buildah-bind-target-13", "/run/secrets/ink-env"),
                   {{"type", "cgroup"}, {"source", "cgroup"}, {"destination", "/sys/fs/cgroup"}}});
  return {{"root", {{"path", "/var/tmp/buildah9/mnt/rootfs"}}},
          {"mounts", mounts},
          {"process",
           {{"capabilities",
             {{"bounding", {"CAP_CHOWN", "CAP_SETUID", "CAP_SYS_CHROOT"}},
              {"effective", {"CAP_CHOWN"}}}}}},
          {"linux",
           {{"namespaces",
             {{{"type", "pid"}},
              {{"type", "network"}},
              {{"type", "ipc"}},
              {{"type", "uts"}},
              {{"type", "mount"}}}},
            {"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}}}}};
}

RuntimeGuardPolicy Policy() {
  RuntimeGuardPolicy policy;
  policy.allowed_sources = {"/var/lib/ink/builds/work/dep1", "/var/lib/containers/storage",
                            "/var/tmp/buildah-cache/ink-ws1", "/etc/ssl/certs/ca-certificates.crt"};
  policy.allowed_roots = {"/var/lib/containers/storage"};
  policy.pids_limit = 1024;
  return policy;
}

GuardContext Context() {
  GuardContext context;
  context.bundle = "/var/tmp/buildah9";
  context.mounts = ParseMountInfo(kMountInfo);
  context.realpath = [](const std::string& path) -> Result<std::string> {
    if (path == "/var/tmp/buildah9/link-to-root") return std::string("/");
    return path;
  };
  return context;
}

std::string Refusal(const Json& config) {
  auto guarded = GuardBundleConfig(config, Policy(), Context());
  EXPECT_FALSE(guarded.ok());
  return guarded.ok() ? "" : guarded.error().message;
}

TEST(RuntimeGuard, BuildahsOwnStepPassesAndGetsThePidsLimit) {
  auto guarded = GuardBundleConfig(StepConfig(), Policy(), Context());
  ASSERT_TRUE(guarded.ok()) << guarded.error().message;
  EXPECT_EQ((*guarded)["linux"]["resources"]["pids"]["limit"], 1024);
  EXPECT_EQ((*guarded)["mounts"], StepConfig()["mounts"]);  // nothing else changed
  Json lower = StepConfig();
  lower["linux"]["resources"]["pids"]["limit"] = 100;  // a lower limit is kept
  EXPECT_EQ((*GuardBundleConfig(lower, Policy(), Context()))["linux"]["resources"]["pids"]["limit"],
            100);
}

TEST(RuntimeGuard, HostPathsBehindBuildahsBindTargetsAreRefused) {
  struct Case {
    const char* target;
    const char* shows;
  } cases[] = {{"buildah-bind-target-20", "/var/lib/ink"},
               {"buildah-bind-target-21", "/proc/1"},
               {"buildah-bind-target-22", "/run/podman"},
               {"buildah-bind-target-23", "host path / "},
               {"buildah-bind-target-24", "/var/tmp/buildah-cache/ink-ws2/npm"}};
  for (const auto& c : cases) {
    Json config = StepConfig();
    config["mounts"].push_back(Bind(std::string("/var/tmp/buildah9/mnt/") + c.target, "/x"));
    std::string why = Refusal(config);
    EXPECT_NE(why.find(c.shows), std::string::npos) << c.target << ": " << why;
    EXPECT_NE(why.find("at /x"), std::string::npos) << why;
  }
}

TEST(RuntimeGuard, DirectHostSourcesAndSymlinksAreRefused) {
  for (const char* source : {"/var/lib/ink", "/run/podman/podman.sock", "/proc/1/environ",
                             "/var/tmp/buildah9/link-to-root", "/etc"}) {
    Json config = StepConfig();
    config["mounts"].push_back(Bind(source, "/x"));
    EXPECT_NE(Refusal(config).find("bind mount"), std::string::npos) << source;
  }
  Json relative = StepConfig();
  relative["mounts"].push_back(Bind("var/lib/ink", "/x"));
  EXPECT_NE(Refusal(relative).find("relative source"), std::string::npos);
  Json bind_option = StepConfig();  // "none" with the bind option is a bind mount too
  bind_option["mounts"].push_back(
      {{"type", "none"}, {"source", "/var/lib/ink"}, {"destination", "/x"}, {"options", {"bind"}}});
  EXPECT_NE(Refusal(bind_option).find("/var/lib/ink"), std::string::npos);
}

TEST(RuntimeGuard, AnonymousFileSystemsAndOtherTypesAreRefused) {
  Json config = StepConfig();
  config["mounts"].push_back(Bind("/var/tmp/buildah9/mnt/buildah-bind-target-25", "/x"));
  EXPECT_NE(Refusal(config).find("mounted nowhere on the host"), std::string::npos);
  Json overlay = StepConfig();
  overlay["mounts"].push_back({{"type", "overlay"}, {"source", "overlay"}, {"destination", "/x"}});
  EXPECT_NE(Refusal(overlay).find("type 'overlay'"), std::string::npos);
}

TEST(RuntimeGuard, RootNamespacesAndCapabilities) {
  Json root = StepConfig();
  root["root"]["path"] = "/";
  EXPECT_NE(Refusal(root).find("root file system /"), std::string::npos);
  Json host_net = StepConfig();
  host_net["linux"]["namespaces"].erase(1);
  EXPECT_NE(Refusal(host_net).find("no network namespace"), std::string::npos);
  Json join = StepConfig();
  join["linux"]["namespaces"][0]["path"] = "/proc/1/ns/pid";
  EXPECT_NE(Refusal(join).find("joining the pid namespace"), std::string::npos);
  Json netns = StepConfig();  // netavark's namespace files are fine
  netns["linux"]["namespaces"][1]["path"] = "/run/netns/netns-1234";
  EXPECT_TRUE(GuardBundleConfig(netns, Policy(), Context()).ok());
  netns["linux"]["namespaces"][1]["path"] = "/run/netns/../../proc/1/ns/net";
  EXPECT_FALSE(GuardBundleConfig(netns, Policy(), Context()).ok());
  Json privileged = StepConfig();
  privileged["process"]["capabilities"]["bounding"].push_back("CAP_SYS_ADMIN");
  EXPECT_NE(Refusal(privileged).find("CAP_SYS_ADMIN"), std::string::npos);
}

TEST(RuntimeGuard, HostPathOfUnescapesAndFollowsTheDevice) {
  auto mounts = ParseMountInfo(kMountInfo);
  EXPECT_EQ(*HostPathOf("/mnt/with space/a", mounts, "/var/tmp/buildah9"), "/mnt/with space/a");
  EXPECT_EQ(*HostPathOf("/var/tmp/buildah9/mnt/buildah-bind-target-4/app.js", mounts,
                        "/var/tmp/buildah9"),
            "/var/lib/ink/builds/work/dep1/src/app.js");
  EXPECT_EQ(
      *HostPathOf("/var/tmp/buildah9/mnt/buildah-bind-target-23", mounts, "/var/tmp/buildah9"),
      "/");
}

TEST(RuntimeGuard, PolicyRoundTripsAndInvocationIsSplit) {
  auto policy = RuntimeGuardPolicy::FromJson(Policy().ToJson());
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->allowed_sources, Policy().allowed_sources);
  EXPECT_FALSE(RuntimeGuardPolicy::FromJson(Json{{"runtime", 3}}).ok());

  auto create = ParseRuntimeInvocation({"--ink-guard=/g.json", "--root", "/run/crun", "create",
                                        "--bundle", "/var/tmp/b", "--pid-file", "/p", "name"});
  EXPECT_EQ(create.guard_file, "/g.json");
  EXPECT_EQ(create.subcommand, "create");
  EXPECT_EQ(create.bundle, "/var/tmp/b");
  EXPECT_EQ(create.args, (std::vector<std::string>{"--root", "/run/crun", "create", "--bundle",
                                                   "/var/tmp/b", "--pid-file", "/p", "name"}));
  auto run = ParseRuntimeInvocation({"run", "-b", "/b", "x"});
  EXPECT_EQ(run.bundle, "/b");
  EXPECT_EQ(ParseRuntimeInvocation({"run", "x"}).bundle, ".");
  auto state = ParseRuntimeInvocation({"--ink-guard", "/g", "state", "x"});
  EXPECT_EQ(state.subcommand, "state");
  EXPECT_EQ(state.args, (std::vector<std::string>{"state", "x"}));
  EXPECT_EQ(state.bundle, "");
}

}  // namespace
}  // namespace ink::build
