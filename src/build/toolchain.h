// The toolchains Ink's build plans take from Debian bookworm (what `apt-cache policy` shows in
// the base image's sources), and helpers to compare a project's version requirement with them.
// A provider whose requirement exceeds Debian's says so in a warning or an error.
//
// Why Debian packages and no toolchain images: each provider's Containerfile starts with the
// same lines (FROM localhost/ink/base:bookworm, the CA ARGs, `apt-get install <toolchain>`), so
// buildah's layer cache turns that prefix into a shared toolchain layer after the first build of
// any app of that language — without a second set of images to build, tag and garbage-collect.
// Internal to ink_build; constants and pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ink::build {

// The image every build stage and runtime stage starts from (Debian minbase + ca-certificates).
inline constexpr const char* kBaseImage = "localhost/ink/base:bookworm";
// Where the pipeline mounts the host's CA bundle during RUN steps (never baked in).
inline constexpr const char* kHostCaPath = "/etc/ink/host-ca.crt";

struct DebianVersion {
  int major;
  int minor;
};

// Versions in bookworm (checked with apt-cache policy in localhost/ink/base:bookworm).
inline constexpr DebianVersion kDebianNode{18, 20};  // nodejs 18.20.4, npm 9.2
// Go comes from bookworm-backports (golang-1.23-go 1.23.5): bookworm's own 1.19 cannot read
// the go.mod of any module made with Go >= 1.21 ("go 1.22.3", toolchain lines).
inline constexpr DebianVersion kDebianGo{1, 23};
inline constexpr const char* kGoPackage = "golang-1.23-go/bookworm-backports";
inline constexpr const char* kGoBin = "/usr/lib/go-1.23/bin";
inline constexpr DebianVersion kDebianPython{3, 11};  // python3 3.11.2
inline constexpr DebianVersion kDebianRust{1, 85};    // rustc-web, cargo-web 1.85
inline constexpr DebianVersion kDebianJava{17, 0};    // openjdk-17
inline constexpr DebianVersion kDebianRuby{3, 1};     // ruby 3.1
inline constexpr DebianVersion kDebianPhp{8, 2};      // php 8.2
inline constexpr DebianVersion kDebianGradle{4, 4};   // gradle 4.4.1 (too old for most builds)

// "1.22" / "1.22.3" / "v20" → {1,22} / {1,22} / {20,0}; nullopt if it does not start with a
// number.
std::optional<DebianVersion> ParseVersion(const std::string& text);

// True if a > b.
bool Newer(const DebianVersion& a, const DebianVersion& b);

// The lowest version a semver-like range allows, from its first lower bound: ">=20" → 20.0,
// "^18.17.0" → 18.17, "20.x" → 20.0, "18 || 20" → 18.0; nullopt for ranges without a lower
// bound ("*", "<21"). A heuristic: good enough to warn, never used to refuse a build.
std::optional<DebianVersion> MinimumOfRange(const std::string& range);

std::string ToString(const DebianVersion& version);

}  // namespace ink::build
