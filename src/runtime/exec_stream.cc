#include "exec_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ink::runtime_internal {

void ExecOutput::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (remaining_ == 0) {
      size_t take = std::min(bytes.size(), 8 - header_.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < 8) return;
      auto byte = [&](int i) {
        return static_cast<uint32_t>(static_cast<unsigned char>(header_[i]));
      };
      stream_ = byte(0) == 2 ? 2 : 1;
      remaining_ = byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
      header_.clear();
      continue;
    }
    size_t take = std::min<size_t>(bytes.size(), remaining_);
    std::string& out = out_[stream_];
    size_t room = max_ > out.size() ? max_ - out.size() : 0;
    out.append(bytes.substr(0, std::min(take, room)));
    if (take > room) truncated_[stream_] = true;
    remaining_ -= static_cast<uint32_t>(take);
    bytes.remove_prefix(take);
  }
}

void ExecOutput::MoveTo(ExecResult& result) {
  result.stdout_data = std::move(out_[1]);
  result.stderr_data = std::move(out_[2]);
  result.stdout_truncated = truncated_[1];
  result.stderr_truncated = truncated_[2];
}

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

int MillisUntil(std::chrono::steady_clock::time_point when) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::steady_clock::now())
          .count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1000));
}

}  // namespace

Result<ExecStreamOutcome> RunExecStream(
    const std::string& socket_path, const std::string& api_prefix, const std::string& exec_id,
    const std::string& stdin_data, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds grace, const std::function<void()>& on_timeout, ExecOutput& output) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Unavailable(std::string("exec: socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return Internal("exec: podman socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Unavailable("exec: podman at " + socket_path +
                       " did not answer: " + std::strerror(errno));
  }
  const std::string body = R"({"Detach":false,"Tty":false})";
  std::string request = "POST " + api_prefix + "/exec/" + exec_id +
                        "/start HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
                        "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  // The head first; stdin only once podman answered (it reads stdin after hijacking).
  std::string_view pending = request;
  while (!pending.empty()) {
    ssize_t n = ::send(fd.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(std::string("exec: sending to podman: ") + std::strerror(errno));
    pending.remove_prefix(static_cast<size_t>(n));
  }
  ExecStreamOutcome outcome;
  std::string head;
  bool head_done = false;
  std::string_view to_write;  // stdin still to send
  bool write_closed = false;
  auto stop_at = deadline;
  char buffer[65536];
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= stop_at) {
      if (outcome.timed_out) return outcome;  // the grace after the kill is over too
      outcome.timed_out = true;
      on_timeout();
      stop_at = std::chrono::steady_clock::now() + grace;
      continue;
    }
    pollfd p{.fd = fd.get(), .events = POLLIN, .revents = 0};
    if (head_done && !write_closed) p.events |= POLLOUT;
    int ready = ::poll(&p, 1, MillisUntil(stop_at));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Internal(std::string("exec: poll: ") + std::strerror(errno));
    if (ready == 0) continue;
    if (p.revents & POLLOUT) {
      if (!to_write.empty()) {
        ssize_t n = ::send(fd.get(), to_write.data(), to_write.size(), MSG_NOSIGNAL);
        if (n > 0) to_write.remove_prefix(static_cast<size_t>(n));
        if (n < 0 && errno != EINTR && errno != EAGAIN) to_write = {};  // command gone
      }
      if (to_write.empty()) {
        ::shutdown(fd.get(), SHUT_WR);  // EOF on the command's stdin
        write_closed = true;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // podman closed the stream: the command ended
      std::string_view got(buffer, static_cast<size_t>(n));
      if (!head_done) {
        head.append(got);
        size_t end = head.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (head.size() > 16384) return Internal("exec: podman's answer has no end of head");
          continue;
        }
        int status = 0;
        std::sscanf(head.c_str(), "HTTP/%*d.%*d %d", &status);
        std::string rest = head.substr(end + 4);
        if (status != 101 && status != 200) {
          std::string text = rest.substr(0, 1024);
          if (status == 404) return NotFound("exec start: podman says " + text);
          if (status == 409) return FailedPrecondition("exec start: podman says " + text);
          return Internal("exec start failed (HTTP " + std::to_string(status) + "): " + text);
        }
        head_done = true;
        to_write = stdin_data;
        output.Feed(rest);
        continue;
      }
      output.Feed(got);
    }
  }
  return outcome;
}

}  // namespace ink::runtime_internal
