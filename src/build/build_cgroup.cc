#include "src/build/build_cgroup.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace ink::build {
namespace fs = std::filesystem;
namespace {

constexpr char kPrefix[] = "/ink-build-";

bool SafeCgroupPath(const std::string& path) {
  if (path.rfind(kPrefix, 0) != 0 || path.size() == sizeof kPrefix - 1) return false;
  if (path.back() == '/' || path.find("//") != std::string::npos) return false;
  if (path.find("/..") != std::string::npos || path.find("/./") != std::string::npos) return false;
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

// The hierarchies mounted under root: root itself on a pure cgroup v2 host, else each mounted
// v1 controller and the hybrid layout's "unified" (symlinks such as cpu,cpuacct skipped).
std::vector<fs::path> Hierarchies(const fs::path& root) {
  std::error_code ec;
  if (fs::exists(root / "cgroup.controllers", ec)) return {root};
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) out.push_back(entry.path());
  }
  return out;
}

// Every directory of the tree at `top`, deepest first (top last).
std::vector<fs::path> TreeDeepestFirst(const fs::path& top) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  if (!fs::is_directory(top, ec)) return dirs;
  dirs.push_back(top);
  for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
  }
  std::stable_sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());
  });
  return dirs;
}

std::set<pid_t> Pids(const std::vector<fs::path>& tops) {
  std::set<pid_t> pids;
  for (const auto& top : tops) {
    for (const auto& dir : TreeDeepestFirst(top)) {
      std::ifstream procs(dir / "cgroup.procs");
      pid_t pid = 0;
      while (procs >> pid) {
        if (pid > 0) pids.insert(pid);
      }
    }
  }
  return pids;
}

bool WriteOne(const fs::path& file) {
  std::ofstream out(file);
  out << "1";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

std::string InstanceBuildCgroup(const std::string& instance) { return kPrefix + instance; }

std::string BuildCgroup(const std::string& instance, const std::string& deployment_id) {
  return InstanceBuildCgroup(instance) + "/" + deployment_id;
}

Result<CgroupReaped> ReapCgroup(const std::string& root, const std::string& cgroup,
                                std::chrono::milliseconds wait) {
  if (!SafeCgroupPath(cgroup)) {
    return InvalidArgument("refusing to empty the cgroup " + cgroup +
                           ": only build cgroups (/ink-build-<instance>[/<deployment>]) are "
                           "emptied by inkd");
  }
  CgroupReaped reaped;
  std::vector<fs::path> tops;
  std::error_code ec;
  for (const auto& hierarchy : Hierarchies(root)) {
    fs::path top = hierarchy / cgroup.substr(1);
    if (fs::is_directory(top, ec)) tops.push_back(top);
  }
  if (tops.empty()) return reaped;
  reaped.existed = true;

  // cgroup.kill (v2) kills the whole subtree, forks in flight included; else SIGKILL each pid
  // until none is left (a process forking meanwhile is found on the next round).
  std::optional<fs::path> kill_file;
  for (const auto& top : tops) {
    if (fs::exists(top / "cgroup.kill", ec)) kill_file = top / "cgroup.kill";
  }
  auto pids = Pids(tops);
  reaped.killed = static_cast<int>(pids.size());
  if (!pids.empty() && kill_file && !WriteOne(*kill_file)) kill_file.reset();
  using Clock = std::chrono::steady_clock;  // I/O edge: waits on the kernel
  const auto deadline = Clock::now() + wait;
  while (!pids.empty()) {
    if (!kill_file) {
      for (pid_t pid : pids) ::kill(pid, SIGKILL);
    }
    if (Clock::now() >= deadline) {
      return Unavailable(std::to_string(pids.size()) + " process(es) of the build cgroup " +
                         cgroup + " did not die within " + std::to_string(wait.count()) +
                         " ms; inkd tries again at its next start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pids = Pids(tops);
  }
  // A cgroup whose last task just exited can answer EBUSY for a moment.
  for (const auto& top : tops) {
    for (const auto& dir : TreeDeepestFirst(top)) {
      while (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
        if (errno != EBUSY || Clock::now() >= deadline) {
          return Unavailable("cannot remove the build cgroup " + dir.string() + ": " +
                             std::strerror(errno));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  return reaped;
}

}  // namespace ink::build
