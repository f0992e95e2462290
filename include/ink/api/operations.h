// Ink's operations: the handlers behind every REST route, MCP tool and CLI command.
//
// RegisterOperations fills an OperationTable with the capabilities of this release (projects,
// deploy, services, deployments, logs, registry credentials, status). Each handler validates
// what the schema cannot (names, image references, memory sizes), scopes every store access to
// the caller's workspace, and returns compact JSON. Handlers are thread-safe; the deps outlive
// the table.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ink/build/pipeline.h"
#include "ink/common/clock.h"
#include "ink/common/secret_box.h"
#include "ink/controller/service_controller.h"
#include "ink/ops/operation.h"
#include "ink/runtime/runtime.h"
#include "ink/runtime/volume_host.h"
#include "ink/store/store.h"
#include "ink/templates/catalog.h"

namespace ink {
namespace logs {
class LogStore;
}
namespace dns {
class Resolver;
}
namespace acme {
class CertificateManager;
}
namespace storage {
class ObjectStoreFactory;
}
namespace metrics {
class MetricsStore;
struct PriceTable;
}

// One admission mutex per workspace: held from a quota check until the write that reserves the
// capacity (a deploy's row, a volume's, a sandbox's), so two concurrent changes cannot both
// take the last of a quota; another workspace's changes never wait on it. `mu` guards the map.
struct QuotaLocks {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<std::mutex>> by_workspace;
};

struct OperationDeps {
  Store& store;
  ContainerRuntime& runtime;
  ServiceController& controller;
  const SecretBox& secrets;
  Clock& clock;
  std::string version;
  std::string platform_domain = "localhost";
  std::string edge_host = "127.0.0.1";  // where ink-edge listens (for status)
  int edge_port = 8080;
  int edge_tls_port = 0;  // ink-edge's HTTPS port (0: none or not known)
  // As ControllerOptions::public_https_port: the "url" of services is https when it answers > 0.
  std::function<int()> public_https_port;
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
  BuildPipeline* builds = nullptr;  // builds from source (deploy git/archive, plan, build logs)
  // The service templates (list_templates, deploy_template); null = none.
  const templates::TemplateCatalog* templates = nullptr;
  VolumeHost* volumes = nullptr;  // volume filesystems (create/delete_volume, used bytes)
  // Opens object stores for the workspace's storage destinations (rclone in inkd); null: none
  // is checked nor reached (set_storage saves without listing the bucket).
  storage::ObjectStoreFactory* object_stores = nullptr;
  // The runtime log store get_logs reads (null: read podman's logs of the live containers).
  logs::LogStore* logs = nullptr;
  // The sampled resource and traffic figures get_metrics reads (null: get_metrics refuses).
  metrics::MetricsStore* metrics = nullptr;
  // The prices get_cost estimates with (inkd --prices; null: get_cost refuses).
  const metrics::PriceTable* prices = nullptr;
  std::string instance = "ink";  // inkd's --instance-name (labels of sandboxes)
  std::string sandbox_image = "localhost/ink/base:bookworm";  // create_sandbox's default image
  // inkd's --quota-* caps for every workspace without its own (kQuotaUnlimited: no cap).
  WorkspaceQuota default_quota{.cpu = kQuotaUnlimited,
                               .memory_bytes = kQuotaUnlimited,
                               .replicas = kQuotaUnlimited,
                               .volume_bytes = kQuotaUnlimited};
  std::shared_ptr<QuotaLocks> quota_locks = std::make_shared<QuotaLocks>();
  // Where verify_domain asks DNS (inkd --dns-resolver; null: custom domains cannot be verified).
  dns::Resolver* resolver = nullptr;
  // Keeps the verified domains' certificates (inkd --acme-directory; null: no HTTPS for them).
  acme::CertificateManager* certificates = nullptr;
  // True when the platform's names are served with one wildcard certificate, "*.<platform
  // domain>" (inkd has a DNS provider for DNS-01), rather than one each.
  bool platform_wildcard = false;
};

void RegisterOperations(OperationTable& table, OperationDeps& deps);

// Takes every volume's daily snapshot that is due at `now_ms` (its schedule's slot passed since
// its last scheduled one), then prunes by its retention; returns how many succeeded. Failures
// are recorded on the snapshots (list_snapshots) and logged. inkd calls it every 30 s from one
// thread.
int RunScheduledSnapshots(OperationDeps& deps, int64_t now_ms);

// Checks DNS for every custom domain not verified yet (pending, or failed after it was) and
// files each outcome as verify_domain does; returns how many are verified now. inkd calls it
// every minute from one thread.
int VerifyPendingDomains(OperationDeps& deps);

// Checks an image reference ("registry:port/name/path:tag" or "@sha256:..."), lowercase
// repository, no spaces, at most 512 characters.
Status ValidateImageReference(const std::string& image);

}  // namespace ink
