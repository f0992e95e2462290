// Image references and ADD URLs for the Dockerfile policy (dockerfile_policy.h): which images
// a build may name, which addresses an ADD <url> may reach, and the ARG expansion FROM needs.
#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "ink/common/image_reference.h"
#include "src/build/dockerfile_policy.h"
#include "src/build/dockerfile_policy_internal.h"

namespace ink::build {
namespace {

bool AllHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool InV4(uint32_t ip, const char* net, int bits) {
  in_addr a{};
  ::inet_pton(AF_INET, net, &a);
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ip & mask) == (ntohl(a.s_addr) & mask);
}

bool PublicV4(uint32_t ip) {
  static const std::pair<const char*, int> kNotPublic[] = {
      {"0.0.0.0", 8},      {"10.0.0.0", 8},    {"100.64.0.0", 10}, {"127.0.0.0", 8},
      {"169.254.0.0", 16}, {"172.16.0.0", 12}, {"192.0.0.0", 24},  {"192.168.0.0", 16},
      {"198.18.0.0", 15},  {"224.0.0.0", 4},   {"240.0.0.0", 4}};
  for (const auto& [net, bits] : kNotPublic) {
    if (InV4(ip, net, bits)) return false;
  }
  return true;
}

}  // namespace

bool IsPublicAddress(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return PublicV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
  const uint8_t* b = v6.s6_addr;
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if ((b[0] & 0xfe) == 0xfc) return false;                                         // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;                         // fe80::/10
  if (b[0] == 0xff) return false;                                                  // multicast
  bool mapped = std::memcmp(b, kZero, 10) == 0 && b[10] == 0xff && b[11] == 0xff;  // ::ffff:v4
  bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
               std::memcmp(b + 4, kZero, 8) == 0;  // 64:ff9b::/96
  bool compat = std::memcmp(b, kZero, 12) == 0;    // ::v4 (deprecated)
  if (mapped || nat64 || compat) {
    uint32_t ip =
        (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return PublicV4(ip);
  }
  return true;
}

std::string ImageReferenceProblem(const std::string& ref, const DockerfilePolicy& policy) {
  if (ref.empty()) return "it is empty";
  for (char c : ref) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
              c == '/' || c == ':' || c == '@';
    if (!ok) return "it has a character an image reference cannot have";
  }
  if (ref.front() == '/' || ref.front() == '.' || ref.front() == '-' || ref.front() == ':' ||
      ref.find("..") != std::string::npos || ref.find("//") != std::string::npos) {
    return "it is a path, not an image reference";
  }
  // An image id, or a prefix of one: podman would use whatever local image has that id.
  std::string name = ref.substr(0, ref.find('@'));
  if (ref.rfind("sha256:", 0) == 0 || (name.find('/') == std::string::npos &&
                                       name.find(':') == std::string::npos && AllHex(name))) {
    return "it looks like an image id, which could name any image on this host; name the image "
           "by its registry reference (e.g. registry.example.com/team/app:1)";
  }
  // Images without a registry: "localhost/x" and short names, which podman also looks up as
  // "localhost/<name>" in the local store, where Ink keeps every workspace's builds.
  auto parsed = ParseImageReference(ref);
  if (!parsed.ok()) return "it is not an image reference (" + parsed.error().message + ")";
  std::string local = parsed->registry == "localhost" ? ref
                      : parsed->registry.empty()      ? "localhost/" + ref
                                                      : "";
  if (local.empty()) return "";
  for (const auto& prefix : policy.local_image_prefixes) {
    if (local.rfind(prefix, 0) == 0) return "";
  }
  if (parsed->registry == "localhost" || local.rfind("localhost/ink/", 0) == 0) {
    return "it names a local image of this host (" + local +
           "), which holds other workspaces' builds; name a registry image or Ink's base "
           "image localhost/ink/base:bookworm";
  }
  return "";
}

std::vector<DockerfilePolicy::Alias> DebianBookwormAliases(const std::string& base_image) {
  std::vector<DockerfilePolicy::Alias> aliases;
  for (const char* name :
       {"debian:bookworm", "debian:12", "debian:bookworm-slim", "debian:12-slim"}) {
    aliases.push_back({name, base_image,
                       "Ink's own Debian bookworm image, made from Debian's packages on this "
                       "host; this host reaches no container registry"});
  }
  return aliases;
}

// When podman could not get an image the Containerfile names, what to do instead: the host may
// reach no registry, and Ink's own Debian base image is always there.
std::string PullFailureHint(const std::string& tail) {
  static const char* kPullFailures[] = {"pinging container registry",
                                        "initializing source",
                                        "did not resolve to an alias",
                                        "manifest unknown",
                                        "requested access to the resource is denied",
                                        "unauthorized: authentication required"};
  bool pull = false;
  for (const char* phrase : kPullFailures) pull = pull || tail.find(phrase) != std::string::npos;
  if (!pull) return "";
  return "; an image the Dockerfile names could not be pulled (see the lines above). This host "
         "may reach no container registry: build FROM debian:bookworm (Ink's own Debian base "
         "image stands in for it) and install what you need with apt-get, or, for a private "
         "registry, run `ink registry login HOST` first";
}

Result<std::string> ExpandArgs(const std::string& word,
                               const std::vector<std::pair<std::string, std::string>>& args,
                               int line) {
  auto lookup = [&](const std::string& name, bool& found) {
    for (auto it = args.rbegin(); it != args.rend(); ++it) {
      if (it->first == name) {
        found = true;
        return it->second;
      }
    }
    found = false;
    return std::string();
  };
  auto refuse = [&](const std::string& why) {
    return InvalidArgument("Dockerfile line " + std::to_string(line) + ": " + word + ": " + why);
  };
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (quote == '\'' && c != '\'') {
      out.push_back(c);
      continue;
    }
    if (c == '\'' || c == '"') {
      if (quote == c) {
        quote = 0;
        continue;
      }
      if (quote == 0) {
        quote = c;
        continue;
      }
    }
    if (c == '\\' && i + 1 < word.size()) {
      out.push_back(word[++i]);
      continue;
    }
    if (c != '$') {
      out.push_back(c);
      continue;
    }
    std::string name, op, alternative;
    if (i + 1 < word.size() && word[i + 1] == '{') {
      size_t close = word.find('}', i + 2);
      if (close == std::string::npos) return refuse("an unclosed ${");
      std::string inner = word.substr(i + 2, close - i - 2);
      size_t n = 0;
      while (n < inner.size() &&
             (std::isalnum(static_cast<unsigned char>(inner[n])) || inner[n] == '_')) {
        ++n;
      }
      name = inner.substr(0, n);
      if (n < inner.size()) {
        op = inner.substr(n, 2);
        if (op != ":-" && op != ":+") {
          return refuse(
              "only $NAME, ${NAME}, ${NAME:-default} and ${NAME:+word} are "
              "understood here");
        }
        alternative = inner.substr(n + 2);
        if (alternative.find_first_of("$'\"\\") != std::string::npos) {
          return refuse("a nested expansion or quote inside ${...}; write the value out");
        }
      }
      i = close;
    } else {
      size_t n = i + 1;
      while (n < word.size() &&
             (std::isalnum(static_cast<unsigned char>(word[n])) || word[n] == '_')) {
        ++n;
      }
      name = word.substr(i + 1, n - i - 1);
      i = n - 1;
    }
    if (name.empty()) return refuse("a '$' that names no ARG");
    bool found = false;
    std::string value = lookup(name, found);
    if (op == ":-") {
      out += value.empty() ? alternative : value;
    } else if (op == ":+") {
      out += value.empty() ? "" : alternative;
    } else {
      if (!found) {
        return refuse("$" + name + " is no ARG declared before it; declare ARG " + name +
                      "=<value> first (Ink passes no --build-arg)");
      }
      out += value;
    }
  }
  if (quote != 0) return refuse("an unclosed quote");
  return out;
}

}  // namespace ink::build
