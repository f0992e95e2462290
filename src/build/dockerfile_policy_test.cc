#include "src/build/dockerfile_policy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ink/build/plan.h"
#include "src/build/dockerfile_parse.h"

namespace ink::build {
namespace {

DockerfilePolicy Policy(const std::string& workspace = "wsp_a") {
  DockerfilePolicy p;
  p.cache_namespace = "ink-" + workspace;
  p.secret_ids = {"ink-env"};
  p.resolve = [](const std::string& host) -> Result<std::vector<std::string>> {
    if (host == "mirror.example") return std::vector<std::string>{"203.0.113.80"};
    if (host == "internal.example") return std::vector<std::string>{"203.0.113.9", "10.1.2.3"};
    if (host == "metadata.example") return std::vector<std::string>{"169.254.169.254"};
    return NotFound("no such host");
  };
  p.host_addresses = {"198.51.100.7"};
  return p;
}

std::string Refusal(const std::string& text, const DockerfilePolicy& policy = Policy()) {
  auto r = CheckDockerfile(text, policy);
  EXPECT_FALSE(r.ok()) << "accepted:\n" << text << "\nas\n" << (r.ok() ? r->text : "");
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  return r.error().message;
}

CheckedDockerfile Accepted(const std::string& text, const DockerfilePolicy& policy = Policy()) {
  auto r = CheckDockerfile(text, policy);
  EXPECT_TRUE(r.ok()) << text << "\n--> " << r.error().message;
  return r.ok() ? *r : CheckedDockerfile{};
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

const std::string kFrom = "FROM localhost/ink/base:bookworm\n";

TEST(DockerfileParseTest, LogicalLinesAsBuildahSeesThem) {
  auto parsed = ParseDockerfile(
      "\xEF\xBB\xBF# a comment\n"
      "FROM x\r\n"
      "RUN --mount=type=cache,\\\n"
      "# a comment inside\n"
      "\n"
      "  target=/a echo \\\n"
      "  hi\n"
      "run  --mount=\"type=bind,source=a b\" 'x' y\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& in = parsed->instructions;
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in[0].command, "from");
  EXPECT_EQ(in[0].first_line, 2);
  EXPECT_EQ(in[1].command, "run");
  EXPECT_EQ(in[1].first_line, 3);
  EXPECT_EQ(in[1].last_line, 7);
  ASSERT_EQ(in[1].flags.size(), 1u);
  // The continued line keeps its indentation, so the flag ends at the comma (buildah then
  // refuses a mount without a target).
  EXPECT_EQ(in[1].flags[0], "--mount=type=cache,");
  EXPECT_EQ(in[1].args, "target=/a echo   hi");
  ASSERT_EQ(in[2].flags.size(), 1u);
  EXPECT_EQ(in[2].flags[0], "--mount=type=bind,source=a b");  // quotes removed, as buildah does
  EXPECT_EQ(in[2].args, "'x' y");
}

TEST(DockerfileParseTest, EscapeDirectiveOnlyFirst) {
  auto parsed = ParseDockerfile("# escape=`\nFROM x\nRUN a `\n  b\\\nRUN c\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->escape, '`');
  ASSERT_EQ(parsed->instructions.size(), 3u);
  EXPECT_EQ(parsed->instructions[1].args, "a   b\\");
  auto late = ParseDockerfile("FROM x\n# escape=`\nRUN a `\n  b\n");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->escape, '\\');
  EXPECT_EQ(late->instructions.size(), 3u);  // the backtick continues nothing
  EXPECT_FALSE(ParseDockerfile("# escape=x\nFROM x\n").ok());
}

TEST(DockerfilePolicyTest, TheCacheMountEscapeIsRefusedNamingLineAndOption) {
  std::string message = Refusal(kFrom +
                                "RUN --mount=type=cache,id=../../../../../../var/lib/ink,"
                                "target=/x cat /x/admin-token\n");
  EXPECT_HAS(message, "line 2");
  EXPECT_HAS(message, "id=../../../../../../var/lib/ink");
  EXPECT_HAS(message, "'..'");
  EXPECT_HAS(message, "id=npm");  // how to fix it
}

TEST(DockerfilePolicyTest, EveryWayOfWritingTheEscapeIsRefused) {
  for (std::string run : {
           "RUN --mount=type=cache,id=../x,target=/x true",
           "RUN --mount=\"type=cache,id=../x,target=/x\" true",
           "RUN --mount=type=cache,\"id=../x\",target=/x true",
           "RUN --mount=type=cache,id=\"../x\",target=/x true",
           "RUN --mount='type=cache,id=../x,target=/x' true",
           "RUN --mount=type=cache,id=\\.\\./x,target=/x true",
           "RUN --mount=type=cache,id=a/../../x,target=/x true",
           "RUN --mount=type=cache,id=/../x,target=/x true",
           "RUN --mount=type=cache,target=/x,id=ok,id=../x true",
           "RUN --mount=type=cache,target=/a --mount=id=../x,target=/x true",  // type carries
           "RUN --mount=type=bind,source=../../etc,target=/h true",
           "RUN --mount=type=bind,src=../../etc,dst=/h true",
           "RUN --mount=source=../..,target=/h true",  // bind is the default type
           "RUN --mount=type=cache,from=base,source=../../..,target=/h true",
           "RUN \\\n  --mount=type=cache,id=..\\\n/x,target=/x true",
       }) {
    std::string message = Refusal(kFrom + "FROM localhost/ink/base:bookworm AS base\n" + run);
    EXPECT_HAS(message, "'..'");
  }
}

TEST(DockerfilePolicyTest, VariablesQuotesAndEscapesLeftForBuildahAreRefused) {
  for (std::string run : {
           "ARG X=../x\nRUN --mount=type=cache,id=$X,target=/x true",
           "RUN --mount=type=cache,id=${X},target=/x true",
           "RUN --mount=type=cache,id='$X',target=/x true",
           "RUN --mount=type=cache,id=\"'a'\",target=/x true",
           "RUN --mount=type=cache,id=\\\\x,target=/x true",
           "RUN --mount=type=cache,\"id=a b\",target=/x true",
       }) {
    std::string message = Refusal(kFrom + run);
    EXPECT_HAS(message, "plainly");
  }
}

TEST(DockerfilePolicyTest, MountTypesAndOptions) {
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=ssh,target=/s true"), "ssh");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=secret,id=aws,target=/s true"), "ink-env");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=volume,target=/v true"), "not one of");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,target=/c,z true"), "option z");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=bind,target=/c,U true"), "option U");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=bind,target=/c,rshared true"), "rshared");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=bind,target=/c,bind-propagation=shared true"),
             "private");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,target=/c,sharing=locked true"),
             "sharing=shared");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,target=/c,ID=x true"), "option ID=x");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,id= true"), "needs a value");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,id=x true"), "no target");
  EXPECT_HAS(Refusal(kFrom + "RUN --network=none true"), "only --mount");
  auto ok = Accepted(kFrom +
                     "RUN --mount=type=secret,id=ink-env . /run/secrets/ink-env && true\n"
                     "RUN --mount=type=tmpfs,target=/t,tmpfs-size=64m true\n"
                     "RUN --mount=type=bind,source=/,target=/ctx,ro ls /ctx\n");
  EXPECT_HAS(ok.text, "--mount=type=bind,source=/,target=/ctx,ro ls /ctx");
}

TEST(DockerfilePolicyTest, CacheIdsArePerWorkspace) {
  std::string file = kFrom +
                     "RUN --mount=type=cache,target=/root/.npm npm ci\n"
                     "RUN --mount=type=cache,id=gomod,target=/go/pkg/mod \\\n"
                     "    --mount=type=cache,target=/root/.cache/go-build go build\n";
  auto a = Accepted(file, Policy("wsp_a"));
  auto b = Accepted(file, Policy("wsp_b"));
  EXPECT_HAS(a.text, "--mount=type=cache,target=/root/.npm,id=ink-wsp_a/root/.npm npm ci\n");
  EXPECT_HAS(a.text,
             "--mount=type=cache,id=ink-wsp_a/gomod,target=/go/pkg/mod "
             "--mount=type=cache,target=/root/.cache/go-build,"
             "id=ink-wsp_a/root/.cache/go-build go build\n");
  EXPECT_HAS(b.text, "id=ink-wsp_b/root/.npm");
  EXPECT_EQ(a.text.find("wsp_b"), std::string::npos);
  // Lines keep their numbers: the continued RUN becomes one line and an empty one.
  auto lines = ParseDockerfile(a.text);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->physical_lines.size(), 4u);
  EXPECT_EQ(lines->physical_lines[3], "");
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_HAS(a.notes[0], "lines 2, 3");
  // An absolute id is a name, not a host path.
  EXPECT_HAS(Accepted(kFrom + "RUN --mount=type=cache,id=/var/lib/ink,target=/x true").text,
             "id=ink-wsp_a/var/lib/ink,");
  // A file without mounts is given to buildah byte for byte.
  std::string plain = kFrom + "RUN echo hi \\\n  there\r\n";
  EXPECT_EQ(Accepted(plain).text, plain);
}

TEST(DockerfilePolicyTest, EveryGeneratedContainerfilePasses) {
  // The node plan's Containerfile, as the pipeline renders it (cache mounts included).
  std::string dir = std::string(INK_SOURCE_DIR) + "/test/fixtures/apps";
  int checked_files = 0;
  for (const auto& app : std::filesystem::directory_iterator(dir)) {
    auto plan = DetectPlan(app.path().string(), {});
    if (!plan.ok()) continue;
    auto rendered = RenderContainerfile(*plan);
    if (!rendered.ok()) continue;
    ++checked_files;
    auto checked = CheckDockerfile(*rendered, Policy());
    EXPECT_TRUE(checked.ok()) << app.path() << ": " << checked.error().message;
    if (checked.ok() && rendered->find("type=cache") != std::string::npos) {
      EXPECT_HAS(checked->text, "id=ink-wsp_a/");
    }
  }
  EXPECT_GE(checked_files, 8);
}

TEST(DockerfilePolicyTest, FromNamesEarlierStagesOrImagesOnly) {
  auto ok = Accepted(
      "ARG BASE=localhost/ink/base:bookworm\n"
      "ARG TAG\n"
      "FROM ${BASE} AS build\n"
      "FROM 127.0.0.1:5000/team/tool:1${TAG:+-x} AS tool\n"
      "FROM build\n"
      "RUN --mount=type=bind,from=tool,source=/bin,target=/t ls /t\n"
      "RUN --mount=type=bind,from=registry.example.com/x/y:2,target=/y ls /y\n"
      "RUN --mount=type=cache,from=build,source=/root,target=/r ls /r\n"
      "COPY --from=0 /etc/hostname /h\n"
      "COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/\n");
  EXPECT_EQ(ok.images, (std::vector<std::string>{
                           "localhost/ink/base:bookworm", "127.0.0.1:5000/team/tool:1",
                           "registry.example.com/x/y:2", "docker.io/library/busybox:1.36"}));
  EXPECT_HAS(Refusal("FROM $NOPE\n"), "no ARG");
  EXPECT_HAS(Refusal("FROM 90e2417dacf6\n"), "image id");
  EXPECT_HAS(
      Refusal("FROM sha256:90e2417dacf67189f015afd7e173f53edb33eb8f3dfb39d8aa4719a0ac62b936\n"),
      "image id");
  EXPECT_HAS(Refusal("FROM localhost/ink/build/svc_x:dep_y\n"), "other workspaces");
  EXPECT_HAS(Refusal("FROM ink/build/svc_x:dep_y\n"), "other workspaces");
  EXPECT_HAS(Refusal("FROM localhost/anything\n"), "local image");
  EXPECT_HAS(Refusal(kFrom + "COPY --from=localhost/ink/build/svc_x:1 /app /app\n"),
             "other workspaces");
  EXPECT_HAS(Refusal(kFrom + "COPY --from=/etc /passwd /x\n"), "path");
  EXPECT_HAS(Refusal(kFrom + "COPY --from=1 /a /b\n"), "no earlier stage");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=cache,from=localhost/ink/base:bookworm,target=/x "
                             "true\n"),
             "earlier build stage");
  EXPECT_HAS(Refusal("FROM localhost/ink/base:bookworm AS me\n"
                     "RUN --mount=type=bind,from=me,target=/x true\n"),
             "the stage it is in");
  EXPECT_HAS(Refusal(kFrom + "RUN --mount=type=bind,from=90e2417dacf6,target=/x true\n"),
             "image id");
  EXPECT_TRUE(Accepted("FROM scratch\nCOPY a /a\n").images.empty());
}

TEST(DockerfilePolicyTest, CopyAndAddStayInsideTheContext) {
  std::string dir = ::testing::TempDir() + "/ink-dockerfile-policy-ctx";
  std::filesystem::create_directories(dir + "/etc");
  std::ofstream(dir + "/etc/app.conf") << "x";
  DockerfilePolicy policy = Policy();
  policy.context_dir = dir;
  EXPECT_HAS(Refusal(kFrom + "COPY ../secret /s\n", policy), "climbs out");
  EXPECT_HAS(Refusal(kFrom + "COPY [\"a/../../x\", \"/x\"]\n", policy), "climbs out");
  EXPECT_HAS(Refusal(kFrom + "ADD /etc/passwd /p\n", policy), "outside the build context");
  Accepted(kFrom + kFrom + "COPY /etc/app.conf /etc/\nCOPY --from=0 /../../etc/passwd /p\n",
           policy);
  EXPECT_HAS(Refusal(kFrom + "COPY http://mirror.example/x /x\n", policy), "cannot fetch");
  Accepted(kFrom + "ADD https://mirror.example/pkg.tar.gz /tmp/\n", policy);
  for (std::string url :
       {"http://127.0.0.1:7070/v1/health", "http://169.254.169.254/latest/", "http://[::1]/",
        "http://localhost.invalid/", "http://10.89.0.5/", "http://metadata.example/",
        "http://internal.example/", "http://198.51.100.7:8080/", "http://user@[fd00::1]:80/x",
        "http://0x7f000001/"}) {
    std::string message = Refusal(kFrom + "ADD " + url + " /x\n", policy);
    EXPECT_TRUE(message.find("not a public address") != std::string::npos ||
                message.find("cannot resolve") != std::string::npos)
        << url << ": " << message;
  }
  EXPECT_HAS(Refusal(kFrom + "ARG U=http://127.0.0.1/\nADD $U /x\n", policy), "without variables");
  policy.resolve = nullptr;
  EXPECT_HAS(Refusal(kFrom + "ADD https://mirror.example/x /x\n", policy), "RUN step");
  std::filesystem::remove_all(dir);
}

TEST(DockerfilePolicyTest, OtherInstructions) {
  EXPECT_HAS(Refusal(kFrom + "FROBNICATE x\n"), "not a Dockerfile instruction");
  EXPECT_HAS(Refusal(kFrom + "\xC2\xA0RUN true\nRUN\xC2\xA0true\n"),
             "not a Dockerfile instruction");
  EXPECT_HAS(Refusal(kFrom + "ONBUILD RUN --mount=type=cache,id=../x,target=/x true\n"),
             "triggers with flags");
  EXPECT_HAS(Refusal(kFrom + "ENV --x=1 A=b\n"), "takes no flags");
  EXPECT_HAS(Refusal("RUN true\n"), "before the first FROM");
  Accepted(kFrom + "ONBUILD RUN echo later\nHEALTHCHECK --interval=5s CMD true\n");
}

TEST(DockerfilePolicyTest, PublicAddresses) {
  for (const char* a : {"203.0.113.80", "8.8.8.8", "2001:4860::8888", "151.101.2.132"}) {
    EXPECT_TRUE(IsPublicAddress(a)) << a;
  }
  for (const char* a :
       {"127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "nonsense"}) {
    EXPECT_FALSE(IsPublicAddress(a)) << a;
  }
}

TEST(DockerfilePolicyTest, DebianBookwormIsBuiltFromInksBaseImageAndTheLogSaysSo) {
  DockerfilePolicy policy = Policy();
  policy.image_aliases = DebianBookwormAliases("localhost/ink/base:bookworm");
  auto checked = Accepted(
      "FROM docker.io/library/debian:bookworm-slim AS build\n"
      "RUN apt-get update\n"
      "FROM --platform=linux/amd64 debian:12\n"
      "COPY --from=build /etc/hostname /x\n"
      "FROM debian:bullseye\n",
      policy);
  EXPECT_NE(checked.text.find("FROM localhost/ink/base:bookworm AS build\n"), std::string::npos)
      << checked.text;
  EXPECT_NE(checked.text.find("FROM --platform=linux/amd64 localhost/ink/base:bookworm\n"),
            std::string::npos)
      << checked.text;
  EXPECT_NE(checked.text.find("FROM debian:bullseye\n"), std::string::npos);  // not bookworm
  EXPECT_EQ(checked.images,
            (std::vector<std::string>{"localhost/ink/base:bookworm", "debian:bullseye"}));
  ASSERT_GE(checked.notes.size(), 2u);
  EXPECT_NE(checked.notes[0].find("line 1: FROM docker.io/library/debian:bookworm-slim is built "
                                  "from localhost/ink/base:bookworm"),
            std::string::npos)
      << checked.notes[0];
  // Without aliases (a host that reaches a registry) nothing changes.
  auto plain = Accepted("FROM debian:bookworm\n");
  EXPECT_EQ(plain.text, "FROM debian:bookworm\n");
  EXPECT_TRUE(plain.notes.empty());
}

TEST(DockerfilePolicyTest, AnImageThatCannotBePulledSaysWhatToDo) {
  std::string hint = PullFailureHint(
      "Error: creating build container: initializing source docker://node:20: pinging container "
      "registry registry-1.docker.io: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup "
      "registry-1.docker.io: no such host");
  EXPECT_NE(hint.find("FROM debian:bookworm"), std::string::npos) << hint;
  EXPECT_NE(hint.find("ink registry login"), std::string::npos) << hint;
  EXPECT_EQ(PullFailureHint("STEP 3/4: RUN make\nmake: *** [all] Error 2"), "");
}

}  // namespace
}  // namespace ink::build
