#include "edge_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ink/common/log.h"
#include "ink/common/subprocess.h"

namespace ink {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path + ".tmp", std::ios::trunc);
  out << text;
  out.close();
  std::rename((path + ".tmp").c_str(), path.c_str());
}

bool IsInkEdge(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  return cmdline.find("ink-edge") != std::string::npos;
}

}  // namespace

EdgeSupervisor::~EdgeSupervisor() { Stop(); }

bool EdgeSupervisor::Alive() {
  pid_t pid = pid_;
  if (pid <= 0) return false;
  if (child_.pid() == pid) return child_.Running();
  return IsInkEdge(pid);
}

Status EdgeSupervisor::Launch() {
  std::string log_path = options_.data_dir + "/edge.log";
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Internal("cannot open " + log_path + ": " + std::strerror(errno));
  off_t start_offset = ::lseek(log_fd, 0, SEEK_END);
  // The certificate directory (keys inside): only inkd's user may list or read it.
  std::string tls_dir = options_.data_dir + "/tls";
  if (::mkdir(tls_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    ::close(log_fd);
    return Internal("cannot create " + tls_dir + ": " + std::strerror(errno));
  }
  ::chmod(tls_dir.c_str(), 0700);
  // Its own session, and not bound to inkd's life: it survives inkd's death and its terminal's
  // signals. It holds none of inkd's sockets and files (Child closes them).
  auto started = Child::Start(
      {.argv = {options_.binary, "--listen", options_.listen, "--routes", options_.routes_path,
                // ACME HTTP-01 answers, written there by the certificate manager (issue 13)
                "--acme-challenge-dir", options_.data_dir + "/acme-challenge",
                // certificates by SNI (written by the certificate manager, issue 13)
                "--tls-dir", tls_dir, "--tls-port", options_.tls_port},
       .out = ChildStream::Fd(log_fd),
       .err = ChildStream::SameAsStdout(),
       .die_with_parent = false,
       .new_session = true});
  ::close(log_fd);
  if (!started.ok()) return Unavailable(started.error().message);
  child_ = std::move(*started);
  pid_t pid = child_.pid();
  pid_ = pid;
  // ink-edge prints "listening on HOST:PORT" once bound.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = ReadFile(log_path);
    if (static_cast<off_t>(log.size()) > start_offset) {
      std::string fresh = log.substr(static_cast<size_t>(start_offset));
      size_t at = fresh.find("listening on ");
      if (at != std::string::npos) {
        size_t end = fresh.find('\n', at);
        std::string address =
            fresh.substr(at + 13, end == std::string::npos ? std::string::npos : end - at - 13);
        size_t colon = address.rfind(':');
        host_ = address.substr(0, colon);
        port_ = std::atoi(address.c_str() + colon + 1);
        url_ = "http://" + address;
        // The URL rides along with the pid so a restarted inkd can adopt this edge even if
        // edge-url was removed.
        WriteFile(options_.data_dir + "/edge.pid", std::to_string(pid) + "\n" + url_ + "\n");
        WriteFile(options_.data_dir + "/edge-url", url_ + "\n");
        return {};
      }
    }
    if (!Alive()) {
      return Unavailable("ink-edge exited at start; see " + log_path + ":\n" +
                         ReadFile(log_path).substr(static_cast<size_t>(start_offset)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  child_.Signal(SIGKILL);
  child_.Wait();
  return Unavailable("ink-edge did not report its listening address within 10s; see " + log_path);
}

Status EdgeSupervisor::Start() {
  std::istringstream pid_file(ReadFile(options_.data_dir + "/edge.pid"));
  std::string pid_line, recorded_url;
  std::getline(pid_file, pid_line);
  std::getline(pid_file, recorded_url);
  pid_t recorded = std::atoi(pid_line.c_str());
  if (IsInkEdge(recorded) && !recorded_url.empty()) {
    pid_ = recorded;
    child_ = Child();
    url_ = recorded_url;
    std::string address = url_.substr(url_.find("//") + 2);
    size_t colon = address.rfind(':');
    host_ = address.substr(0, colon);
    port_ = std::atoi(address.c_str() + colon + 1);
    WriteFile(options_.data_dir + "/edge-url", url_ + "\n");
    LogInfo("edge", "adopted running ink-edge pid " + std::to_string(recorded) + " at " + url_);
  } else {
    INK_RETURN_IF_ERROR(Launch());
    LogInfo("edge", "started ink-edge pid " + std::to_string(pid_.load()) + " at " + url_);
    // Later restarts reuse the port first chosen, so URLs stay valid.
    options_.listen = host_ + ":" + std::to_string(port_);
  }
  watcher_ = std::thread([this] { Watch(); });
  return {};
}

void EdgeSupervisor::Watch() {
  int delay_ms = 500;
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (stopping_ || Alive()) continue;
    LogWarn("edge", "ink-edge (pid " + std::to_string(pid_.load()) + ") is gone; restarting");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    auto status = Launch();
    if (!status.ok()) {
      LogError("edge", status.error().message);
      delay_ms = std::min(delay_ms * 2, 30000);
    } else {
      delay_ms = 500;
    }
  }
}

void EdgeSupervisor::Stop() {
  if (stopping_.exchange(true)) return;
  if (watcher_.joinable()) watcher_.join();
  pid_t pid = pid_;
  if (pid <= 0) return;
  if (child_.pid() == pid) {
    child_.Stop(std::chrono::seconds(5));
  } else {  // adopted: not ours to reap
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50 && Alive(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (Alive()) ::kill(pid, SIGKILL);
  }
  ::unlink((options_.data_dir + "/edge.pid").c_str());
}

}  // namespace ink
