// LogCollector: copies every replica's stdout/stderr into the LogStore as it is written.
//
// Podman's conmon writes each container's output to a k8s-file log (its own process: the
// container never waits for Ink). One collector thread finds the instance's containers (every
// second), opens each log file once and reads it incrementally from its offset, woken by
// inotify when the file grows, never from the start again: the offset is stored as a
// checkpoint with the lines (log_store.h), so after an inkd restart collection resumes exactly
// there. A file replaced by conmon's rotation is drained through the descriptor still open and
// then reopened; so is a container that was removed (its open file stays readable).
//
// Each replica may store `rate` lines per second with a burst of `burst`; beyond that lines
// are dropped (read, counted, not stored) and a drop note with the count is stored instead.
// Reading is bounded per wake-up, so one flooding replica cannot starve the others.
//
// Thread contract: Start/Stop from one thread; the collector's own thread does all the work
// and notifies RuntimeLogKey(service) on `watch` after every stored batch.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "ink/common/clock.h"
#include "ink/common/watch.h"
#include "ink/logs/log_store.h"
#include "ink/runtime/runtime.h"

namespace ink::logs {

struct CollectorOptions {
  std::string instance;  // the ink.instance label of this inkd's containers
  double rate = 500;     // lines per second per replica
  double burst = 5000;   // lines at once per replica
};

class LogCollector {
 public:
  LogCollector(ContainerRuntime& runtime, LogStore& store, Watch& watch, CollectorOptions options);
  ~LogCollector();
  void Start();
  // Stores what has been read and ends the thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink::logs
