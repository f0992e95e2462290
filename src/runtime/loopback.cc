// BringUpLoopback (loopback.h): setns(CLONE_NEWNET) on a thread of its own, then SIOCSIFFLAGS.
#include "loopback.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

namespace ink::runtime_internal {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Runs on a thread that has entered the namespace: a network namespace belongs to the thread,
// so nothing else of the process sees it, and the thread ends right after.
Status RaiseLo() {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return Internal(Errno("socket in the container's network namespace"));
  struct ifreq req;
  std::memset(&req, 0, sizeof req);
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  Status out;
  if (ioctl(sock, SIOCGIFFLAGS, &req) != 0) {
    out = Internal(Errno("reading the flags of lo"));
  } else if ((req.ifr_flags & IFF_UP) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (ioctl(sock, SIOCSIFFLAGS, &req) != 0) out = Internal(Errno("bringing lo up"));
  }
  close(sock);
  return out;
}

}  // namespace

Status BringUpLoopback(int pid) {
  if (pid <= 0) return FailedPrecondition("the container has no process; it is not running");
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int ns = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) return Internal(Errno("opening " + path));
  Status out;
  std::thread([&] {
    if (setns(ns, CLONE_NEWNET) != 0) {
      out = Internal(Errno("entering " + path));
      return;
    }
    out = RaiseLo();
  }).join();
  close(ns);
  return out;
}

}  // namespace ink::runtime_internal
