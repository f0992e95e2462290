#include "ink/http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ink::http {
namespace {

using namespace std::chrono_literals;

// Reads one HTTP request (head + Content-Length body) from `fd`; "" when the peer closed.
std::string ReadRequest(int fd) {
  std::string data;
  char buf[4096];
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return "";
    data.append(buf, n);
  }
  size_t length = 0;
  auto pos = data.find("Content-Length: ");
  if (pos != std::string::npos && pos < head_end) length = std::stoul(data.substr(pos + 16));
  while (data.size() < head_end + 4 + length) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return "";
    data.append(buf, n);
  }
  return data;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += n;
  }
}

// A scripted server: accepts connections on 127.0.0.1:0 (or a unix socket) and calls
// `handler(fd, request)` for each request; the handler returns false to close the connection.
class TestServer {
 public:
  using Handler = std::function<bool(int fd, const std::string& request)>;

  explicit TestServer(Handler handler, const std::string& unix_path = "")
      : handler_(std::move(handler)) {
    if (unix_path.empty()) {
      listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = 0;
      EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
      socklen_t len = sizeof(addr);
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    } else {
      listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", unix_path.c_str());
      EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    }
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    for (auto& t : connections_) t.join();
  }

  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted_;
      connections_.emplace_back([this, fd] {
        for (;;) {
          std::string request = ReadRequest(fd);
          if (request.empty() || !handler_(fd, request)) break;
        }
        ::close(fd);
      });
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

Endpoint Local(int port) { return *Endpoint::Parse("http://127.0.0.1:" + std::to_string(port)); }

std::string Ok(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
         "\r\n" + body;
}

TEST(EndpointTest, ParsesUnixAndHttp) {
  auto u = Endpoint::Parse("unix:///run/podman.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->is_unix);
  EXPECT_EQ(u->unix_path, "/run/podman.sock");

  auto h = Endpoint::Parse("http://127.0.0.1:8080/api/");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->is_unix);
  EXPECT_EQ(h->host, "127.0.0.1");
  EXPECT_EQ(h->port, 8080);
  EXPECT_EQ(h->path_prefix, "/api");

  auto v6 = Endpoint::Parse("http://[::1]:9");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9);
  EXPECT_EQ(v6->describe(), "http://[::1]:9");

  auto d = Endpoint::Parse("http://localhost");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);

  EXPECT_FALSE(Endpoint::Parse("ftp://x").ok());
  EXPECT_FALSE(Endpoint::Parse("http://x:70000").ok());
  EXPECT_FALSE(Endpoint::Parse("http://:80").ok());
  EXPECT_FALSE(Endpoint::Parse("unix://relative.sock").ok());
}

TEST(UrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(UrlEncode("{\"label\":[\"a=b\"]}"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  EXPECT_EQ(UrlEncode("a b/c"), "a%20b%2Fc");
}

TEST(HttpClientTest, ReusesKeepAliveConnectionAndSendsBody) {
  TestServer server([](int fd, const std::string& request) {
    auto body_at = request.find("\r\n\r\n") + 4;
    std::string first_line = request.substr(0, request.find("\r\n"));
    WriteAll(fd, Ok(first_line + "|" + request.substr(body_at), "X-Multi: a\r\nX-Multi: b\r\n"));
    return true;
  });
  HttpClient client(Local(server.port()));
  for (int i = 0; i < 3; ++i) {
    ClientRequest request;
    request.method = "POST";
    request.target = "/echo?i=" + std::to_string(i);
    request.body = "hello";
    auto response = client.Do(request);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST /echo?i=" + std::to_string(i) + " HTTP/1.1|hello");
    EXPECT_EQ(response->header("x-multi"), "a, b");
    EXPECT_EQ(response->header("Content-Length"), std::to_string(response->body.size()));
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, ReconnectsWhenServerClosedIdleConnection) {
  TestServer server([](int fd, const std::string&) {
    WriteAll(fd, Ok("one-shot"));  // keep-alive response, but the server then closes anyway
    return false;
  });
  HttpClient client(Local(server.port()));
  for (int i = 0; i < 3; ++i) {
    auto response = client.Do({});
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->body, "one-shot");
    std::this_thread::sleep_for(20ms);  // let the close arrive while idle
  }
  EXPECT_EQ(server.accepted(), 3);
}

TEST(HttpClientTest, ReconnectsWhenCloseRacesTheNextRequest) {
  // The server closes without reading the next request; the client must retry on a new socket.
  std::atomic<int> served{0};
  TestServer server([&](int fd, const std::string&) {
    WriteAll(fd, Ok(std::to_string(++served)));
    return false;
  });
  HttpClient client(Local(server.port()));
  for (int i = 1; i <= 5; ++i) {
    auto response = client.Do({});  // no sleep: the close may arrive during the next send
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->body, std::to_string(i));
  }
}

TEST(HttpClientTest, StreamDeliversChunksAsTheyArrive) {
  std::mutex mu;
  std::condition_variable cv;
  bool first_seen = false;
  TestServer server([&](int fd, const std::string&) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    {
      std::unique_lock lock(mu);
      // The second chunk is only sent once the client has seen the first one.
      if (!cv.wait_for(lock, 5s, [&] { return first_seen; })) return false;
    }
    WriteAll(fd, "6\r\nsecond\r\n0\r\n\r\n");
    return true;
  });
  HttpClient client(Local(server.port()));
  ClientRequest request;
  request.timeout = 0ms;
  std::vector<std::string> chunks;
  int status = 0;
  Status s = client.Stream(
      request,
      [&](const ClientResponse& head) {
        status = head.status;
        return true;
      },
      [&](std::string_view chunk) {
        chunks.emplace_back(chunk);
        std::lock_guard lock(mu);
        first_seen = true;
        cv.notify_all();
        return true;
      });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(status, 200);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0], "first");
  EXPECT_EQ(chunks[1], "second");

  // Do on the same (kept-alive) connection decodes chunked bodies too.
  first_seen = true;
  auto whole = client.Do({});
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole->body, "firstsecond");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, StreamHandlesContentLengthBodies) {
  TestServer server([&](int fd, const std::string&) {
    WriteAll(fd, Ok(std::string(200000, 'y')));
    return true;
  });
  HttpClient client(Local(server.port()));
  ClientRequest request;
  request.timeout = 0ms;
  size_t total = 0;
  int status = 0;
  Status s = client.Stream(
      request,
      [&](const ClientResponse& head) {
        status = head.status;
        return true;
      },
      [&](std::string_view chunk) {
        total += chunk.size();
        return true;
      });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(status, 200);
  EXPECT_EQ(total, 200000u);
}

TEST(HttpClientTest, StreamStopsWhenCallbackReturnsFalse) {
  TestServer server([&](int fd, const std::string&) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    std::this_thread::sleep_for(300ms);  // never finishes the body within the test
    return false;
  });
  HttpClient client(Local(server.port()));
  ClientRequest request;
  request.timeout = 0ms;
  int calls = 0;
  auto start = std::chrono::steady_clock::now();
  Status s = client.Stream(
      request, [](const ClientResponse&) { return true; },
      [&](std::string_view chunk) {
        ++calls;
        EXPECT_EQ(chunk, "abc");
        return false;
      });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);
}

TEST(HttpClientTest, TimesOutWhenServerDoesNotAnswer) {
  TestServer server([](int, const std::string&) {
    std::this_thread::sleep_for(1s);
    return false;
  });
  HttpClient client(Local(server.port()));
  ClientRequest request;
  request.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto response = client.Do(request);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(response.error().message.find("timed out"), std::string::npos);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 900ms);
}

TEST(HttpClientTest, RefusedConnectionIsUnavailable) {
  int port;
  {
    TestServer server([](int, const std::string&) { return false; });
    port = server.port();
  }
  HttpClient client(Local(port));
  auto response = client.Do({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
}

TEST(HttpClientTest, BodyLargerThanLimitIsRejected) {
  TestServer server([](int fd, const std::string&) {
    WriteAll(fd, Ok(std::string(10000, 'x')));
    return true;
  });
  HttpClient client(Local(server.port()));
  auto response = client.Do({}, 1000);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kPayloadTooLarge);
  auto again = client.Do({});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->body.size(), 10000u);
}

TEST(HttpClientTest, ReadsBodyUntilCloseWithoutLength) {
  TestServer server([](int fd, const std::string&) {
    WriteAll(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-eof");
    return false;
  });
  HttpClient client(Local(server.port()));
  auto response = client.Do({});
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->body, "until-eof");
}

TEST(HttpClientTest, WorksOverUnixSocket) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ink-http-test-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "s.sock").string();
  {
    TestServer server(
        [](int fd, const std::string& request) {
          bool has_host = request.find("Host: localhost\r\n") != std::string::npos;
          WriteAll(fd, Ok(has_host ? "unix-ok" : "no-host"));
          return true;
        },
        path);
    HttpClient client(*Endpoint::Parse("unix://" + path));
    for (int i = 0; i < 2; ++i) {
      auto response = client.Do({});
      ASSERT_TRUE(response.ok()) << response.error().message;
      EXPECT_EQ(response->body, "unix-ok");
    }
    EXPECT_EQ(server.accepted(), 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ink::http
