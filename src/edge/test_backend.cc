#include "test_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace ink::edge::testing {
namespace {

int ListenLoopback(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(fd, 128);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
bool WriteAll(int fd, const std::string& s) { return WriteAll(fd, s.data(), s.size()); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads from fd into buf until `pred(buf)` or EOF/error. Returns false on EOF/error.
struct Reader {
  int fd;
  std::string buf;
  bool More() {
    char tmp[65536];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool Head(std::string* head) {
    for (;;) {
      size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        *head = buf.substr(0, end + 4);
        buf.erase(0, end + 4);
        return true;
      }
      if (!More()) return false;
    }
  }
  bool Exactly(size_t n, std::string* out) {
    while (buf.size() < n) {
      if (!More()) return false;
    }
    out->append(buf, 0, n);
    buf.erase(0, n);
    return true;
  }
  bool Line(std::string* line) {
    for (;;) {
      size_t end = buf.find("\r\n");
      if (end != std::string::npos) {
        *line = buf.substr(0, end);
        buf.erase(0, end + 2);
        return true;
      }
      if (!More()) return false;
    }
  }
  // Chunked body (trailers ignored).
  bool Chunked(std::string* out) {
    for (;;) {
      std::string line;
      if (!Line(&line)) return false;
      size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) {
        for (;;) {  // trailers until an empty line
          if (!Line(&line)) return false;
          if (line.empty()) return true;
        }
      }
      if (!Exactly(size, out)) return false;
      if (!Line(&line)) return false;
    }
  }
};

std::map<std::string, std::string> ParseHeaders(const std::string& head, std::string* first) {
  std::map<std::string, std::string> h;
  size_t pos = head.find("\r\n");
  *first = head.substr(0, pos);
  pos += 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == pos || end == std::string::npos) break;
    std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    std::string name = Lower(line.substr(0, colon));
    if (h.count(name)) {
      h[name] += ", " + value;
    } else {
      h[name] = value;
    }
    pos = end + 2;
  }
  return h;
}

}  // namespace

TestBackend::TestBackend(std::string name, bool drop_requests)
    : name_(std::move(name)), drop_requests_(drop_requests) {
  listen_fd_ = ListenLoopback(&port_);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestBackend::~TestBackend() {
  stop_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  accept_thread_.join();
  close(listen_fd_);
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
  for (auto& t : threads_) t.join();
  for (int fd : fds_) close(fd);
}

void TestBackend::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors (a test lowers the limit): wait rather than spin on poll.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestBackend::Serve(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  Reader r{fd, {}};
  for (;;) {
    std::string head, first;
    if (!r.Head(&head)) return;
    auto h = ParseHeaders(head, &first);
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(first);
    }
    ++requests_;
    if (drop_requests_) {
      shutdown(fd, SHUT_RDWR);
      return;
    }
    std::string method = first.substr(0, first.find(' '));
    std::string path = first.substr(first.find(' ') + 1);
    path = path.substr(0, path.find(' '));
    std::string body;
    if (h.count("transfer-encoding")) {
      if (!r.Chunked(&body)) return;
    } else if (h.count("content-length")) {
      if (!r.Exactly(std::stoul(h["content-length"]), &body)) return;
    }
    auto reply = [&](int status, const std::string& b, const std::string& extra = "") {
      std::string out = "HTTP/1.1 " + std::to_string(status) +
                        " OK\r\nContent-Length: " + std::to_string(b.size()) + "\r\n" + extra +
                        "\r\n";
      if (method != "HEAD") out += b;
      return WriteAll(fd, out);
    };
    bool ok = true;
    if (path == "/headers") {
      ok = reply(200, head);
    } else if (path == "/echo") {
      ok = reply(200, body);
    } else if (path == "/count") {
      ok = reply(200, std::to_string(body.size()));
    } else if (path == "/chunked") {
      ok = WriteAll(fd,
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n8\r\n"
                    "chunked \r\n5\r\nworld\r\n0\r\n\r\n");
    } else if (path.rfind("/large/", 0) == 0) {
      size_t n = std::stoul(path.substr(7));
      ok = WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n");
      std::string block(65536, 0);
      for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + i % 26);
      for (size_t sent = 0; ok && sent < n; sent += block.size()) {
        ok = WriteAll(fd, block.data(), std::min(block.size(), n - sent));
      }
    } else if (path == "/ws") {
      if (!WriteAll(fd,
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")) {
        return;
      }
      if (!r.buf.empty() && !WriteAll(fd, r.buf)) return;
      char tmp[4096];
      for (;;) {
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0 || !WriteAll(fd, tmp, static_cast<size_t>(n))) return;
      }
    } else if (path == "/close") {
      WriteAll(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
      shutdown(fd, SHUT_WR);
      return;
    } else if (path.rfind("/slow/", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(path.substr(6))));
      ok = reply(200, "backend=" + name_ + " slow");
    } else if (path == "/bad-framing") {
      ok = WriteAll(fd,
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled");
    } else if (path == "/bare-lf") {
      ok = WriteAll(fd, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
    } else if (path == "/204") {
      ok = WriteAll(fd, "HTTP/1.1 204 No Content\r\n\r\n");
    } else {
      ok = reply(200, "backend=" + name_ + " path=" + path);
    }
    if (!ok) return;
  }
}

std::vector<std::string> TestBackend::request_lines() {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

TestClient::TestClient(uint16_t port, const char* source_ip) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (source_ip != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip, &from.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
  }
  timeval tv{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

TestClient::~TestClient() {
  if (fd_ >= 0) close(fd_);
}

bool TestClient::Send(const std::string& bytes) { return WriteAll(fd_, bytes); }

Response TestClient::Read(bool head_request) {
  Response out;
  Reader r{fd_, std::move(buffered_)};
  std::string head, first;
  if (!r.Head(&head)) return out;
  out.headers = ParseHeaders(head, &first);
  out.status = std::stoi(first.substr(9, 3));
  bool ok = true;
  if (head_request || out.status / 100 == 1 || out.status == 204 || out.status == 304) {
  } else if (out.headers.count("transfer-encoding")) {
    ok = r.Chunked(&out.body);
  } else if (out.headers.count("content-length")) {
    ok = r.Exactly(std::stoul(out.headers["content-length"]), &out.body);
  } else {
    while (r.More()) {
    }
    out.body = std::move(r.buf);
    r.buf.clear();
  }
  out.ok = ok;
  buffered_ = std::move(r.buf);
  return out;
}

std::string TestClient::ReadSome(size_t max) {
  std::string out = std::move(buffered_);
  buffered_.clear();
  char tmp[4096];
  while (out.size() < max) {
    ssize_t n = recv(fd_, tmp, std::min(sizeof tmp, max - out.size()), 0);
    if (n <= 0) break;
    out.append(tmp, static_cast<size_t>(n));
  }
  return out;
}

bool TestClient::ClosedByPeer() {
  timeval tv{1, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  return buffered_.empty() && recv(fd_, &c, 1, 0) == 0;
}

Response Get(uint16_t port, const std::string& host, const std::string& path,
             const std::string& extra_headers) {
  TestClient c(port);
  if (!c.connected()) return {};
  c.Send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra_headers + "\r\n");
  return c.Read();
}

uint16_t UnusedPort() {
  uint16_t port = 0;
  int fd = ListenLoopback(&port);
  close(fd);
  return port;
}

}  // namespace ink::edge::testing
