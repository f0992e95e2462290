#include "ink/common/image_reference.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

// "registry|repository|tag|digest" of `text`, or its error message.
std::string Parts(const char* text) {
  auto ref = ParseImageReference(text);
  if (!ref.ok()) return ref.error().message;
  return ref->registry + "|" + ref->repository + "|" + ref->tag + "|" + ref->digest;
}

TEST(ParseImageReference, SplitsRegistryRepositoryTagAndDigest) {
  EXPECT_EQ(Parts("ghcr.io/acme/web:1.4"), "ghcr.io|acme/web|1.4|");
  EXPECT_EQ(Parts("127.0.0.1:5000/app@sha256:abcdef0123"), "127.0.0.1:5000|app||sha256:abcdef0123");
  EXPECT_EQ(Parts("registry.example.com:5000/team/app:2@sha256:00ff"),
            "registry.example.com:5000|team/app|2|sha256:00ff");
  EXPECT_EQ(Parts("debian"), "|debian||");
  EXPECT_EQ(Parts("docker.io/library/debian:12"), "docker.io|library/debian|12|");
}

TEST(ParseImageReference, AFirstComponentIsARegistryOnlyWithADotAPortOrLocalhost) {
  EXPECT_EQ(RegistryHostOf("debian:12"), "");
  EXPECT_EQ(RegistryHostOf("debian"), "");
  EXPECT_EQ(RegistryHostOf("team/app:1"), "");  // a Docker Hub user, not a host
  EXPECT_EQ(RegistryHostOf("library/debian:12"), "");
  EXPECT_EQ(RegistryHostOf("docker.io/library/debian:12"), "docker.io");
  EXPECT_EQ(RegistryHostOf("localhost/ink/base:bookworm"), "localhost");
  EXPECT_EQ(RegistryHostOf("localhost:5000/app"), "localhost:5000");
  EXPECT_EQ(RegistryHostOf("127.0.0.1:5000/you/app:latest"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryHostOf("[::1]:5000/app"), "");  // brackets are not reference characters
  EXPECT_EQ(RegistryHostOf("not a reference"), "");
}

TEST(ParseImageReference, PullsOfReferencesWithoutARegistryGoToDockerHub) {
  EXPECT_EQ(PullRegistryOf("debian:12"), "docker.io");
  EXPECT_EQ(PullRegistryOf("me/app"), "docker.io");
  EXPECT_EQ(PullRegistryOf("docker.io/library/debian:12"), "docker.io");
  EXPECT_EQ(PullRegistryOf("index.docker.io/library/debian:12"), "docker.io");
  EXPECT_EQ(PullRegistryOf("registry-1.docker.io/me/app"), "docker.io");
  EXPECT_EQ(PullRegistryOf("ghcr.io/acme/web"), "ghcr.io");
  EXPECT_EQ(PullRegistryOf("127.0.0.1:5000/app:1"), "127.0.0.1:5000");
  EXPECT_EQ(PullRegistryOf("localhost/x"), "localhost");
}

TEST(ParseImageReference, LocalOnlyMeansNoRegistryOrLocalhost) {
  EXPECT_TRUE(ParseImageReference("myapp:1")->LocalOnly());
  EXPECT_TRUE(ParseImageReference("localhost/ink/build/svc_1:dep_1")->LocalOnly());
  EXPECT_FALSE(ParseImageReference("localhost:5000/app")->LocalOnly());
  EXPECT_FALSE(ParseImageReference("docker.io/library/debian")->LocalOnly());
}

TEST(ParseImageReference, RefusesWhatNoRegistryAccepts) {
  for (const char* bad :
       {"", "a b", "--upload-pack=x", "-x", "/abs", "./rel", "ghcr.io/../etc", "ghcr.io//app",
        "app:", "app/", "app@", "app@sha256", "ghcr.io/", "app:@sha256:00", "a;b",
        "ghcr.io/Acme/Web:1", "UPPER/case::bad", "ghcr.io/app::1", "ghcr.io/a:b/c"}) {
    auto ref = ParseImageReference(bad);
    EXPECT_FALSE(ref.ok()) << "accepted '" << bad << "'";
    if (!ref.ok()) {
      EXPECT_EQ(ref.error().code, ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseImageReference(std::string(513, 'a')).ok());
  EXPECT_TRUE(ParseImageReference(std::string(512, 'a')).ok());
}

TEST(ParseImageReference, MessagesSayWhatIsWrongAndGiveAnExample) {
  EXPECT_NE(ParseImageReference("").error().message.find("registry.example.com/team/app:1.2"),
            std::string::npos);
  EXPECT_NE(ParseImageReference("ghcr.io/Acme/Web").error().message.find("uppercase"),
            std::string::npos);
  EXPECT_NE(ParseImageReference("a b").error().message.find("contains ' '"), std::string::npos);
  // A long reference is quoted only in part.
  std::string message = ParseImageReference(std::string(300, 'a') + " ").error().message;
  EXPECT_LT(message.size(), 250u) << message;
}

TEST(NormalizeImageReference, DockerHubSpellingsOfOneImageAreOneName) {
  EXPECT_EQ(NormalizeImageReference("debian:12"), "debian:12");
  EXPECT_EQ(NormalizeImageReference("docker.io/library/debian:12"), "debian:12");
  EXPECT_EQ(NormalizeImageReference("index.docker.io/library/debian:12"), "debian:12");
  EXPECT_EQ(NormalizeImageReference("registry-1.docker.io/library/debian:12"), "debian:12");
  EXPECT_EQ(NormalizeImageReference("library/debian:12"), "debian:12");
  EXPECT_EQ(NormalizeImageReference("docker.io/me/app"), "me/app:latest");
  EXPECT_EQ(NormalizeImageReference("debian"), "debian:latest");
  EXPECT_EQ(NormalizeImageReference("registry.example:5000/team/app"),
            "registry.example:5000/team/app:latest");
  EXPECT_EQ(NormalizeImageReference("localhost:5000/library/app:1"),
            "localhost:5000/library/app:1");  // only Docker Hub has a library/ namespace
  EXPECT_EQ(NormalizeImageReference("debian@sha256:abc"), "debian@sha256:abc");
  EXPECT_EQ(NormalizeImageReference("docker.io/library/debian:12@sha256:abc"),
            "debian:12@sha256:abc");
}

TEST(ValidateRegistryHost, TakesHostAndPortOnly) {
  EXPECT_TRUE(ValidateRegistryHost("ghcr.io").ok());
  EXPECT_TRUE(ValidateRegistryHost("127.0.0.1:5000").ok());
  EXPECT_TRUE(ValidateRegistryHost("[::1]:5000").ok());
  for (const char* bad : {"", "-x", ".x", "ghcr.io/acme", "a b", "https://ghcr.io"}) {
    EXPECT_FALSE(ValidateRegistryHost(bad).ok()) << bad;
  }
  EXPECT_NE(ValidateRegistryHost("a/b").error().message.find("host[:port]"), std::string::npos);
}

TEST(CanonicalRegistryHost, DockerHubHasOneName) {
  EXPECT_EQ(CanonicalRegistryHost("index.docker.io"), "docker.io");
  EXPECT_EQ(CanonicalRegistryHost("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(CanonicalRegistryHost("docker.io"), "docker.io");
  EXPECT_EQ(CanonicalRegistryHost("ghcr.io"), "ghcr.io");
  // Stored credentials and pulls meet under the same name.
  EXPECT_EQ(PullRegistryOf("index.docker.io/me/app"), CanonicalRegistryHost("index.docker.io"));
}

TEST(IsLoopbackRegistry, OnlyThisHostsLoopback) {
  EXPECT_TRUE(IsLoopbackRegistry("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackRegistry("127.1.2.3:443"));
  EXPECT_TRUE(IsLoopbackRegistry("localhost:5000"));
  EXPECT_TRUE(IsLoopbackRegistry("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackRegistry("ghcr.io"));
  EXPECT_FALSE(IsLoopbackRegistry("127.example.com"));  // a name, not an address
  EXPECT_FALSE(IsLoopbackRegistry("localhost.example.com"));
  EXPECT_FALSE(IsLoopbackRegistry("docker.io"));
}

}  // namespace
}  // namespace ink
