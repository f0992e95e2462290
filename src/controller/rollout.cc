#include "rollout.h"

#include <utility>

namespace ink::controller_internal {

namespace {

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

}  // namespace

const char* Name(Rollout::Step step) {
  switch (step) {
    case Rollout::Step::kBuild:
      return "build";
    case Rollout::Step::kImage:
      return "image";
    case Rollout::Step::kStopPrevious:
      return "stop previous";
    case Rollout::Step::kStart:
      return "start";
    case Rollout::Step::kHealthy:
      return "healthy";
    case Rollout::Step::kRoute:
      return "route";
    case Rollout::Step::kActivate:
      return "activate";
    case Rollout::Step::kDrain:
      return "drain";
    case Rollout::Step::kFailing:
      return "failing";
    case Rollout::Step::kDone:
      return "done";
  }
  return "?";
}

Rollout::Rollout(Deployment deployment, std::string previous, RolloutTimeouts timeouts,
                 Clock::TimePoint now)
    : deployment_(std::move(deployment)),
      previous_(std::move(previous)),
      stop_first_(!previous_.empty() && !deployment_.spec.volumes.empty()),
      timeouts_(timeouts),
      started_(now),
      step_(!deployment_.spec.source.empty() && deployment_.spec.image.empty() ? Step::kBuild
                                                                               : Step::kImage),
      due_(now) {}

Rollout::Action Rollout::Next(Clock::TimePoint now) {
  using Kind = Action::Kind;
  if (step_ == Step::kDone) return {Kind::kFinished};
  if (in_flight_) return {Kind::kWait, Clock::TimePoint::max()};
  if (now < due_) return {Kind::kWait, due_};
  Kind kind = Kind::kWait;
  switch (step_) {
    case Step::kBuild:
      kind = Kind::kBuild;
      break;
    case Step::kImage:
      kind = Kind::kPrepareImage;
      break;
    case Step::kStopPrevious:
      kind = Kind::kStopPrevious;
      stopped_previous_ = true;  // from the moment the stop is handed out
      break;
    case Step::kStart:
      kind = Kind::kStartReplicas;
      break;
    case Step::kHealthy:
      kind = Kind::kCheckReplicas;
      break;
    case Step::kRoute:
      kind = promoted_ ? Kind::kCheckRoute : Kind::kPromote;
      break;
    case Step::kActivate:
      kind = Kind::kActivate;
      break;
    case Step::kDrain:
      kind = Kind::kRemovePrevious;
      break;
    case Step::kFailing:
      kind = Kind::kFail;
      break;
    case Step::kDone:
      return {Kind::kFinished};
  }
  in_flight_ = true;
  return {kind};
}

void Rollout::Built(const Result<BuiltImage>& image, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kBuild) return;
  if (!image.ok()) return Fail("build failed: " + image.error().message, now);
  deployment_.spec.image = image->image;
  if (image->port > 0) deployment_.spec.port = image->port;
  Lap("built", now);
  Go(Step::kImage, now);
}

void Rollout::ImageReady(const Status& status, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kImage) return;
  if (!status.ok() && status.error().code == ErrorCode::kUnavailable &&
      ++image_attempts_ < timeouts_.image_attempts) {
    in_flight_ = false;
    due_ = now + timeouts_.image_retry;
    return;
  }
  if (!status.ok()) return Fail(status.error().message, now);
  Lap("image ready", now);
  Go(stop_first_ ? Step::kStopPrevious : Step::kStart, now);
}

void Rollout::PreviousStopped(Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kStopPrevious) return;
  Lap("previous release stopped", now);
  Go(Step::kStart, now);
}

void Rollout::Started(const Result<std::vector<std::string>>& container_ids, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kStart) return;
  if (!container_ids.ok()) return Fail(container_ids.error().message, now);
  replica_ids_ = *container_ids;
  Lap("replicas started", now);
  deadline_ = now + timeouts_.health;
  Go(Step::kHealthy, now);
}

void Rollout::Checked(const Result<std::vector<ReplicaCheck>>& checks, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kHealthy) return;
  in_flight_ = false;
  std::string first = replica_ids_.empty() ? "" : replica_ids_.front();
  if (checks.ok()) {
    ready_addresses_.clear();
    for (size_t i = 0; i < checks->size(); ++i) {
      const ReplicaCheck& c = (*checks)[i];
      std::string replica = "replica " + std::to_string(i);
      if (c.gone) return Fail(replica + " disappeared during start: " + c.exit_reason, now);
      if (c.exited) {
        return Fail(replica + " " + c.exit_reason + " before it became healthy", now,
                    c.container_id);
      }
      if (c.ready) ready_addresses_.push_back(c.address);
    }
    if (ready_addresses_.size() == replica_ids_.size()) {
      Lap("healthy", now);
      deadline_ = now + timeouts_.route;
      promoted_ = false;
      return Go(Step::kRoute, now);
    }
  }
  // Not ready yet (or the runtime did not answer this time): look again, until the deadline.
  if (now > deadline_) return Fail(HealthFailure(), now, first);
  due_ = now + timeouts_.recheck;
}

void Rollout::Promoted(const Status& status, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kRoute || promoted_) return;
  promoted_ = true;  // even a failed publish may have written part of it: withdraw on failure
  if (!status.ok()) return Fail("routing the new replicas failed: " + status.error().message, now);
  in_flight_ = false;
  due_ = now;
}

void Rollout::Routed(const RouteObservation& route, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kRoute || !promoted_) return;
  using State = RouteObservation::State;
  const std::string keeps = stopped_previous_ ? "; the previous release is started again"
                                              : "; the previous release keeps serving";
  switch (route.state) {
    case State::kLoaded:
      Lap("routed", now);
      return Go(Step::kActivate, now);
    case State::kRejected:
    case State::kUnrouted:
      return Fail(route.reason + keeps, now);
    case State::kPending:
      break;
  }
  in_flight_ = false;
  if (now > deadline_) return Fail(RouteFailure(route) + keeps, now);
  due_ = now + timeouts_.route_recheck;
}

void Rollout::Activated(const Status& status, Clock::TimePoint now) {
  if (!in_flight_ || step_ != Step::kActivate) return;
  if (!status.ok()) return Fail("activating failed: " + status.error().message, now);
  activated_ = true;
  Lap("active", now);
  if (previous_.empty() || stopped_previous_) {  // nothing left to drain
    in_flight_ = false;
    step_ = Step::kDone;
    return;
  }
  Go(Step::kDrain, now);
  due_ = now + timeouts_.drain;
}

void Rollout::Removed(Clock::TimePoint) {
  if (!in_flight_ || step_ != Step::kDrain) return;
  in_flight_ = false;
  step_ = Step::kDone;
}

void Rollout::FailRecorded(Clock::TimePoint) {
  if (!in_flight_ || step_ != Step::kFailing) return;
  in_flight_ = false;
  step_ = Step::kDone;
}

void Rollout::Poke(Clock::TimePoint now) {
  if ((step_ == Step::kHealthy || step_ == Step::kRoute) && !in_flight_ && due_ > now) due_ = now;
}

void Rollout::Abort(const std::string& reason, Clock::TimePoint now) {
  // Once active, the deployment is the service's: what is left (draining) finishes as it is.
  if (activated_ || step_ == Step::kFailing || step_ == Step::kDone) return;
  Fail(reason, now);
}

void Rollout::Go(Step step, Clock::TimePoint now) {
  step_ = step;
  in_flight_ = false;
  due_ = now;
}

void Rollout::Fail(std::string reason, Clock::TimePoint now, std::string log_tail_of) {
  failure_ = std::move(reason);
  if (stopped_previous_ && failure_.find("the previous release") == std::string::npos) {
    failure_ += "; the previous release is started again";
  }
  log_tail_of_ = std::move(log_tail_of);
  Go(Step::kFailing, now);
}

void Rollout::Lap(const char* what, Clock::TimePoint now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  timings_ += std::string(timings_.empty() ? "" : ", ") + what + " at " +
              std::to_string(ms.count()) + " ms";
}

std::string Rollout::HealthFailure() const {
  const ServiceSpec& spec = deployment_.spec;
  std::string port = std::to_string(spec.port);
  std::string what =
      spec.health_check_path.empty()
          ? "nothing accepted TCP connections on port " + port + " (or / and /healthz answered 5xx)"
          : "GET " + spec.health_check_path + " on port " + port + " did not answer below 500";
  return "health check failed: " + what + " within " + Seconds(timeouts_.health) +
         "; make the app listen on 0.0.0.0:$PORT or deploy with the port it uses";
}

std::string Rollout::RouteFailure(const RouteObservation& route) const {
  if (route.version == 0)
    return "the route file was not written within " + Seconds(timeouts_.route);
  return "ink-edge did not load route table version " + std::to_string(route.version) + " within " +
         Seconds(timeouts_.route) + (route.reason.empty() ? "" : " (" + route.reason + ")");
}

}  // namespace ink::controller_internal
