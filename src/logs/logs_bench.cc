// bench/logs/run.sh: Ink's log collection (LogCollector + LogStore, the code inkd runs) over a
// k8s-file log that podman's conmon wrote for a real container. The collector reads the file from
// its start, as it would a new replica's, with the rate limit off so every line is stored; this
// prints the CPU it took (lines per CPU second = per core), the wall time, and bytes per line in
// the k8s-file and in Ink's segments.
// Usage: ink_logs_bench CTR_LOG LINES [STORE_DIR]
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "ink/common/clock.h"
#include "ink/common/watch.h"
#include "ink/logs/log_collector.h"
#include "ink/logs/log_store.h"
#include "ink/runtime/fake_runtime.h"

namespace {

// One running container whose log is the given file.
class FileRuntime : public ink::FakeRuntime {
 public:
  explicit FileRuntime(std::string path) : path_(std::move(path)) {}
  ink::Result<std::vector<ink::ContainerInfo>> ListContainers(
      const std::map<std::string, std::string>&) override {
    auto info = InspectContainer("bench");
    if (!info.ok()) return info.error();
    return std::vector<ink::ContainerInfo>{*info};
  }
  ink::Result<ink::ContainerInfo> InspectContainer(const std::string&) override {
    ink::ContainerInfo c;
    c.id = "bench";
    c.state = "running";
    c.log_path = path_;
    c.labels = {{"ink.instance", "bench"},
                {"ink.service", "svc_bench"},
                {"ink.deployment", "dep_abcdefghijklmnop"},  // a real id's length
                {"ink.replica", "0"}};
    return c;
  }

 private:
  std::string path_;
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CTR_LOG LINES [STORE_DIR]\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  uint64_t lines = std::strtoull(argv[2], nullptr, 10);
  std::string dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path() / "ink-logs-bench";
  std::filesystem::remove_all(dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || lines == 0) {
    std::fprintf(stderr, "%s: no such file, or LINES is 0\n", path.c_str());
    return 2;
  }
  FileRuntime runtime(path);
  ink::Watch watch(ink::SystemClock());
  // Room for every line: nothing is dropped for size, so bytes per line are the format's.
  ink::logs::LogStore store(dir, {.max_bytes = int64_t{8} << 30});
  ink::logs::LogCollector collector(runtime, store, watch,
                                    {.instance = "bench", .rate = 1e12, .burst = 1e12});
  double cpu_before = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  collector.Start();
  auto log = store.Service("svc_bench");
  if (!log.ok()) {
    std::fprintf(stderr, "opening the store: %s\n", log.error().message.c_str());
    return 1;
  }
  while ((*log)->Stats().last_seq < lines) {
    if (std::chrono::steady_clock::now() - start > std::chrono::minutes(5)) {
      std::fprintf(stderr, "only %llu of %llu lines stored after 5 min\n",
                   (unsigned long long)(*log)->Stats().last_seq, (unsigned long long)lines);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  collector.Stop();
  double cpu = CpuSeconds() - cpu_before;
  ink::logs::LogStats stats = (*log)->Stats();
  std::printf(
      "ink_collector lines=%llu cpu_s=%.3f wall_s=%.3f lines_per_cpu_s=%.0f "
      "k8s_file_bytes_per_line=%.1f ink_store_bytes_per_line=%.1f ink_segments=%d\n",
      (unsigned long long)lines, cpu, wall, double(lines) / cpu, double(st.st_size) / lines,
      double(stats.bytes) / lines, stats.segments);
  std::filesystem::remove_all(dir);
  return 0;
}
