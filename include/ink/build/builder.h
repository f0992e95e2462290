// Builder: turns a deployment's source (git repository, uploaded archive) into a local image.
//
// The ServiceController calls Build() from a build worker (one rollout step) when the deployment's
// spec has a `source` and no image yet; the returned reference is recorded with
// Store::SetDeploymentImage and then rolled out like any image. Implementations queue builds
// (configurable concurrency), bound their time and memory, keep each deployment's build log,
// and are thread-safe.
#pragma once

#include <functional>
#include <string>

#include "ink/common/result.h"
#include "ink/store/model.h"

namespace ink {

// Why a build ended early when its `should_stop` said so (inkd stopping, or the deployment
// superseded or its service deleted).
inline constexpr const char* kBuildStopped =
    "cancelled (inkd is stopping, or a newer deploy or a delete of the service superseded it)";

// What a build produced: the image, and the port its plan says the app listens on.
struct BuiltImage {
  std::string image;
  int port = 0;  // 0 = the plan has no opinion
};

class Builder {
 public:
  virtual ~Builder() = default;
  // Builds `deployment` of `service` and returns the local image reference it produced.
  // The port comes from the plan (EXPOSE, ink.json, or the deploy's --port override).
  // `progress` receives short phase notes ("cloning", "building step 3/7") for the deployment's
  // message; `should_stop` is polled and, when true, the build is abandoned (inkd stopping, or the
  // deployment superseded or its service deleted).
  // A failure's message names the cause and ends with the tail of the build log.
  virtual Result<BuiltImage> Build(const Deployment& deployment, const Service& service,
                                   const std::function<void(const std::string&)>& progress,
                                   const std::function<bool()>& should_stop) = 0;
};

}  // namespace ink
