#include "ink/metrics/sampler.h"

#include "ink/common/log.h"
#include "ink/metrics/metric_rules.h"
#include "src/metrics/cgroup_reader.h"

namespace ink::metrics {
namespace {

std::string Label(const ContainerInfo& c, const char* key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? "" : it->second;
}

TrafficDelta EdgeDelta(const EdgeServiceCounters* before, const EdgeServiceCounters& after) {
  TrafficDelta d;
  std::vector<uint64_t> buckets(after.latency_buckets.size(), 0);
  for (int i = 0; i < 4; ++i) {
    uint64_t b = before ? before->status[i] : 0;
    d.status[i] = static_cast<double>(after.status[i] >= b ? after.status[i] - b : after.status[i]);
    d.requests += d.status[i];
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    uint64_t b = before && i < before->latency_buckets.size() ? before->latency_buckets[i] : 0;
    buckets[i] = after.latency_buckets[i] >= b ? after.latency_buckets[i] - b : 0;
  }
  d.p50_ms = HistogramQuantile(buckets, 0.5);
  d.p95_ms = HistogramQuantile(buckets, 0.95);
  d.p99_ms = HistogramQuantile(buckets, 0.99);
  return d;
}

}  // namespace

MetricsSampler::MetricsSampler(ContainerRuntime& runtime, MetricsStore& store, Clock& clock,
                               SamplerOptions options)
    : runtime_(runtime), store_(store), clock_(clock), options_(std::move(options)) {
  if (!options_.read_counters) {
    options_.read_counters = [](const ContainerInfo& c, int64_t now_ms) {
      return ReadContainerCounters(CgroupLayout{}, c.cgroup_path, c.pid, now_ms);
    };
  }
}

MetricsSampler::~MetricsSampler() { Stop(); }

void MetricsSampler::SampleOnce() {
  auto containers = runtime_.ListContainers({{"ink.instance", options_.instance}});
  if (!containers.ok()) {
    LogWarn("metrics", "no sample this pass: listing containers: " + containers.error().message);
    return;
  }
  int64_t now = clock_.NowMillis();
  struct PerService {
    std::vector<ContainerRates> rates;
    std::vector<ContainerCounters> readings;
    std::vector<std::string> replicas;  // each reading's replica label
  };
  std::map<std::string, PerService> services;
  std::map<std::string, Tracked> seen;
  for (const auto& c : *containers) {
    std::string service = Label(c, "ink.service");
    if (service.empty() || c.state != "running") continue;
    auto it = tracked_.find(c.id);
    Tracked t;
    bool baseline = it != tracked_.end();
    if (baseline) {
      t = std::move(it->second);
    } else {
      if (c.pid <= 0) continue;  // ListContainers answers each container's inspect
      t.info = c;
      t.service_id = service;
    }
    ContainerCounters now_counters = options_.read_counters(t.info, now);
    if (baseline) {
      services[service].rates.push_back(RatesBetween(t.last, now_counters));
      services[service].readings.push_back(now_counters);
      services[service].replicas.push_back(Label(c, "ink.replica"));
    }
    t.last = now_counters;
    seen[c.id] = std::move(t);
  }
  tracked_ = std::move(seen);  // containers gone are forgotten
  std::map<std::string, EdgeServiceCounters> edge;
  if (options_.edge_counters) edge = options_.edge_counters();
  double interval_s =
      last_sample_ms_ > 0 ? (now - last_sample_ms_) / 1000.0 : options_.interval.count() / 1000.0;
  for (auto& [service, p] : services) {
    TrafficDelta traffic;
    if (auto e = edge.find(service); e != edge.end()) {
      auto before = last_edge_.find(service);
      traffic = EdgeDelta(before == last_edge_.end() ? nullptr : &before->second, e->second);
    }
    store_.Record(service, ServiceSample(now, interval_s, p.rates, p.readings, traffic));
    // Each replica's own series (no traffic: the edge counts by service).
    for (size_t i = 0; i < p.readings.size(); ++i) {
      if (p.replicas[i].empty()) continue;
      store_.Record(ReplicaSeriesKey(service, p.replicas[i]),
                    ServiceSample(now, interval_s, {p.rates[i]}, {p.readings[i]}, {}));
    }
  }
  last_edge_ = std::move(edge);
  last_sample_ms_ = now;
  store_.DropIdle(now - kCoarseRetentionMs);
  if (options_.after_pass) options_.after_pass();
}

void MetricsSampler::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    Clock::TimePoint warned{};
    while (!stopping_) {
      lock.unlock();
      Clock::TimePoint began = clock_.Steady();
      SampleOnce();
      // A pass longer than the interval means sparser samples than asked for: say so (once a
      // minute), with how long the runtime took.
      auto took = clock_.Steady() - began;
      if (took > options_.interval && clock_.Steady() - warned > std::chrono::minutes(1)) {
        warned = clock_.Steady();
        LogWarn("metrics", "a sampling pass took " +
                               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  took).count()) +
                               " ms, more than the interval");
      }
      lock.lock();
      WaitUntil(clock_, lock, wake_, clock_.Steady() + options_.interval,
                [this] { return stopping_; });
    }
  });
}

void MetricsSampler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ink::metrics
