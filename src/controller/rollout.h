// Internal to the controller: Rollout, the state machine that takes one deployment from
// "pending" to "active" (or "failed").
//
// What it converges: the deployment's image exists on this host (built from its source, found
// in the local store or pulled), it has `replicas` running containers that all answer their
// readiness probe, the service's route sends traffic to them and ink-edge loaded that route,
// the store says the deployment is active, and after `drain` the previous release is removed.
// A step that fails, a replica that exits before it is ready, or a deadline that passes (health,
// route) fails the deployment instead: its replicas are removed and the previous release keeps
// serving.
//
// Stop-then-start: a deployment that mounts volumes must not run beside the release it replaces
// (a volume has one writer, and two database servers on one data directory corrupt it). Once its
// image is ready, such a rollout first stops and removes the previous release (kStopPrevious),
// then starts its own replicas; the service is down in between, and a failure after the stop
// means the previous release is started again by the replica reconciler (the controller keeps
// it from doing so while the rollout owns the stop). Nothing drains afterwards.
//
// How: pure transitions. The machine performs no I/O and reads no clock: Next(now) says what the
// controller should do next (an Action: build, prepare the image, start the replicas, check them,
// promote the route, activate, remove the previous release, fail), the controller does it off
// the loop and feeds the outcome back (Built, ImageReady, Started, Checked, Routed, Activated,
// Removed, FailRecorded), each with the time it was observed. While a step is in flight or the
// machine waits for a timer, Next answers kWait with the time it wants to be asked again
// (wake_at), so the loop sleeps until the earliest wake_at of all rollouts or an outcome,
// whichever comes first; nothing polls and no rollout has a thread.
//
// Restart: a machine holds nothing the store and the runtime cannot give back. After inkd
// restarts, a new Rollout of the same unfinished deployment skips the build if the store
// recorded its image, adopts its replicas (their names are deterministic) and promotes again;
// a deployment the store already calls active has no rollout (the garbage collector removes the
// superseded release's containers).
//
// Thread contract: none of its own. One Rollout is used by one thread at a time (the
// controller's loop thread).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ink/build/builder.h"
#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "ink/store/model.h"

namespace ink::controller_internal {

struct RolloutTimeouts {
  std::chrono::milliseconds health{60'000};     // from replicas started to all ready
  std::chrono::milliseconds route{15'000};      // from promotion to the edge serving the route
  std::chrono::milliseconds drain{1500};        // old release keeps serving this long
  std::chrono::milliseconds recheck{100};       // between readiness checks
  std::chrono::milliseconds route_recheck{20};  // between reads of the edge's report
  // A failed look-up of a local image (a busy podman) is asked again this often, this many times.
  std::chrono::milliseconds image_retry{500};
  int image_attempts = 10;
};

// One replica as a readiness check saw it.
struct ReplicaCheck {
  std::string container_id;
  bool gone = false;        // the runtime does not know it any more
  bool exited = false;      // it stopped (see exit_reason)
  std::string exit_reason;  // "exited with code 1", "was killed: out of memory (OOM)"
  bool ready = false;       // running and its readiness probe answered
  std::string address;      // IP, when running
};

// Whether ink-edge serves the route of a promoted rollout.
struct RouteObservation {
  enum class State { kPending, kLoaded, kRejected, kUnrouted } state = State::kPending;
  std::string reason;   // why the edge refused it (kRejected); the edge's problem (kPending)
  int64_t version = 0;  // route file version holding the promotion (0 = not written yet)
};

class Rollout {
 public:
  enum class Step {
    kBuild,         // building the image from the source
    kImage,         // checking or pulling the image
    kStopPrevious,  // stop-then-start only: stopping and removing the previous release
    kStart,         // creating and starting the replicas
    kHealthy,       // waiting until every replica is ready
    kRoute,         // waiting until ink-edge serves the new replicas
    kActivate,      // recording the activation in the store
    kDrain,         // waiting, then removing the previous release
    kFailing,       // recording the failure, removing the replicas
    kDone,          // nothing left to do (active, or failed)
  };

  struct Action {
    enum class Kind {
      kWait,            // nothing now: ask again at wake_at (or after the outcome in flight)
      kBuild,           // Builder::Build, then Built()
      kPrepareImage,    // find the image locally or pull it, then ImageReady()
      kStopPrevious,    // stop and remove previous()'s containers, then PreviousStopped()
      kStartReplicas,   // ensure every replica exists and runs, then Started()
      kCheckReplicas,   // inspect and probe each of replica_ids(), then Checked()
      kPromote,         // route the service to ready_backends(), then Promoted()
      kCheckRoute,      // read whether the edge serves it (quick), then Routed()
      kActivate,        // activate in the store (previous release drains), then Activated()
      kRemovePrevious,  // remove previous()'s containers, then Removed()
      kFail,            // record failure(), remove the replicas (and the promotion),
                        // then FailRecorded()
      kFinished,        // kDone: forget this rollout
    } kind = Kind::kWait;
    Clock::TimePoint wake_at{};  // kWait: when to ask again (max() = only after an outcome)
  };

  // `previous`: the service's active deployment when the rollout began ("" if none).
  Rollout(Deployment deployment, std::string previous, RolloutTimeouts timeouts,
          Clock::TimePoint now);

  // What to do now. Returns an action other than kWait once per step attempt; until its
  // outcome arrives, kWait.
  Action Next(Clock::TimePoint now);

  // Outcomes, each for the action of the same name. ImageReady with an Unavailable error (the
  // look-up failed, not the image) asks again, up to `image_attempts` times.
  void Built(const Result<BuiltImage>& image, Clock::TimePoint now);
  void ImageReady(const Status& status, Clock::TimePoint now);
  void PreviousStopped(Clock::TimePoint now);
  void Started(const Result<std::vector<std::string>>& container_ids, Clock::TimePoint now);
  void Checked(const Result<std::vector<ReplicaCheck>>& checks, Clock::TimePoint now);
  void Promoted(const Status& status, Clock::TimePoint now);
  void Routed(const RouteObservation& route, Clock::TimePoint now);
  void Activated(const Status& status, Clock::TimePoint now);
  void Removed(Clock::TimePoint now);
  void FailRecorded(Clock::TimePoint now);

  // Something changed that a waiting check should see now (a probe result): the next readiness
  // or route check is due at once.
  void Poke(Clock::TimePoint now);
  // Ends the rollout as failed with `reason` (the service was deleted, inkd gives up on it).
  void Abort(const std::string& reason, Clock::TimePoint now);

  Step step() const { return step_; }
  bool in_flight() const { return in_flight_; }
  const Deployment& deployment() const { return deployment_; }
  const std::string& previous() const { return previous_; }
  // The deployment mounts volumes and replaces a release: that release stops before this one
  // starts.
  bool stop_first() const { return stop_first_; }
  // True once the previous release may have been stopped (a failure from here starts it again).
  bool stopped_previous() const { return stopped_previous_; }
  const std::vector<std::string>& replica_ids() const { return replica_ids_; }
  // Addresses of the ready replicas (after the last check), in replica order.
  const std::vector<std::string>& ready_addresses() const { return ready_addresses_; }
  // Why it failed ("" unless it did) and whose log tail the failure should quote ("" = none).
  const std::string& failure() const { return failure_; }
  const std::string& log_tail_of() const { return log_tail_of_; }
  // True once the route of the new replicas may have been published (a failure withdraws it).
  bool promoted() const { return promoted_; }
  bool activated() const { return activated_; }
  // "image ready at 120 ms, replicas started at 900 ms, ..." (for the log line).
  const std::string& timings() const { return timings_; }

 private:
  void Go(Step step, Clock::TimePoint now);  // to `step`, due now
  void Fail(std::string reason, Clock::TimePoint now, std::string log_tail_of = "");
  void Lap(const char* what, Clock::TimePoint now);
  std::string HealthFailure() const;
  std::string RouteFailure(const RouteObservation& route) const;

  Deployment deployment_;  // the image and port are filled in by the build
  const std::string previous_;
  const bool stop_first_;
  const RolloutTimeouts timeouts_;
  const Clock::TimePoint started_;

  Step step_;
  bool in_flight_ = false;       // an action was handed out and its outcome has not come back
  Clock::TimePoint due_{};       // when the current step's next action is due
  Clock::TimePoint deadline_{};  // of kHealthy (health) and kRoute (route)
  int image_attempts_ = 0;
  std::vector<std::string> replica_ids_;
  std::vector<std::string> ready_addresses_;
  std::string failure_;
  std::string log_tail_of_;
  bool promoted_ = false;
  bool activated_ = false;
  bool stopped_previous_ = false;
  std::string timings_;
};

// "building", "image", ... (for logs and tests).
const char* Name(Rollout::Step step);

}  // namespace ink::controller_internal
