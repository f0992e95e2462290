#include "src/build/runtime_guard.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>

namespace ink::build {
namespace {

// Capabilities that act beyond the step's own namespaces (mounts, modules, raw devices, other
// processes, the host's clock, network configuration); buildah's default set has none of them,
// RUN --security=insecure would.
const std::set<std::string> kForbiddenCapabilities = {"CAP_SYS_ADMIN",
                                                      "CAP_SYS_MODULE",
                                                      "CAP_SYS_RAWIO",
                                                      "CAP_SYS_PTRACE",
                                                      "CAP_SYS_BOOT",
                                                      "CAP_SYS_TIME",
                                                      "CAP_NET_ADMIN",
                                                      "CAP_DAC_READ_SEARCH",
                                                      "CAP_MAC_ADMIN",
                                                      "CAP_MAC_OVERRIDE",
                                                      "CAP_BPF",
                                                      "CAP_PERFMON",
                                                      "CAP_SYSLOG",
                                                      "CAP_SYS_RESOURCE",
                                                      "CAP_LINUX_IMMUTABLE",
                                                      "CAP_WAKE_ALARM",
                                                      "CAP_BLOCK_SUSPEND",
                                                      "CAP_AUDIT_CONTROL",
                                                      "CAP_SYS_NICE",
                                                      "CAP_IPC_LOCK"};
// File systems a step may mount that carry no host path: each is the step's own instance.
const std::set<std::string> kVirtualFilesystems = {"proc",   "sysfs",  "tmpfs",   "devpts",
                                                   "mqueue", "cgroup", "cgroup2", "shm"};
const std::set<std::string> kRequiredNamespaces = {"mount", "pid", "ipc", "uts", "network"};

bool Under(const std::string& path, const std::string& dir) {
  if (dir == "/") return !path.empty() && path.front() == '/';
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// `path` below `dir` ("/a/b", "/a" → "/b"; equal → "").
std::string Below(const std::string& path, const std::string& dir) {
  return dir == "/" ? path : path.substr(dir.size());
}

std::string Join(const std::string& dir, const std::string& rest) {
  if (rest.empty()) return dir;
  return dir == "/" ? rest : dir + rest;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      std::string digits = field.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>(std::stoi(digits, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool Allowed(const std::string& path, const std::vector<std::string>& allowed,
             const RealPath& realpath) {
  for (const auto& entry : allowed) {
    if (entry.empty() || entry.front() != '/') continue;
    auto real = realpath(entry);
    if (Under(path, real.ok() ? *real : entry)) return true;
  }
  return false;
}

bool IsBind(const Json& mount) {
  if (mount.value("type", "") == "bind") return true;
  if (mount.contains("options") && mount["options"].is_array()) {
    for (const auto& option : mount["options"]) {
      if (option.is_string() && (option == "bind" || option == "rbind")) return true;
    }
  }
  return false;
}

Error Refused(const std::string& what) {
  return PermissionDenied("refused this build step: " + what +
                          " (Ink's builds may not reach the host; see docs/BUILDS.md)");
}

Status CheckMounts(const Json& config, const RuntimeGuardPolicy& policy,
                   const GuardContext& context) {
  if (!config.contains("mounts")) return {};
  if (!config["mounts"].is_array()) return Refused("config.json has a malformed mounts list");
  std::vector<std::string> allowed = policy.allowed_sources;
  allowed.push_back(context.bundle);
  for (const auto& mount : config["mounts"]) {
    if (!mount.is_object()) return Refused("config.json has a malformed mount");
    std::string destination = mount.value("destination", "");
    std::string source = mount.value("source", "");
    if (!IsBind(mount)) {
      std::string type = mount.value("type", "");
      if (!kVirtualFilesystems.count(type)) {
        return Refused("mount of type '" + type + "' at " + destination);
      }
      continue;
    }
    if (source.empty() || source.front() != '/') {
      return Refused("bind mount at " + destination + " from a relative source '" + source + "'");
    }
    auto resolved = context.realpath(source);
    if (!resolved.ok()) {
      return Refused("bind mount at " + destination + " from " + source +
                     ", which cannot be resolved: " + resolved.error().message);
    }
    auto host = HostPathOf(*resolved, context.mounts, context.bundle);
    if (!host.ok()) {
      return Refused("bind mount at " + destination + ": " + host.error().message);
    }
    if (!Allowed(*host, allowed, context.realpath)) {
      return Refused("bind mount of host path " + *host + " at " + destination);
    }
  }
  return {};
}

Status CheckRoot(const Json& config, const RuntimeGuardPolicy& policy,
                 const GuardContext& context) {
  std::string root =
      config.contains("root") && config["root"].is_object() ? config["root"].value("path", "") : "";
  if (root.empty() || root.front() != '/') return Refused("root file system '" + root + "'");
  auto resolved = context.realpath(root);
  if (!resolved.ok()) return Refused("root file system " + root + " cannot be resolved");
  std::vector<std::string> allowed = policy.allowed_roots;
  allowed.push_back(context.bundle);
  if (!Allowed(*resolved, allowed, context.realpath)) {
    return Refused("root file system " + *resolved + " outside containers' storage");
  }
  return {};
}

Status CheckNamespaces(const Json& config) {
  const Json* list = nullptr;
  if (config.contains("linux") && config["linux"].contains("namespaces")) {
    list = &config["linux"]["namespaces"];
  }
  if (list == nullptr || !list->is_array()) return Refused("no namespaces in config.json");
  std::set<std::string> seen;
  for (const auto& ns : *list) {
    if (!ns.is_object()) return Refused("a malformed namespace entry");
    std::string type = ns.value("type", "");
    std::string path = ns.value("path", "");
    if (!path.empty()) {
      bool netavark = type == "network" &&
                      (path.starts_with("/run/netns/") || path.starts_with("/var/run/netns/")) &&
                      path.find("/..") == std::string::npos;
      if (!netavark) return Refused("joining the " + type + " namespace " + path);
    }
    seen.insert(type);
  }
  for (const auto& required : kRequiredNamespaces) {
    if (!seen.count(required)) return Refused("no " + required + " namespace of its own (host's)");
  }
  return {};
}

Status CheckCapabilities(const Json& config) {
  if (!config.contains("process") || !config["process"].contains("capabilities")) return {};
  const Json& sets = config["process"]["capabilities"];
  if (!sets.is_object()) return Refused("malformed capabilities");
  for (const auto& [set, caps] : sets.items()) {
    if (!caps.is_array()) return Refused("malformed capability set " + set);
    for (const auto& cap : caps) {
      if (!cap.is_string() || kForbiddenCapabilities.count(cap.get<std::string>())) {
        return Refused("capability " + (cap.is_string() ? cap.get<std::string>() : "?") +
                       " (in the " + set + " set)");
      }
    }
  }
  return {};
}

}  // namespace

Json RuntimeGuardPolicy::ToJson() const {
  return {{"runtime", runtime},
          {"allowed_sources", allowed_sources},
          {"allowed_roots", allowed_roots},
          {"pids_limit", pids_limit}};
}

Result<RuntimeGuardPolicy> RuntimeGuardPolicy::FromJson(const Json& json) {
  RuntimeGuardPolicy policy;
  try {
    policy.runtime = json.at("runtime").get<std::string>();
    policy.allowed_sources = json.at("allowed_sources").get<std::vector<std::string>>();
    policy.allowed_roots = json.at("allowed_roots").get<std::vector<std::string>>();
    policy.pids_limit = json.value("pids_limit", int64_t{0});
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed build runtime policy: ") + e.what());
  }
  if (policy.runtime.empty()) return InvalidArgument("the build runtime policy names no runtime");
  return policy;
}

Result<std::string> SystemRealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) return NotFound(path + " does not exist");
  return std::string(buffer);
}

std::vector<MountEntry> ParseMountInfo(const std::string& text) {
  std::vector<MountEntry> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> fields;
    std::string field;
    for (size_t i = start; i < end; ++i) {
      if (text[i] == ' ') {
        fields.push_back(field);
        field.clear();
      } else {
        field.push_back(text[i]);
      }
    }
    fields.push_back(field);
    start = end + 1;
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 7 || dash == fields.end() || dash + 1 == fields.end()) continue;
    out.push_back({fields[2], Unescape(fields[3]), Unescape(fields[4]), *(dash + 1)});
  }
  return out;
}

Result<std::string> HostPathOf(const std::string& path, const std::vector<MountEntry>& mounts,
                               const std::string& bundle) {
  const MountEntry* here = nullptr;  // the mount `path` is in: longest mount point, last wins
  for (const auto& m : mounts) {
    if (Under(path, m.mountpoint) && (!here || m.mountpoint.size() >= here->mountpoint.size())) {
      here = &m;
    }
  }
  if (here == nullptr) return NotFound("no mount holds " + path);
  if (bundle.empty() || !Under(here->mountpoint, bundle)) return path;
  std::string in_fs = Join(here->root, Below(path, here->mountpoint));
  const MountEntry* where = nullptr;  // the same file system mounted outside the bundle
  for (const auto& m : mounts) {
    if (m.device != here->device || Under(m.mountpoint, bundle) || !Under(in_fs, m.root)) continue;
    if (!where || m.root.size() >= where->root.size()) where = &m;
  }
  if (where == nullptr) {
    return NotFound(path + " shows " + in_fs + " of a " + here->fstype + " file system (" +
                    here->device + ") that is mounted nowhere on the host");
  }
  return Join(where->mountpoint, Below(in_fs, where->root));
}

Result<Json> GuardBundleConfig(const Json& config, const RuntimeGuardPolicy& policy,
                               const GuardContext& context) {
  if (!config.is_object()) return Refused("config.json is not a JSON object");
  INK_RETURN_IF_ERROR(CheckRoot(config, policy, context));
  INK_RETURN_IF_ERROR(CheckMounts(config, policy, context));
  INK_RETURN_IF_ERROR(CheckNamespaces(config));
  INK_RETURN_IF_ERROR(CheckCapabilities(config));
  Json out = config;
  if (policy.pids_limit > 0) {
    Json& pids = out["linux"]["resources"]["pids"];
    int64_t current = pids.is_object() ? pids.value("limit", int64_t{0}) : 0;
    if (current <= 0 || current > policy.pids_limit) pids["limit"] = policy.pids_limit;
  }
  return out;
}

RuntimeInvocation ParseRuntimeInvocation(const std::vector<std::string>& argv_tail) {
  static const std::set<std::string> kGlobalWithValue = {
      "--root", "--log", "--log-format", "--log-level", "--cgroup-manager", "--criu", "--rootless"};
  RuntimeInvocation out;
  bool bundle_given = false;
  for (size_t i = 0; i < argv_tail.size(); ++i) {
    const std::string& arg = argv_tail[i];
    if (arg.starts_with("--ink-guard=")) {
      out.guard_file = arg.substr(12);
      continue;
    }
    if (arg == "--ink-guard" && i + 1 < argv_tail.size()) {
      out.guard_file = argv_tail[++i];
      continue;
    }
    out.args.push_back(arg);
    if (out.subcommand.empty()) {
      if (kGlobalWithValue.count(arg) && i + 1 < argv_tail.size()) {
        out.args.push_back(argv_tail[++i]);
      } else if (!arg.starts_with("-")) {
        out.subcommand = arg;
      }
      continue;
    }
    if (out.subcommand != "create" && out.subcommand != "run") continue;
    if ((arg == "--bundle" || arg == "-b") && i + 1 < argv_tail.size()) {
      out.bundle = argv_tail[i + 1];
      bundle_given = true;
    } else if (arg.starts_with("--bundle=")) {
      out.bundle = arg.substr(9);
      bundle_given = true;
    }
  }
  if ((out.subcommand == "create" || out.subcommand == "run") && !bundle_given) {
    out.bundle = ".";  // the OCI default: the working directory
  }
  return out;
}

}  // namespace ink::build
