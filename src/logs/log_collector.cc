#include "ink/logs/log_collector.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "ink/common/log.h"
#include "src/logs/k8s_file.h"

namespace ink::logs {
namespace {

using logs_internal::ContainerLine;
using logs_internal::K8sFileParser;
using logs_internal::LineRateLimit;

constexpr size_t kReadBytes = 1 << 20;  // per replica per wake-up
constexpr const char* kLog = "logs";

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Label(const ContainerInfo& c, const char* key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? "" : it->second;
}

}  // namespace

struct LogCollector::Impl {
  struct Source {
    std::string container_id, service, deployment, replica, path;
    int fd = -1;
    ino_t inode = 0;
    int64_t offset = 0;
    int watch = -1;
    std::string pending;  // read, not yet parsed (an unfinished line)
    K8sFileParser parser{kMaxLineBytes};
    LineRateLimit limit;
    Source(double rate, double burst) : limit(rate, burst) {}
  };

  Impl(ContainerRuntime& r, LogStore& s, Watch& w, CollectorOptions o)
      : runtime(r), store(s), watch(w), options(std::move(o)) {}

  ContainerRuntime& runtime;
  LogStore& store;
  Watch& watch;
  const CollectorOptions options;
  std::atomic<bool> stopping{false};
  std::thread thread;
  int inotify = -1;
  int wake[2] = {-1, -1};
  std::map<std::string, std::unique_ptr<Source>> sources;  // by container id; thread only

  // The checkpoint text: "<inode> <offset>".
  static std::string Checkpoint(const Source& s) {
    return std::to_string(s.inode) + " " + std::to_string(s.offset);
  }

  bool OpenFile(Source& s, bool resume) {
    int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    ::fstat(fd, &st);
    if (s.fd >= 0) ::close(s.fd);
    s.fd = fd;
    s.offset = 0;
    s.pending.clear();
    s.inode = st.st_ino;
    if (resume) {
      auto log = store.Service(s.service);
      if (log.ok()) {
        auto checkpoints = (*log)->Checkpoints();
        auto it = checkpoints.find(s.container_id);
        unsigned long long inode = 0;
        long long offset = 0;
        if (it != checkpoints.end() &&
            std::sscanf(it->second.c_str(), "%llu %lld", &inode, &offset) == 2 &&
            inode == st.st_ino && offset <= st.st_size) {
          s.offset = offset;
        }
      }
    }
    return true;
  }

  void Discover() {
    auto containers = runtime.ListContainers({{"ink.instance", options.instance}});
    if (!containers.ok()) return;
    std::map<std::string, bool> seen;
    for (const auto& c : *containers) {
      seen[c.id] = true;
      if (sources.count(c.id) || Label(c, "ink.service").empty()) continue;
      auto info = runtime.InspectContainer(c.id);
      if (!info.ok() || info->log_path.empty()) continue;
      auto s = std::make_unique<Source>(options.rate, options.burst);
      s->container_id = c.id;
      s->service = Label(c, "ink.service");
      s->deployment = Label(c, "ink.deployment");
      s->replica = Label(c, "ink.replica");
      s->path = info->log_path;
      if (!OpenFile(*s, true)) continue;
      // The directory: conmon's rotation replaces the file (IN_CREATE / IN_MOVED_TO).
      std::string dir = s->path.substr(0, s->path.rfind('/'));
      s->watch = ::inotify_add_watch(inotify, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
      sources[c.id] = std::move(s);
    }
    for (auto it = sources.begin(); it != sources.end();) {
      if (seen.count(it->first)) {
        ++it;
        continue;
      }
      Source& s = *it->second;
      while (Read(s)) {
      }
      if (s.watch >= 0) ::inotify_rm_watch(inotify, s.watch);
      if (s.fd >= 0) ::close(s.fd);
      if (auto log = store.Service(s.service); log.ok()) (*log)->ForgetCheckpoint(s.container_id);
      it = sources.erase(it);
    }
  }

  // Reads and stores what is new in `s`'s file (at most kReadBytes); true if there may be more.
  bool Read(Source& s) {
    if (s.fd < 0) return false;
    std::string buffer = std::move(s.pending);
    size_t had = buffer.size();
    buffer.resize(had + kReadBytes);
    ssize_t n =
        ::pread(s.fd, buffer.data() + had, kReadBytes, s.offset + static_cast<int64_t>(had));
    if (n < 0) n = 0;
    buffer.resize(had + static_cast<size_t>(n));
    if (n == 0) {
      s.pending = std::move(buffer);
      // At the end: conmon may have replaced the file (rotation).
      struct stat st {};
      if (::stat(s.path.c_str(), &st) == 0 && st.st_ino != s.inode) {
        OpenFile(s, false);
        return true;
      }
      return false;
    }
    int64_t now = NowNanos();
    std::vector<LogRecord> records;
    auto flush_drops = [&](int64_t at) {
      if (int64_t dropped = s.limit.TakeDropped(); dropped > 0) {
        records.push_back({.nanos = at,
                           .stream = LogStream::kDropped,
                           .deployment = s.deployment,
                           .replica = s.replica,
                           .text = std::to_string(dropped)});
      }
    };
    int64_t last_nanos = now;
    size_t used = s.parser.Feed(buffer, [&](const ContainerLine& line) {
      int64_t at = line.nanos > 0 ? line.nanos : now;
      last_nanos = at;
      if (!s.limit.Admit(at)) return;
      flush_drops(at);
      records.push_back({.nanos = at,
                         .stream = line.is_stderr ? LogStream::kStderr : LogStream::kStdout,
                         .deployment = s.deployment,
                         .replica = s.replica,
                         .text = std::string(line.text)});
    });
    flush_drops(last_nanos);
    s.offset += static_cast<int64_t>(used);
    s.pending = buffer.substr(used);
    if (s.pending.size() > 4 * kMaxLineBytes + 8192) s.pending.clear();  // cannot happen
    auto log = store.Service(s.service);
    if (log.ok()) {
      auto appended = (*log)->Append(std::move(records), now, s.container_id, Checkpoint(s));
      if (!appended.ok()) LogWarn(kLog, "cannot store logs: " + appended.error().message);
      watch.Notify(RuntimeLogKey(s.service));
    }
    return static_cast<size_t>(n) == kReadBytes;
  }

  void Run() {
    auto next_discovery = std::chrono::steady_clock::now();
    while (!stopping) {
      auto now = std::chrono::steady_clock::now();
      if (now >= next_discovery) {
        Discover();
        next_discovery = now + std::chrono::seconds(1);
      }
      bool more = false;
      for (auto& [id, s] : sources) more |= Read(*s);
      if (more) continue;
      pollfd fds[2] = {{inotify, POLLIN, 0}, {wake[0], POLLIN, 0}};
      int timeout = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         next_discovery - std::chrono::steady_clock::now())
                                         .count());
      ::poll(fds, 2, std::max(timeout, 0));
      if (fds[0].revents & POLLIN) {
        char events[4096];
        while (::read(inotify, events, sizeof events) > 0) {
        }
      }
    }
    for (auto& [id, s] : sources) {
      while (Read(*s)) {
      }
      if (s->fd >= 0) ::close(s->fd);
    }
    sources.clear();
  }
};

LogCollector::LogCollector(ContainerRuntime& runtime, LogStore& store, Watch& watch,
                           CollectorOptions options)
    : impl_(std::make_unique<Impl>(runtime, store, watch, std::move(options))) {}

LogCollector::~LogCollector() { Stop(); }

void LogCollector::Start() {
  impl_->inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (::pipe2(impl_->wake, O_CLOEXEC | O_NONBLOCK) != 0) impl_->wake[0] = impl_->wake[1] = -1;
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void LogCollector::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  char byte = 1;
  (void)!::write(impl_->wake[1], &byte, 1);
  impl_->thread.join();
  for (int fd : {impl_->inotify, impl_->wake[0], impl_->wake[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

}  // namespace ink::logs
