// Test helpers for ink-edge (tests only): a small threaded HTTP/1.1 backend with a few
// behaviours chosen by path, and a blocking HTTP client that reads one response at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ink::edge::testing {

// Paths: "/" and others → 200 "backend=<name> path=<p>"; "/headers" → the request head as
// received; "/echo" → the request body; "/count" → number of body bytes; "/chunked" → a chunked
// body; "/large/<n>" → n bytes of a pattern (streamed); "/ws" → 101 then raw echo; "/close" →
// close-delimited body; "/slow/<ms>" → waits then answers; "/204" → 204; "/bad-framing" → a
// response with both Content-Length and Transfer-Encoding whose body hides a second response;
// "/bare-lf" → a response head with bare LF line ends. With `drop_requests`, every connection is
// closed right after a request head arrives (a backend that crashes on each request).
class TestBackend {
 public:
  explicit TestBackend(std::string name, bool drop_requests = false);
  ~TestBackend();
  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  // The request lines parsed so far, in order.
  std::vector<std::string> request_lines();

 private:
  void AcceptLoop();
  void Serve(int fd);

  std::string name_;
  bool drop_requests_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> threads_;  // guarded by mu_
  std::vector<int> fds_;              // guarded by mu_
  std::vector<std::string> lines_;    // guarded by mu_
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  bool ok = false;  // a complete response was read
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port, from `source_ip` when given (any 127.x.y.z is local).
  explicit TestClient(uint16_t port, const char* source_ip = nullptr);
  ~TestClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads one response; `head_request` when it answers a HEAD (no body).
  Response Read(bool head_request = false);
  // Reads whatever arrives within the timeout, up to `max` bytes.
  std::string ReadSome(size_t max);
  // True when the server closed the connection (read returns 0) within a second.
  bool ClosedByPeer();
  int fd() const { return fd_; }

 private:
  bool Fill();
  int fd_ = -1;
  std::string buffered_;
};

// GET `path` with `host` on a new connection and read the response.
Response Get(uint16_t port, const std::string& host, const std::string& path,
             const std::string& extra_headers = "");

// A loopback port nothing listens on (bound then closed).
uint16_t UnusedPort();

}  // namespace ink::edge::testing
