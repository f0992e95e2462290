// inkd: Ink's control plane. Wires the store, the podman runtime, the service controller, the
// REST API and ink-edge together; see `inkd --help`.
#include <arpa/inet.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "edge_supervisor.h"
#include "ink/acme/certificate_manager.h"
#include "ink/api/git_http.h"
#include "ink/api/operations.h"
#include "ink/api/prometheus_endpoint.h"
#include "ink/api/rest.h"
#include "ink/build/pipeline.h"
#include "ink/common/image_reference.h"
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "ink/common/resources.h"
#include "ink/common/secret_box.h"
#include "ink/common/subprocess.h"
#include "ink/controller/project_env.h"
#include "ink/controller/service_controller.h"
#include "ink/dns/dns_provider.h"
#include "ink/dns/resolver.h"
#include "ink/dns/zone_reconciler.h"
#include "ink/http/server.h"
#include "ink/logs/log_collector.h"
#include "ink/logs/log_store.h"
#include "ink/mcp/http_endpoint.h"
#include "ink/metrics/cost_rules.h"
#include "ink/metrics/edge_stats_reader.h"
#include "ink/metrics/process_figures.h"
#include "ink/metrics/sampler.h"
#include "ink/storage/object_store.h"
#include "ink/metrics/metrics_journal.h"
#include "ink/runtime/runtime.h"
#include "ink/runtime/volume_host.h"
#include "ink/sandbox/sandboxes.h"
#include "ink/store/store.h"

namespace {

constexpr const char* kVersion = "0.1.0";

const char* kUsage =
    R"(inkd - Ink's control plane: REST API, container controller, ingress supervisor.

Usage: inkd [flags]

Flags:
  --data-dir DIR          state directory: SQLite database (ink.db), secret key, admin-token
                          (mode 0600), podman sockets, routes.json for ink-edge
                          (default /var/lib/ink; $INK_DATA_DIR)
  --listen ADDR:PORT      REST API address (default 127.0.0.1:7070; port 0 picks a free port,
                          written to DATA/api-url)
  --edge-listen ADDR:PORT ink-edge address (default 127.0.0.1:8080; port 0 picks a free port,
                          written to DATA/edge-url)
  --edge-tls-port PORT    ink-edge's TLS port on the same address (default 8443; "any" when
                          --edge-listen's port is 0; 0: no TLS). Certificates are read from
                          DATA/tls (mode 0700; see docs/ARCHITECTURE.md, Domains and TLS)
  --edge-binary PATH      ink-edge program (default: next to inkd, then $PATH)
  --no-edge               do not start ink-edge (run it yourself with --routes DATA/routes.json)
  --platform-domain NAME  services are served at <service>-<project>.NAME (default localhost,
                          which browsers and curl resolve to loopback with no DNS)
  --dns-resolver IP[:PORT] where custom domains' DNS records are checked (verify_domain and
                          every --domain-check-interval; default: /etc/resolv.conf's servers)
  --domain-check-interval SECS
                          how often custom domains not verified yet are checked (default 60)
  --dns-api-url URL       PowerDNS's HTTP API (e.g. http://127.0.0.1:8081): Ink then owns the
                          records of its platform zone (--platform-domain): *.<zone> and each
                          platform domain point at --edge-address, and the platform's wildcard
                          certificate is obtained over DNS-01 (default: none)
  --dns-api-key-file PATH the PowerDNS API key (X-API-Key), first line of the file
  --edge-address IP[,IP]  the edge's public addresses for those records (default: the edge's
                          listen address)
  --acme-directory URL    an ACME CA's directory (Let's Encrypt:
                          https://acme-v02.api.letsencrypt.org/directory): certificates for
                          every verified domain, answered over HTTP-01 by ink-edge, kept in
                          DATA/tls and renewed at 2/3 of their life (default: none)
  --acme-ca-file PATH     roots to trust for the ACME directory's HTTPS (default: the system's)
  --acme-email ADDR       the ACME account's contact (default: none)
  --certificate-check-interval SECS
                          how often certificates are checked for renewal (default 30)
  --instance-name NAME    label put on every container (ink.instance) so several inkd
                          instances can share one podman (default "ink")
  --podman PATH           podman program (default podman)
  --sandbox-image REF     create_sandbox's default image (default localhost/ink/base:bookworm)
  --templates DIR         the service templates (templates/<name>/template.json; default:
                          share/ink/templates next to inkd's directory, else the source
                          tree's templates/); inkd refuses to start if one is broken
  --gvisor-runtime NAME   podman runtime used for the gvisor class (default runsc-hostnet)

App containers (a service may ask for other limits, up to the maximums):
  --allow-runc            let services choose runtime_class runc (the host's kernel, no
                          sandbox); without it they get gVisor only
  --default-memory SIZE   memory limit of a container whose service names none (default 512m)
  --max-memory SIZE       largest memory limit a service may ask for (default 8g)
  --default-cpu CORES     CPU limit when a service names none (default 1)
  --max-cpu CORES         largest CPU limit a service may ask for (default: this host's CPUs)
  --default-pids N        processes and threads per container (default 512)
  --quota-cpu CORES       each workspace's total CPU (services' limits times replicas, plus
                          live sandboxes; default unlimited); an admin token changes one
                          workspace's with `ink quota set`
  --quota-memory SIZE     each workspace's total memory, counted the same way (default unlimited)
  --quota-replicas N      each workspace's total replicas of all services (default unlimited)
  --quota-volume SIZE     each workspace's total volume size (default unlimited)
  Every container also runs with no-new-privileges and a reduced capability set.

Builds from source (git URL or uploaded directory; logs and plans in DATA/builds):
  --build-concurrency N   builds running at once; others queue (default 1)
  --build-timeout SECS    a build running longer is stopped (default 1200)
  --build-memory SIZE     memory limit of a build (default 4g)
  --build-cpus CORES      CPU limit of a build (default 2)
  --build-pids N          processes and threads of a build step (default 1024)
  --build-max-file SIZE   largest file a build step may write (default 4g)
  --build-disk SIZE       how much a build may grow container storage (default 20g)
  --build-runtime-guard PATH  the OCI runtime wrapper every build step runs through
                          (default: ink-build-runtime next to inkd); it refuses a step that
                          mounts anything from the host outside the build's own files
  --max-upload-bytes SIZE largest source archive accepted by POST /v1/archives (default 512m)
  --max-source-bytes SIZE largest unpacked source tree or git checkout (default 2g)
  --max-source-files N    most files in a source tree (default 200000)
  --max-build-log-bytes SIZE  build log bound; past it the head and tail are kept (default 5m)
  --log-max-bytes SIZE    runtime log kept per service under DATA/logs; the oldest segments
                          are dropped first (default 64m)
  --container-log-max SIZE  podman's own log file of a container is rotated past this size
                          (the log store above keeps the history; default 16m, 0 = unbounded)
  --log-max-age-hours N   runtime log lines older than this are dropped (default 168, 7 days)
  --log-rate N            lines per second each replica may log; more are dropped and counted
                          (default 500, with a burst of --log-burst, default 5000)
  --prices FILE           get_cost's price table, JSON: {"currency": "USD", "vcpu_hour": 0.0274,
                          "memory_gib_hour": 0.0137, "volume_gib_month": 0.15, "egress_gib":
                          0.05}; keys left out keep these defaults (Railway's public rates)
  --metrics-interval N    seconds between resource samples of every replica (cgroup CPU,
                          memory, network; kept 1 h at this resolution, 30 days per minute;
                          default 10)
  --keep-images N         built images kept per service for rollback (default 5)
  --pull-debian           FROM debian:bookworm (debian:12, -slim) pulls from the registry;
                          without it such builds use Ink's own Debian bookworm base image,
                          for hosts that reach no container registry
  --allow-file-sources DIR  a host directory whose git repositories may be deployed as
                          file:// URLs (repeatable; default none: only each workspace's own
                          push-to-deploy remotes)
API server limits (slow or hostile clients; docs/ARCHITECTURE.md, "inkd's HTTP server"):
  --http-head-timeout SECS  a request head must arrive whole within this (default 10)
  --http-body-timeout SECS  grace for a request body, which then must average 64 KiB/s
                          (default 10)
  --http-max-pending N    connections idle or sending a request that have not
                          authenticated; past it the oldest of them is closed (default
                          1024; authenticated keep-alive connections have their own cap)
  --version               print the version
  --help                  print this help

Several instances run side by side when each has its own --data-dir, --listen, --edge-listen
and --instance-name.
)";

void WriteFileAtomically(const std::string& path, const std::string& text, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  ::chmod(tmp.c_str(), mode);
  std::rename(tmp.c_str(), path.c_str());
}

// Another of Ink's programs: next to inkd (installed), else in the build tree's sibling
// directory; `name` alone (looked up in PATH) if neither exists.
std::string SiblingBinary(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto dir = self.parent_path();
    for (auto candidate : {dir / name, dir / ".." / name / name}) {
      if (std::filesystem::exists(candidate)) return std::filesystem::canonical(candidate).string();
    }
  }
  return name;
}

// The template catalog: ../share/ink/templates from inkd's directory (installed), else the
// templates/ directory of the source tree inkd was built from.
std::string DefaultTemplatesDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = self.parent_path() / ".." / "share" / "ink" / "templates";
    if (std::filesystem::is_directory(installed, ec)) {
      return std::filesystem::canonical(installed, ec).string();
    }
  }
  return INK_SOURCE_TEMPLATES_DIR;
}

std::string DefaultEdgeBinary(const char* argv0) {
  (void)argv0;
  return SiblingBinary("ink-edge");
}

// containers' storage directories (graph root, run root) as podman reports them; the usual
// places if it cannot say.
std::vector<std::string> StorageDirs(const std::string& podman) {
  auto info =
      ink::RunProcess({podman, "info", "--format", "{{.Store.GraphRoot}}\n{{.Store.RunRoot}}"},
                      std::chrono::seconds(30));
  std::vector<std::string> dirs;
  if (info.ok() && info->ok()) {
    std::istringstream lines(info->output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.front() == '/') dirs.push_back(line);
    }
  }
  if (dirs.size() != 2) dirs = {"/var/lib/containers/storage", "/run/containers/storage"};
  return dirs;
}

// Creates the default workspace and the bootstrap admin token on first start. The token is
// written once to DATA/admin-token (mode 0600, as k3s does) and stored only as a hash.
// Mounts every volume the store knows; one that cannot be mounted is logged (a replica that needs
// it then fails with the reason) and does not keep inkd from starting.
void MountVolumes(ink::Store& store, ink::VolumeHost& host) {
  auto volumes = store.ListAllVolumes();
  if (!volumes.ok()) {
    ink::LogError("inkd", "cannot list volumes to mount: " + volumes.error().message);
    return;
  }
  int mounted = 0;
  for (const auto& v : *volumes) {
    auto dir = host.Mount(v.id);
    if (dir.ok()) {
      ++mounted;
    } else {
      ink::LogError(
          "inkd", "volume " + v.name + " (" + v.id + ") cannot be mounted: " + dir.error().message);
    }
  }
  if (!volumes->empty()) {
    ink::LogInfo("inkd", "mounted " + std::to_string(mounted) + " of " +
                             std::to_string(volumes->size()) + " volume(s)");
  }
}

ink::Status Bootstrap(ink::Store& store, const std::string& data_dir) {
  auto workspaces = store.ListWorkspaces();
  if (!workspaces.ok()) return workspaces.error();
  if (!workspaces->empty()) return {};
  auto workspace = store.CreateWorkspace("default");
  if (!workspace.ok()) return workspace.error();
  std::string token = "ink_" + ink::RandomToken(30);
  ink::ApiToken row;
  row.workspace_id = workspace->id;
  row.name = "admin";
  row.admin = true;
  row.hash = ink::Sha256Hex(token);
  auto saved = store.CreateToken(row);
  if (!saved.ok()) return saved.error();
  WriteFileAtomically(data_dir + "/admin-token", token + "\n", 0600);
  return {};
}

// "512m", "2g", "100k" or a byte count.
ink::Result<int64_t> ParseSize(const std::string& flag, const std::string& text) {
  size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
  }
  std::string unit = text.substr(used);
  int64_t scale = unit.empty() || unit == "b" ? 1
                  : unit == "k"               ? 1 << 10
                  : unit == "m"               ? 1 << 20
                  : unit == "g"               ? int64_t{1} << 30
                                              : 0;
  if (n <= 0 || scale == 0) {
    return ink::InvalidArgument("--" + flag + " '" + text +
                                "' is not a size such as 512m, 2g or a byte count");
  }
  return n * scale;
}

ink::Result<int64_t> ParseCount(const std::string& flag, const std::string& text, int64_t min) {
  size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(text, &used);
  } catch (...) {
  }
  if (used != text.size() || n < min) {
    return ink::InvalidArgument("--" + flag + " '" + text +
                                "' must be a whole number >= " + std::to_string(min));
  }
  return n;
}

// The runtime policy for app containers from the flags (checked: defaults within maximums).
ink::Result<ink::RuntimePolicy> PolicyFromFlags(std::map<std::string, std::string>& flags,
                                                bool allow_runc) {
  ink::RuntimePolicy policy;
  policy.allow_runc = allow_runc;
  for (auto [flag, out] : {std::pair{"default-memory", &policy.default_memory_bytes},
                           std::pair{"max-memory", &policy.max_memory_bytes}}) {
    auto bytes = ink::ParseMemoryLimit(flags[flag]);
    if (!bytes.ok())
      return ink::InvalidArgument("--" + std::string(flag) + ": " + bytes.error().message);
    *out = *bytes;
  }
  for (auto [flag, out] :
       {std::pair{"default-cpu", &policy.default_cpu}, std::pair{"max-cpu", &policy.max_cpu}}) {
    auto cores = ink::ParseCpuCores(flags[flag], "--" + std::string(flag));
    if (!cores.ok()) return cores.error();
    *out = *cores;
  }
  auto pids = ParseCount("default-pids", flags["default-pids"], 16);
  if (!pids.ok()) return pids.error();
  policy.pids_limit = *pids;
  INK_RETURN_IF_ERROR(policy.Validate());
  return policy;
}

// Every workspace's default caps from --quota-*: "unlimited", or cores, a size, a count.
ink::Result<ink::WorkspaceQuota> QuotaFromFlags(std::map<std::string, std::string>& flags) {
  ink::WorkspaceQuota q;
  auto unlimited = [&flags](const char* flag) { return flags[flag] == "unlimited"; };
  if (unlimited("quota-cpu")) {
    q.cpu = ink::kQuotaUnlimited;
  } else {
    auto cores = ink::ParseCpuCores(flags["quota-cpu"], "--quota-cpu");
    if (!cores.ok()) return cores.error();
    q.cpu = *cores;
  }
  for (auto [flag, out] : {std::pair{"quota-memory", &q.memory_bytes},
                           std::pair{"quota-volume", &q.volume_bytes}}) {
    if (unlimited(flag)) {
      *out = ink::kQuotaUnlimited;
      continue;
    }
    auto bytes = ink::ParseMemoryLimit(flags[flag]);
    if (!bytes.ok()) {
      return ink::InvalidArgument("--" + std::string(flag) + ": " + bytes.error().message +
                                  " (or \"unlimited\")");
    }
    *out = *bytes;
  }
  if (unlimited("quota-replicas")) {
    q.replicas = ink::kQuotaUnlimited;
  } else {
    auto n = ParseCount("quota-replicas", flags["quota-replicas"], 1);
    if (!n.ok()) return n.error();
    q.replicas = *n;
  }
  return q;
}

ink::Result<ink::PipelineOptions> BuildOptions(std::map<std::string, std::string>& flags,
                                               const std::string& data_dir) {
  ink::PipelineOptions o;
  o.data_dir = data_dir;
  o.instance = flags["instance-name"];
  o.podman = flags["podman"];
  auto concurrency = ParseCount("build-concurrency", flags["build-concurrency"], 1);
  auto timeout = ParseCount("build-timeout", flags["build-timeout"], 1);
  auto memory = ParseSize("build-memory", flags["build-memory"]);
  auto pids = ParseCount("build-pids", flags["build-pids"], 16);
  auto max_file = ParseSize("build-max-file", flags["build-max-file"]);
  auto disk = ParseSize("build-disk", flags["build-disk"]);
  auto upload = ParseSize("max-upload-bytes", flags["max-upload-bytes"]);
  auto source = ParseSize("max-source-bytes", flags["max-source-bytes"]);
  auto files = ParseCount("max-source-files", flags["max-source-files"], 1);
  auto log = ParseSize("max-build-log-bytes", flags["max-build-log-bytes"]);
  auto keep = ParseCount("keep-images", flags["keep-images"], 1);
  for (const auto* r : {&concurrency, &timeout, &memory, &upload, &source, &files, &log, &keep,
                        &pids, &max_file, &disk}) {
    if (!r->ok()) return r->error();
  }
  auto build_cpus = ink::ParseCpuCores(flags["build-cpus"], "--build-cpus");
  if (!build_cpus.ok()) return build_cpus.error();
  o.build_cpus = *build_cpus;
  o.build_pids = *pids;
  o.build_max_file_bytes = *max_file;
  o.build_disk_bytes = *disk;
  o.build_runtime_guard = flags["build-runtime-guard"];
  if (o.build_runtime_guard.empty()) o.build_runtime_guard = SiblingBinary("ink-build-runtime");
  if (::access(o.build_runtime_guard.c_str(), X_OK) != 0) {
    return ink::InvalidArgument("the build runtime guard " + o.build_runtime_guard +
                                " is not an executable (build ink-build-runtime, or give "
                                "--build-runtime-guard PATH)");
  }
  o.storage_dirs = StorageDirs(o.podman);
  o.concurrency = static_cast<int>(*concurrency);
  o.build_timeout = std::chrono::seconds(*timeout);
  o.build_memory_bytes = *memory;
  o.max_upload_bytes = *upload;
  o.max_source_bytes = *source;
  o.max_source_files = *files;
  o.max_log_bytes = *log;
  o.keep_images = static_cast<int>(*keep);
  return o;
}

ink::Result<ink::http::ServerOptions> ServerOptionsFromFlags(
    std::map<std::string, std::string>& flags) {
  auto head = ParseCount("http-head-timeout", flags["http-head-timeout"], 1);
  auto body = ParseCount("http-body-timeout", flags["http-body-timeout"], 1);
  auto pending = ParseCount("http-max-pending", flags["http-max-pending"], 16);
  for (const auto* r : {&head, &body, &pending}) {
    if (!r->ok()) return r->error();
  }
  ink::http::ServerOptions o{.listen = flags["listen"]};
  o.head_timeout = std::chrono::seconds(*head);
  o.body_timeout = std::chrono::seconds(*body);
  o.max_pending_connections = static_cast<int>(*pending);
  return o;
}

// Every connection is a descriptor: raise the soft limit to the hard one, so the connection
// caps (not a default of 1024 files) bound what inkd holds.
void RaiseFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

namespace {

// One pass of the platform zone: the wildcard and every verified platform domain point at the
// edge. Problems are logged when they change (the pass repeats every --domain-check-interval).
void ConvergeZone(ink::Store& store, ink::dns::ZoneReconciler& zone, const std::string& platform) {
  static std::string last_problem;
  auto verified = store.ListVerifiedDomains();
  if (!verified.ok()) return;
  std::vector<std::string> names;
  for (const auto& d : *verified) {
    if (d.kind == "platform") names.push_back(d.name);
  }
  auto changes = zone.Converge(names);
  std::string problem;
  if (!changes.ok()) {
    problem = "cannot update the records of " + platform + ": " + changes.error().message;
  } else {
    for (const auto& c : changes->conflicts) problem += (problem.empty() ? "" : "; ") + c;
    for (const auto& set : changes->replace) {
      ink::LogInfo("dns", "set " + set.name + " " + set.type + " in " + platform);
    }
    for (const auto& set : changes->remove) {
      ink::LogInfo("dns", "removed " + set.name + " " + set.type + " from " + platform);
    }
  }
  if (problem != last_problem && !problem.empty()) ink::LogWarn("dns", problem);
  last_problem = problem;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {
      {"data-dir", std::getenv("INK_DATA_DIR") ? std::getenv("INK_DATA_DIR") : "/var/lib/ink"},
      {"listen", "127.0.0.1:7070"},
      {"edge-listen", "127.0.0.1:8080"},
      {"edge-tls-port", ""},
      {"edge-binary", ""},
      {"templates", ""},
      {"platform-domain", "localhost"},
      {"dns-resolver", ""},
      {"acme-directory", ""},
      {"dns-api-url", ""},
      {"dns-api-key-file", ""},
      {"edge-address", ""},
      {"acme-ca-file", ""},
      {"acme-email", ""},
      {"certificate-check-interval", "30"},
      {"domain-check-interval", "60"},
      {"instance-name", "ink"},
      {"sandbox-image", "localhost/ink/base:bookworm"},
      {"podman", "podman"},
      {"gvisor-runtime", "runsc-hostnet"},
      {"build-concurrency", "1"},
      {"build-timeout", "1200"},
      {"build-memory", "4g"},
      {"build-cpus", "2"},
      {"build-pids", "1024"},
      {"build-max-file", "4g"},
      {"build-disk", "20g"},
      {"build-runtime-guard", ""},
      {"max-upload-bytes", "512m"},
      {"max-source-bytes", "2g"},
      {"max-source-files", "200000"},
      {"max-build-log-bytes", "5m"},
      {"log-max-bytes", "64m"},
      {"container-log-max", "16m"},
      {"log-max-age-hours", "168"},
      {"log-rate", "500"},
      {"log-burst", "5000"},
      {"metrics-interval", "10"},
      {"prices", ""},
      {"keep-images", "5"},
      {"default-memory", "512m"},
      {"max-memory", "8g"},
      {"default-cpu", "1"},
      {"max-cpu", std::to_string(std::clamp(std::thread::hardware_concurrency(), 1u,
                                            static_cast<unsigned>(ink::kMaxCpuCores)))},
      {"default-pids", "512"},
      {"quota-cpu", "unlimited"},
      {"quota-memory", "unlimited"},
      {"quota-replicas", "unlimited"},
      {"quota-volume", "unlimited"},
      {"http-head-timeout", "10"},
      {"http-body-timeout", "10"},
      {"http-max-pending", "1024"},
  };
  bool allow_runc = false;
  bool no_edge = false;
  bool pull_debian = false;
  std::vector<std::string> file_source_dirs;  // --allow-file-sources, repeatable
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--allow-file-sources" || arg.rfind("--allow-file-sources=", 0) == 0) {
      std::string dir = arg.size() > 20 ? arg.substr(21) : (i + 1 < argc ? argv[++i] : "");
      std::error_code dir_ec;
      auto resolved = std::filesystem::canonical(dir, dir_ec);
      if (dir.empty() || dir.front() != '/' || dir_ec ||
          !std::filesystem::is_directory(resolved, dir_ec)) {
        std::cerr << "inkd: --allow-file-sources needs the absolute path of an existing "
                     "directory, got '"
                  << dir << "'; see inkd --help\n";
        return 2;
      }
      file_source_dirs.push_back(resolved.string());
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "inkd " << kVersion << "\n";
      return 0;
    }
    if (arg == "--no-edge") {
      no_edge = true;
      continue;
    }
    if (arg == "--allow-runc") {
      allow_runc = true;
      continue;
    }
    if (arg == "--pull-debian") {
      pull_debian = true;
      continue;
    }
    std::string name = arg.rfind("--", 0) == 0 ? arg.substr(2) : "";
    std::string value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (flags.count(name) && i + 1 < argc) {
      value = argv[++i];
    }
    if (!flags.count(name)) {
      std::cerr << "inkd: unknown flag '" << arg << "'; see inkd --help\n";
      return 2;
    }
    if (value.empty()) {
      std::cerr << "inkd: flag --" << name << " needs a value; see inkd --help\n";
      return 2;
    }
    flags[name] = value;
  }
  if (auto s = ink::ValidateName("instance name", flags["instance-name"]); !s.ok()) {
    std::cerr << "inkd: " << s.error().message << "\n";
    return 2;
  }
  if (flags["edge-binary"].empty()) flags["edge-binary"] = DefaultEdgeBinary(argv[0]);
  if (flags["templates"].empty()) flags["templates"] = DefaultTemplatesDir();
  auto templates = ink::templates::TemplateCatalog::Load(flags["templates"]);
  if (!templates.ok()) {
    std::cerr << "inkd: a broken template: " << templates.error().message
              << "; fix it or point --templates elsewhere\n";
    return 2;
  }
  auto policy = PolicyFromFlags(flags, allow_runc);
  if (!policy.ok()) {
    std::cerr << "inkd: " << policy.error().message << "; see inkd --help\n";
    return 2;
  }
  const std::string data_dir = flags["data-dir"];
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "inkd: cannot create data directory " << data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  ::chmod(data_dir.c_str(), 0700);

  // Signals are handled by sigwait on the main thread; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit();

  auto fail = [](const std::string& what, const ink::Error& e) {
    std::cerr << "inkd: " << what << ": " << e.message << "\n";
    return 1;
  };
  auto store = ink::OpenSqliteStore(data_dir + "/ink.db", ink::SystemClock());
  if (!store.ok()) return fail("opening the database", store.error());
  auto secrets = ink::SecretBox::LoadOrCreate(data_dir + "/secret.key");
  if (!secrets.ok()) return fail("loading the secret key", secrets.error());
  if (auto s = (*store)->SealPlaintextEnv([&](std::string_view v) { return secrets->Seal(v); });
      !s.ok()) {
    return fail("sealing env stored in plaintext by an older inkd", s.error());
  }
  if (auto s = Bootstrap(**store, data_dir); !s.ok()) return fail("bootstrap", s.error());

  ink::PodmanOptions podman;
  podman.podman_binary = flags["podman"];
  podman.socket_dir = data_dir;
  podman.gvisor_runtime = flags["gvisor-runtime"];
  if (flags["container-log-max"] != "0") {
    auto container_log = ParseSize("container-log-max", flags["container-log-max"]);
    if (!container_log.ok()) {
      std::cerr << "inkd: " << container_log.error().message << "; see inkd --help\n";
      return 2;
    }
    podman.container_log_max_bytes = *container_log;
  } else {
    podman.container_log_max_bytes = 0;
  }
  auto runtime = ink::StartPodmanRuntime(podman);
  if (!runtime.ok()) return fail("starting podman", runtime.error());

  std::unique_ptr<ink::EdgeSupervisor> edge;
  std::string edge_host = "127.0.0.1";
  int edge_port = 8080;
  int edge_tls_port = 0;  // known only when given as a number (not "any")
  {
    std::string listen = flags["edge-listen"];
    size_t colon = listen.rfind(':');
    edge_host = listen.substr(0, colon);
    edge_port = std::atoi(listen.c_str() + colon + 1);
  }
  if (!no_edge) {
    std::string tls_port = flags["edge-tls-port"];
    if (tls_port.empty()) tls_port = edge_port == 0 ? "any" : "8443";
    if (tls_port != "any" &&
        (tls_port.size() > 5 || tls_port.find_first_not_of("0123456789") != std::string::npos ||
         std::atoi(tls_port.c_str()) > 65535)) {
      std::cerr << "inkd: --edge-tls-port needs a port 0-65535 (0: no TLS) or \"any\"\n";
      return 2;
    }
    edge = std::make_unique<ink::EdgeSupervisor>(
        ink::EdgeOptions{flags["edge-binary"], flags["edge-listen"], data_dir + "/routes.json",
                         data_dir, tls_port});
    if (auto s = edge->Start(); !s.ok()) return fail("starting ink-edge", s.error());
    edge_host = edge->host();
    edge_port = edge->port();
    if (tls_port != "any") edge_tls_port = std::atoi(tls_port.c_str());
  }

  auto build_options = BuildOptions(flags, data_dir);
  if (!build_options.ok()) {
    std::cerr << "inkd: " << build_options.error().message << "; see inkd --help\n";
    return 2;
  }
  build_options->allowed_file_source_dirs = file_source_dirs;
  build_options->debian_from_base_image = !pull_debian;
  build_options->deploy_key = [&](const std::string& workspace_id) -> ink::Result<std::string> {
    auto key = (*store)->GetDeployKey(workspace_id);
    if (!key.ok() && key.error().code == ink::ErrorCode::kNotFound) return std::string();
    if (!key.ok()) return key.error();
    return secrets->Open(key->sealed_private_key);
  };
  // A build gets the deployment's own variables, references resolved (no injected ones).
  build_options->build_variables =
      [&](const ink::Deployment& d) -> ink::Result<std::map<std::string, std::string>> {
    auto service = (*store)->GetServiceById(d.service_id);
    if (!service.ok()) return service.error();
    auto project = (*store)->GetProject(service->workspace_id, service->project_id);
    if (!project.ok()) return project.error();
    return ink::DeploymentEnvironment(**store, *secrets, *project, *service, d,
                                      {flags["platform-domain"], edge_port}, /*inject=*/false);
  };
  // RUN steps get a network of their own with a project network's firewall rules: package
  // mirrors yes, other projects, the host (inkd, loopback services) and 169.254/16 no.
  build_options->build_network = "ink-build-" + flags["instance-name"];
  build_options->prepare_build_network = [&runtime, &flags, name = build_options->build_network] {
    return (*runtime)->EnsureNetwork(
        name, {{"ink.instance", flags["instance-name"]}, {"ink.network", "build"}});
  };
  build_options->images = runtime->get();
  build_options->pull_image = [&](const std::string& workspace_id,
                                  const std::string& image) -> ink::Status {
    std::optional<ink::RegistryAuth> auth;
    auto credential = (*store)->FindRegistryCredential(workspace_id, ink::PullRegistryOf(image));
    if (credential.ok()) {
      auto password = secrets->Open(credential->sealed_password);
      if (!password.ok()) return password.error();
      auth = ink::RegistryAuth{credential->username, *password};
    }
    return (*runtime)->PullImage(image, auth);
  };
  build_options->log_secrets = [token_file = data_dir + "/admin-token"] {
    std::ifstream in(token_file);
    std::string token;
    std::getline(in, token);
    return token.empty() ? std::vector<std::string>{} : std::vector<std::string>{token};
  };
  ink::BuildPipeline builds(**store, *build_options);

  // Volumes: loop-mounted ext4 images under <data>/volumes. Nothing is mounted after a reboot
  // (and an unclean stop may have left some mounted): every volume is mounted again now,
  // idempotently, before the controller starts replicas that use them.
  auto volume_host = ink::MakeLoopVolumeHost(
      {.dir = data_dir + "/volumes", .snapshots_dir = data_dir + "/snapshots"},
      ink::SystemProcessRunner());
  MountVolumes(**store, *volume_host);
  // A snapshot cut off by a crash is no snapshot: say so where list_snapshots shows it.
  if (auto failed = (*store)->FailPendingSnapshots(
          "inkd stopped while the snapshot was being taken; take it again");
      failed.ok() && *failed > 0) {
    ink::LogError("inkd", std::to_string(*failed) + " snapshot(s) were cut off by a stop");
  }

  ink::ControllerOptions controller_options;
  controller_options.volumes = volume_host.get();
  controller_options.instance = flags["instance-name"];
  controller_options.routes_path = data_dir + "/routes.json";
  // ink-edge reports beside the route file what it loaded (edge-status.json); a rollout turns
  // active only once that report shows its route.
  controller_options.edge_status_path = data_dir + "/edge-status.json";
  controller_options.platform_domain = flags["platform-domain"];
  controller_options.edge_port = edge_port;
  // INK_PUBLIC_URL and services' "url" are https once the edge serves the default hostnames
  // with the platform's wildcard certificate (and its TLS port is known).
  const std::function<int()> public_https_port =
      [edge_tls_port,
       wildcard = data_dir + "/tls/_wildcard." + flags["platform-domain"] + ".pem"] {
        std::error_code ec;
        return edge_tls_port > 0 && std::filesystem::exists(wildcard, ec) ? edge_tls_port : 0;
      };
  controller_options.public_https_port = public_https_port;
  controller_options.policy = *policy;
  ink::ServiceController controller(**store, **runtime, *secrets, ink::SystemClock(),
                                    controller_options, &builds);

  // Runtime logs: every replica's output copied into DATA/logs as it is written (log_store.h).
  auto log_bytes = ParseSize("log-max-bytes", flags["log-max-bytes"]);
  auto log_hours = ParseCount("log-max-age-hours", flags["log-max-age-hours"], 1);
  auto log_rate = ParseCount("log-rate", flags["log-rate"], 1);
  auto log_burst = ParseCount("log-burst", flags["log-burst"], 1);
  for (const auto* r : {&log_bytes, &log_hours, &log_rate, &log_burst}) {
    if (!r->ok()) {
      std::cerr << "inkd: " << r->error().message << "; see inkd --help\n";
      return 2;
    }
  }
  ink::logs::LogStore log_store(
      data_dir + "/logs",
      {.max_bytes = *log_bytes, .max_age_nanos = *log_hours * 3600 * int64_t{1000000000}});
  ink::logs::LogCollector log_collector(**runtime, log_store, (*store)->changes(),
                                        {.instance = flags["instance-name"],
                                         .rate = static_cast<double>(*log_rate),
                                         .burst = static_cast<double>(*log_burst)});
  log_collector.Start();

  // Metrics: one sample per service every --metrics-interval into bounded rings (sampler.h).
  auto metrics_interval = ParseCount("metrics-interval", flags["metrics-interval"], 1);
  if (!metrics_interval.ok()) {
    std::cerr << "inkd: " << metrics_interval.error().message << "; see inkd --help\n";
    return 2;
  }
  auto domain_check_interval =
      ParseCount("domain-check-interval", flags["domain-check-interval"], 1);
  if (!domain_check_interval.ok()) {
    std::cerr << "inkd: " << domain_check_interval.error().message << "; see inkd --help\n";
    return 2;
  }
  auto default_quota = QuotaFromFlags(flags);
  if (!default_quota.ok()) {
    std::cerr << "inkd: " << default_quota.error().message << "; see inkd --help\n";
    return 2;
  }
  ink::metrics::PriceTable prices;
  if (!flags["prices"].empty()) {
    std::ifstream file(flags["prices"]);
    std::stringstream text;
    text << file.rdbuf();
    auto parsed = file ? ink::metrics::ParsePriceTable(text.str())
                       : ink::Result<ink::metrics::PriceTable>(
                             ink::InvalidArgument("cannot read " + flags["prices"]));
    if (!parsed.ok()) {
      std::cerr << "inkd: --prices: " << parsed.error().message << "; see inkd --help\n";
      return 2;
    }
    prices = *parsed;
  }
  ink::metrics::MetricsStore metrics_store;
  // Minute points outlive a restart: restored from the journal, then each new one appended.
  ink::metrics::MetricsJournal metrics_journal;
  {
    std::error_code dir_ec;
    std::filesystem::create_directories(data_dir + "/metrics", dir_ec);
    auto restored = metrics_journal.Open(data_dir + "/metrics/coarse.journal",
                                         ink::SystemClock().NowMillis());
    if (!restored.ok()) {
      ink::LogError("inkd", "metrics history is not kept: " + restored.error().message);
    } else {
      size_t points = 0;
      for (const auto& [series, list] : *restored) {
        metrics_store.RestoreCoarse(series, list);
        points += list.size();
      }
      if (points > 0) {
        ink::LogInfo("inkd", "restored " + std::to_string(points) + " minute point(s) of " +
                                 std::to_string(restored->size()) + " metrics series");
      }
      metrics_store.SetCoarseSink(
          [&metrics_journal](const std::string& series, const ink::metrics::Sample& point) {
            metrics_journal.Append(series, point);
          });
    }
  }
  // Requests per service: ink-edge writes its counters beside the route file every second
  // (also an ink-edge run by hand with --no-edge and --routes DATA/routes.json).
  ink::metrics::MetricsSampler metrics_sampler(
      **runtime, metrics_store, ink::SystemClock(),
      {.instance = flags["instance-name"],
       .interval = std::chrono::seconds(*metrics_interval),
       .edge_counters = [path = data_dir + "/edge-stats.json"] {
         return ink::metrics::ReadEdgeStatsFile(path);
       },
       .after_pass = [&metrics_journal, &metrics_store] {
         metrics_journal.MaybeCompact([&metrics_store] { return metrics_store.CoarsePoints(); });
       }});
  metrics_sampler.Start();

  ink::OperationTable table;
  ink::OperationDeps deps{**store,
                          **runtime,
                          controller,
                          *secrets,
                          ink::SystemClock(),
                          kVersion,
                          flags["platform-domain"],
                          edge_host,
                          edge_port};
  deps.builds = &builds;
  deps.templates = &*templates;
  deps.volumes = volume_host.get();
  // Object storage goes through rclone (Debian's package), one run per call.
  auto object_stores = ink::storage::MakeRcloneObjectStoreFactory();
  deps.object_stores = object_stores.get();
  deps.logs = &log_store;
  deps.metrics = &metrics_store;
  deps.prices = &prices;
  deps.instance = flags["instance-name"];
  deps.sandbox_image = flags["sandbox-image"];
  deps.default_quota = *default_quota;
  auto resolver = ink::dns::MakeResolver({.server = flags["dns-resolver"]});
  if (!resolver.ok()) {
    std::cerr << "inkd: " << resolver.error().message << "; see inkd --help\n";
    return 2;
  }
  deps.resolver = resolver->get();
  deps.edge_tls_port = edge_tls_port;
  deps.public_https_port = public_https_port;
  // The platform zone's records, when inkd is given a DNS provider (ink/dns/zone_reconciler.h).
  std::unique_ptr<ink::dns::DnsProvider> dns_provider;
  std::unique_ptr<ink::dns::ZoneReconciler> zone;
  const std::string platform_zone = flags["platform-domain"];
  if (!flags["dns-api-url"].empty()) {
    std::ifstream key_file(flags["dns-api-key-file"]);
    std::string api_key;
    std::getline(key_file, api_key);
    while (!api_key.empty() && std::isspace(static_cast<unsigned char>(api_key.back()))) {
      api_key.pop_back();
    }
    if (api_key.empty()) {
      std::cerr << "inkd: --dns-api-url needs --dns-api-key-file, a file whose first line is "
                   "the PowerDNS API key\n";
      return 2;
    }
    if (platform_zone == "localhost") {
      std::cerr << "inkd: --dns-api-url needs --platform-domain: the zone Ink owns (e.g. "
                   "apps.example.com), not localhost\n";
      return 2;
    }
    auto provider = ink::dns::MakePowerDnsProvider({.api_url = flags["dns-api-url"],
                                                    .api_key = api_key});
    if (!provider.ok()) {
      std::cerr << "inkd: --dns-api-url: " << provider.error().message << "\n";
      return 2;
    }
    dns_provider = std::move(*provider);
    std::vector<std::string> addresses;
    std::stringstream list(flags["edge-address"].empty() ? edge_host : flags["edge-address"]);
    for (std::string a; std::getline(list, a, ',');) {
      in6_addr probe;
      if (inet_pton(AF_INET, a.c_str(), &probe) != 1 && inet_pton(AF_INET6, a.c_str(), &probe) != 1) {
        std::cerr << "inkd: --edge-address '" << a << "' is not an IP address; give the "
                     "edge's public addresses, e.g. 203.0.113.7,2001:db8::7\n";
        return 2;
      }
      if (a == "0.0.0.0" || a == "::") {
        std::cerr << "inkd: the edge listens on every address: give --edge-address, the "
                     "addresses its DNS records should hold\n";
        return 2;
      }
      addresses.push_back(a);
    }
    zone = std::make_unique<ink::dns::ZoneReconciler>(*dns_provider, platform_zone, addresses);
  }
  // Certificates for verified domains (ink/acme/certificate_manager.h), into the directory
  // ink-edge loads them from. With a DNS provider, the platform's names are covered by one
  // wildcard certificate over DNS-01 instead of one each.
  std::unique_ptr<ink::acme::Http01Responder> http01 =
      ink::acme::MakeDirectoryHttp01Responder(data_dir + "/acme-challenge");
  std::unique_ptr<ink::acme::CertificateManager> certificates;
  if (!flags["acme-directory"].empty()) {
    auto check_interval =
        ParseCount("certificate-check-interval", flags["certificate-check-interval"], 1);
    if (!check_interval.ok()) {
      std::cerr << "inkd: " << check_interval.error().message << "; see inkd --help\n";
      return 2;
    }
    ink::Store& domain_store = **store;
    auto made = ink::acme::CertificateManager::Create(
        {.tls_dir = data_dir + "/tls",
         .state_dir = data_dir + "/acme",
         .directory_url = flags["acme-directory"],
         .contact_email = flags["acme-email"],
         .ca = {.ca_file = flags["acme-ca-file"]},
         .http01 = http01.get(),
         .dns = dns_provider.get(),
         .dns_zone = dns_provider ? platform_zone : "",
         .interval = std::chrono::seconds(*check_interval)},
        *secrets, ink::SystemClock(),
        [&domain_store, wildcard = dns_provider != nullptr, platform_zone] {
          std::vector<std::string> names;
          if (wildcard) names.push_back("*." + platform_zone);
          auto verified = domain_store.ListVerifiedDomains();
          if (verified.ok()) {
            for (const auto& d : *verified) {
              if (!(wildcard && d.kind == "platform")) names.push_back(d.name);
            }
          }
          return names;
        },
        [&domain_store](const std::string& name, const std::string& kind,
                        const std::string& message) {
          auto verified = domain_store.ListVerifiedDomains();
          if (!verified.ok()) return;
          for (const auto& d : *verified) {
            if (d.name != name) continue;
            ink::Event e;
            e.workspace_id = d.workspace_id;
            e.service_id = d.service_id;
            e.kind = kind;
            e.message = message;
            (void)domain_store.AppendEvent(e);
          }
        });
    if (!made.ok()) {
      std::cerr << "inkd: --acme-directory: " << made.error().message << "\n";
      return 2;
    }
    certificates = std::move(*made);
    deps.certificates = certificates.get();
    deps.platform_wildcard = dns_provider != nullptr;
  }
  ink::RegisterOperations(table, deps);
  // Push-to-deploy: a git remote per service and a signed webhook (docs/API.md).
  ink::GitRemote git_remote(**store, table,
                            {.data_dir = data_dir, .webhook_key = secrets->DeriveKey("webhooks")});
  git_remote.RegisterOperations(table);
  // MCP tools over Streamable HTTP at /mcp, bound to the same operation table (docs/MCP.md).
  ink::mcp::Dispatcher mcp_dispatcher(table, {.version = kVersion});
  // A tool call carries the same input as its REST request, in a JSON-RPC envelope: the
  // largest operation's body limit (sandbox_write_file's) bounds an MCP message too.
  ink::mcp::HttpEndpointOptions mcp_options;
  for (const auto& op : table.All()) {
    mcp_options.max_message_bytes = std::max(mcp_options.max_message_bytes, op.max_request_bytes);
  }
  ink::mcp::McpHttpEndpoint mcp(mcp_dispatcher, ink::mcp::StoreAuthenticator(**store), mcp_options);
  // GET /metrics: Prometheus text of the token's workspace's services and of inkd itself.
  ink::PrometheusEndpoint prometheus(**store, metrics_store, ink::metrics::ReadProcessFigures);

  auto server_options = ServerOptionsFromFlags(flags);
  if (!server_options.ok()) {
    std::cerr << "inkd: " << server_options.error().message << "; see inkd --help\n";
    return 2;
  }
  // Each request is authenticated from its head, before any body is read; archive uploads and
  // git pushes then stream to disk, everything else is read whole up to its route's limit.
  server_options->admit = [&](const ink::http::ServerRequest& head) {
    if (auto admission = mcp.Admit(head)) return std::move(*admission);
    if (auto admission = git_remote.Admit(head)) return std::move(*admission);
    if (auto admission = prometheus.Admit(head)) return std::move(*admission);
    return ink::AdmitRestRequest(table, **store, head);
  };
  auto server = ink::http::HttpServer::Start(
      *server_options,
      ink::mcp::WithMcp(
          mcp, [&git_remote, &prometheus,
                rest = ink::MakeRestHandler(table, **store, ink::MakeArchiveUploadHandler(deps))](
                   const ink::http::ServerRequest& req, ink::http::ResponseWriter& w) {
            if (git_remote.Handles(req)) return git_remote.Serve(req, w);
            if (prometheus.Handles(req)) return prometheus.Serve(req, w);
            rest(req, w);
          }));
  if (!server.ok()) return fail("starting the API server", server.error());
  std::string api_host = (*server)->host();
  std::string api_url =
      "http://" + (api_host.find(':') != std::string::npos ? "[" + api_host + "]" : api_host) +
      ":" + std::to_string((*server)->port());
  git_remote.SetApiUrl(api_url);
  WriteFileAtomically(data_dir + "/api-url", api_url + "\n", 0644);
  controller.Start();

  std::string token_path = data_dir + "/admin-token";
  std::string edge_url = "http://" + edge_host + ":" + std::to_string(edge_port);
  std::cout << "inkd: API at " << api_url << "\n"
            << "inkd: edge at " << edge_url << " (services at http://<service>-<project>."
            << flags["platform-domain"] << ":" << edge_port << ")\n"
            << "inkd: admin token in " << token_path << " (mode 0600)\n"
            << "inkd: try: ink login --api-url " << api_url << " --token-file " << token_path
            << " && ink projects create demo && ink deploy --project demo --service web --image "
               "IMAGE --port 8080\n"
            << std::flush;
  ink::LogInfo("inkd", "ready (version " + std::string(kVersion) + ", instance " +
                           flags["instance-name"] + ")");

  // Daily volume snapshots: one pass every 30 s (snapshot_schedule.h has the rules).
  std::mutex schedule_mu;
  std::condition_variable schedule_wake;
  bool stopping = false;  // guarded by schedule_mu
  std::thread scheduler([&] {
    std::unique_lock lock(schedule_mu);
    while (!schedule_wake.wait_for(lock, std::chrono::seconds(30), [&] { return stopping; })) {
      lock.unlock();
      ink::RunScheduledSnapshots(deps, ink::SystemClock().NowMillis());
      lock.lock();
    }
  });

  if (certificates) certificates->Start();

  // Custom domains waiting for their DNS records: checked every --domain-check-interval.
  if (zone) ConvergeZone(**store, *zone, platform_zone);
  std::thread domain_checker([&] {
    std::unique_lock lock(schedule_mu);
    while (!schedule_wake.wait_for(lock, std::chrono::seconds(*domain_check_interval),
                                   [&] { return stopping; })) {
      lock.unlock();
      ink::VerifyPendingDomains(deps);
      if (zone) ConvergeZone(**store, *zone, platform_zone);
      lock.lock();
    }
  });

  // Sandboxes whose time to live ran out, and leftovers of a crash (ink/sandbox/sandboxes.h).
  ink::SandboxReaper sandbox_reaper(**store, **runtime, ink::SystemClock(), deps.instance);
  sandbox_reaper.Start(std::chrono::seconds(1));

  int sig = 0;
  sigwait(&signals, &sig);
  ink::LogInfo("inkd", std::string("stopping on ") + strsignal(sig));
  {
    std::lock_guard lock(schedule_mu);
    stopping = true;
  }
  schedule_wake.notify_all();
  scheduler.join();
  domain_checker.join();
  if (certificates) certificates->Stop();
  sandbox_reaper.Stop();
  mcp.Shutdown();  // ends MCP streams so the server's connection threads can finish
  (*server)->Stop();
  controller.Stop();
  log_collector.Stop();
  metrics_sampler.Stop();
  if (edge) edge->Stop();
  runtime->reset();
  return 0;
}
