// The timeout sweep: a connect that never completes times out while its upstream connection is
// the next one in the worker's list; the sweep used to follow that closed connection's cleared
// link and crash the whole edge (any tenant whose replica vanished mid-request could do it).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge_test_fixture.h"

namespace ink::edge {
namespace {

using testing::EdgeTest;
using testing::Get;
using testing::Response;
using testing::RouteJson;
using testing::TestBackend;

// A loopback listener whose accept queue is full: further connects hang in SYN_SENT.
class BlackholeBackend {
 public:
  BlackholeBackend() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 0), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    for (int i = 0; i < 4; ++i) {  // fill the queue (backlog 0 still admits one or two)
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(c);
    }
  }
  ~BlackholeBackend() {
    for (int c : fillers_) ::close(c);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> fillers_;
};

TEST_F(EdgeTest, ConnectTimeoutInTheSweepKeepsTheEdgeAlive) {
  BlackholeBackend hole;
  TestBackend alive("alive");
  WriteRoutes(1, {RouteJson("hole-demo.localhost", "hole", "demo", {hole.port()}),
                  RouteJson("web-demo.localhost", "web", "demo", {alive.port()})});
  EdgeOptions options;
  options.connect_timeout = std::chrono::milliseconds(200);
  StartEdge(options);
  for (int i = 0; i < 3; ++i) {
    Response r = Get(port_, "hole-demo.localhost", "/");
    EXPECT_TRUE(r.status == 502 || r.status == 503 || r.status == 504) << r.status;
    Response ok = Get(port_, "web-demo.localhost", "/");
    ASSERT_EQ(ok.status, 200) << "the edge died after a connect timeout";
  }
}

}  // namespace
}  // namespace ink::edge
