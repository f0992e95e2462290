#include "ink/controller/health_prober.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ink/http/client.h"

namespace ink {
namespace {

// True if a TCP connection to ip:port succeeds within `timeout`.
bool TcpConnects(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  ::close(fd);
  return ok;
}

// The status of GET `path`, or 0 if no HTTP answer came within `timeout`.
int HttpStatusOf(const std::string& ip, int port, const std::string& path,
                 std::chrono::milliseconds timeout) {
  auto endpoint = http::Endpoint::Parse("http://" + ip + ":" + std::to_string(port));
  if (!endpoint.ok()) return 0;
  http::HttpClient client(*endpoint);
  auto response = client.Do({.method = "GET",
                             .target = path,
                             .headers = {{"User-Agent", "ink-health-check"}},
                             .timeout = timeout},
                            64 << 10);
  return response.ok() ? response->status : 0;
}

}  // namespace

bool NetworkProber::Probe(const ProbeTarget& target, std::chrono::milliseconds timeout) {
  using std::chrono::milliseconds;
  const auto start = clock_.Steady();
  auto left = [&] {
    auto spent = std::chrono::duration_cast<milliseconds>(clock_.Steady() - start);
    return std::max(milliseconds(1), timeout - spent);
  };
  if (!TcpConnects(target.address, target.port, std::min(timeout, milliseconds(300)))) {
    return false;
  }
  if (target.kind == ProbeTarget::Kind::kConnect) return true;
  // A new release takes traffic once it accepts TCP on its port and, for HTTP apps, answers
  // below 500: on the path the service names (required), else on / or /healthz (an app that
  // does not speak HTTP passes on TCP alone).
  if (!target.http_path.empty()) {
    int status = HttpStatusOf(target.address, target.port, target.http_path, left());
    return status > 0 && status < 500;
  }
  int root = HttpStatusOf(target.address, target.port, "/", left() / 2);
  if (root == 0 || root < 500) return true;
  int healthz = HttpStatusOf(target.address, target.port, "/healthz", left());
  return healthz > 0 && healthz < 500;
}

HealthProberOptions ReadinessProberOptions() {
  HealthProberOptions o;
  o.workers = 16;
  o.per_group = 2;
  o.timeout = std::chrono::milliseconds(2300);
  o.interval = std::chrono::milliseconds(100);
  o.failure_threshold = 1;
  return o;
}

HealthProber::HealthProber(Prober& prober, Clock& clock, HealthProberOptions options,
                           std::function<void()> on_change)
    : prober_(prober),
      clock_(clock),
      options_(std::move(options)),
      on_change_(std::move(on_change)) {}

HealthProber::~HealthProber() { Stop(); }

void HealthProber::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < options_.workers; ++i) StartWorker();
}

void HealthProber::Stop() {
  std::map<int, std::thread> threads;
  std::vector<Clock::TimerId> timers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_keys_.clear();
    for (auto& [id, r] : running_) timers.push_back(r.deadline_timer);
    threads.swap(threads_);
  }
  cv_.notify_all();
  // 0: the worker has not set its timer yet (it cancels its own after the probe). Cancel(0)
  // must not be asked: the fake clock's queue would wait for a timer 0 to stop running.
  for (auto timer : timers) {
    if (timer != 0) clock_.Cancel(timer);
  }
  for (auto& [n, t] : threads) t.join();
}

void HealthProber::StartWorker() {
  for (int n : exited_) {
    auto it = threads_.find(n);
    if (it != threads_.end()) {
      it->second.join();  // it returned already (it marked itself exited last)
      threads_.erase(it);
    }
  }
  exited_.clear();
  int n = next_worker_++;
  ++live_workers_;
  threads_[n] = std::thread([this, n] { Work(n); });
}

void HealthProber::Exit(int worker) { exited_.push_back(worker); }

void HealthProber::Request(const std::string& key, const ProbeTarget& target) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || busy_keys_.count(key)) return;
    auto last = results_.find(key);
    if (last != results_.end() && clock_.Steady() - last->second.at < options_.interval) return;
    busy_keys_.insert(key);
    queued_keys_.insert(key);
    queue_.push_back({key, target});
  }
  cv_.notify_all();
}

void HealthProber::Record(const std::string& key, bool healthy) {
  std::lock_guard lock(mu_);
  results_[key] = {healthy, false, clock_.Steady(), healthy ? 0 : 1};
}

ProbeResult HealthProber::Next(const ProbeResult& last, bool healthy, bool timed_out) const {
  ProbeResult next{healthy, timed_out, clock_.Steady(), healthy ? 0 : last.failures + 1};
  if (!healthy && last.healthy && next.failures < options_.failure_threshold) next.healthy = true;
  return next;
}

std::optional<ProbeResult> HealthProber::Last(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = results_.find(key);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

void HealthProber::Retain(const std::set<std::string>& keys) {
  std::lock_guard lock(mu_);
  const auto now = clock_.Steady();
  for (auto it = results_.begin(); it != results_.end();) {
    bool keep = keys.count(it->first) || now - it->second.at < options_.forget_after;
    it = keep ? std::next(it) : results_.erase(it);
  }
  std::erase_if(queue_, [&](const Pending& p) {
    if (keys.count(p.key)) return false;
    queued_keys_.erase(p.key);
    busy_keys_.erase(p.key);
    return true;
  });
}

size_t HealthProber::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t HealthProber::running() const {
  std::lock_guard lock(mu_);
  return running_.size();
}

int HealthProber::replaced() const {
  std::lock_guard lock(mu_);
  return replaced_;
}

std::optional<HealthProber::Pending> HealthProber::TakeEligible() {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (running_by_group_[it->target.group] >= options_.per_group) continue;
    Pending p = std::move(*it);
    queue_.erase(it);
    queued_keys_.erase(p.key);
    return p;
  }
  return std::nullopt;
}

void HealthProber::Work(int worker) {
  std::unique_lock lock(mu_);
  while (true) {
    std::optional<Pending> next;
    cv_.wait(lock, [&] { return stopping_ || (next = TakeEligible()).has_value(); });
    if (stopping_) {
      if (next) busy_keys_.erase(next->key);
      return;
    }
    const uint64_t id = next_probe_id_++;
    ++running_by_group_[next->target.group];
    running_[id] = {next->target.group, next->key};
    const auto deadline = clock_.Steady() + options_.timeout;
    lock.unlock();
    Clock::TimerId timer = clock_.RunAt(deadline, [this, id] { OnDeadline(id); });
    lock.lock();
    auto mine = running_.find(id);
    if (mine != running_.end()) mine->second.deadline_timer = timer;
    lock.unlock();

    bool healthy = prober_.Probe(next->target, options_.timeout);
    clock_.Cancel(timer);  // not under mu_: a callback that started takes it

    lock.lock();
    Running ran = running_[id];
    running_.erase(id);
    if (--running_by_group_[ran.group] == 0) running_by_group_.erase(ran.group);
    busy_keys_.erase(next->key);
    auto& result = results_[next->key];
    // A probe that returns after its deadline still says what it saw, and is the newest word.
    ProbeResult next_result = Next(result, healthy, false);
    bool changed = result.healthy != next_result.healthy || result.timed_out ||
                   result.at == Clock::TimePoint{};
    result = next_result;
    if (ran.timed_out) {
      // This worker was replaced while it hung: it stays only if the pool is short.
      --stuck_;
      if (live_workers_ >= options_.workers || stopping_) {
        Exit(worker);
        lock.unlock();
        if (changed && on_change_) on_change_();
        return;
      }
      ++live_workers_;
    }
    if (changed && on_change_) {
      lock.unlock();
      on_change_();
      lock.lock();
    }
    if (stopping_) return;
  }
}

void HealthProber::OnDeadline(uint64_t probe_id) {
  {
    std::lock_guard lock(mu_);
    auto it = running_.find(probe_id);
    if (it == running_.end() || stopping_) return;
    it->second.timed_out = true;
    // The key stays busy while its probe runs (one hanging probe per replica at most); until it
    // returns, its result says "timed out".
    auto& result = results_[it->second.key];
    result = Next(result, false, true);
    --live_workers_;
    ++stuck_;
    if (stuck_ <= options_.max_stuck) {
      ++replaced_;
      StartWorker();
    }
  }
  cv_.notify_all();
  if (on_change_) on_change_();
}

}  // namespace ink
