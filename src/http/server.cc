#include "ink/http/server.h"

#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "ink/common/log.h"

namespace ink::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

const char* ReasonPhrase(int status) {
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  return reason.empty() ? "Unknown" : reason.data();
}

void ParseQuery(std::string_view q, std::map<std::string, std::string>& out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    if (!key.empty()) out[key] = value;
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

// Writes responses on one connection; tracks whether the connection may be kept alive.
class ConnectionWriter : public ResponseWriter {
 public:
  ConnectionWriter(tcp::socket& socket, bool keep_alive, bool head)
      : socket_(socket), keep_alive_(keep_alive), head_(head) {}

  void Send(int status, const std::map<std::string, std::string>& headers,
            std::string_view body) override {
    std::string out = Head(status, headers);
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    if (!head_) out.append(body);
    Put(out);
    done_ = true;
  }

  bool StartStream(int status, const std::map<std::string, std::string>& headers) override {
    keep_alive_ = false;  // a stream ends with the connection's end or its last chunk
    std::string out = Head(status, headers) + "Transfer-Encoding: chunked\r\n\r\n";
    streaming_ = true;
    return Put(out);
  }

  bool Write(std::string_view chunk) override {
    if (!streaming_ || chunk.empty()) return ok_;
    char size[20];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    std::string out(size, n);
    out.append(chunk);
    out += "\r\n";
    return Put(out);
  }

  // Finishes the exchange: ends a stream or sends a 500 if the handler answered nothing.
  void Finish() {
    if (streaming_) {
      Put("0\r\n\r\n");
    } else if (!done_) {
      Send(500, {{"Content-Type", "application/json"}},
           R"({"error":{"code":"internal","message":"the handler produced no response"}})");
    }
  }

  bool keep_alive() const { return keep_alive_ && ok_; }

 private:
  std::string Head(int status, const std::map<std::string, std::string>& headers) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
    for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
    out += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    return out;
  }
  bool Put(std::string_view data) {
    if (!ok_) return false;
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(data.data(), data.size()), ec);
    if (ec) ok_ = false;
    return ok_;
  }

  tcp::socket& socket_;
  bool keep_alive_;
  bool head_;
  bool streaming_ = false;
  bool done_ = false;
  bool ok_ = true;
};

class ServerImpl : public HttpServer {
 public:
  ServerImpl(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io_) {}

  ~ServerImpl() override { Stop(); }

  Status Bind() {
    std::string host = options_.listen;
    std::string port_text;
    size_t colon = host.rfind(':');
    if (colon == std::string::npos) {
      return InvalidArgument("listen address '" + options_.listen + "' needs a port: HOST:PORT");
    }
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    try {
      port = std::stoi(port_text);
    } catch (...) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      return InvalidArgument("listen port '" + port_text + "' is not a number in 0-65535");
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) return InvalidArgument("listen host '" + host + "' is not an IP address");
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Unavailable("cannot listen on " + options_.listen + ": " + ec.message());
    bound_ = acceptor_.local_endpoint();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return {};
  }

  int port() const override { return bound_.port(); }
  std::string host() const override { return bound_.address().to_string(); }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.cancel(ec);
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_.close(ec);
    if (accept_thread_.joinable()) accept_thread_.join();
    std::unique_lock lock(mu_);
    for (tcp::socket* s : sockets_) {
      ::shutdown(s->native_handle(), SHUT_RDWR);
    }
    drained_.wait(lock, [this] { return sockets_.empty(); });
  }

 private:
  void AcceptLoop() {
    while (!stopped_) {
      auto socket = std::make_unique<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) {
        if (stopped_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::unique_lock lock(mu_);
      if (static_cast<int>(sockets_.size()) >= options_.max_connections) {
        lock.unlock();
        static const char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: 92\r\n\r\n"
            R"({"error":{"code":"unavailable","message":"too many connections to inkd; retry shortly"}})";
        asio::write(*socket, asio::buffer(kBusy, sizeof kBusy - 1), ec);
        continue;
      }
      tcp::socket* raw = socket.release();
      sockets_.insert(raw);
      lock.unlock();
      std::thread([this, raw] {
        Serve(*raw);
        std::lock_guard guard(mu_);
        sockets_.erase(raw);
        delete raw;  // owned by sockets_ until here
        drained_.notify_all();
      }).detach();
    }
  }

  void Serve(tcp::socket& socket) {
    timeval tv{options_.idle_timeout_seconds, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code ec;
    std::string remote = socket.remote_endpoint(ec).address().to_string();
    beast::flat_buffer buffer;
    while (!stopped_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      // The body limit is applied once the route is known (uploads may be larger).
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      bhttp::read_header(socket, buffer, parser, ec);
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) return;
      if (ec) return RejectRequest(socket, ec);
      auto& msg = parser.get();
      ServerRequest request;
      request.method = std::string(msg.method_string());
      request.target = std::string(msg.target());
      std::string_view target = request.target;
      size_t qpos = target.find('?');
      request.path = UrlDecode(target.substr(0, qpos), false);
      if (qpos != std::string_view::npos) ParseQuery(target.substr(qpos + 1), request.query);
      for (const auto& field : msg) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers[name] = std::string(field.value());
      }
      request.remote_address = remote;
      bool head_only = msg.method() == bhttp::verb::head;
      if (options_.stream_body && options_.stream_body(request)) {
        // The handler reads the body; the server neither bounds nor buffers it.
        bhttp::request_parser<bhttp::buffer_body> body_parser(std::move(parser));
        body_parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        if (strcasecmp(request.header("expect").c_str(), "100-continue") == 0) {
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::write(socket, asio::buffer(kContinue, sizeof kContinue - 1), ec);
        }
        request.read_body = [&](char* out, size_t size) -> Result<size_t> {
          if (body_parser.is_done() || size == 0) return size_t{0};
          body_parser.get().body().data = out;
          body_parser.get().body().size = size;
          boost::system::error_code read_ec;
          bhttp::read(socket, buffer, body_parser, read_ec);
          if (read_ec == bhttp::error::need_buffer) read_ec = {};
          if (read_ec) return Unavailable("reading the request body failed: " + read_ec.message());
          return size - body_parser.get().body().size;
        };
        ConnectionWriter writer(socket, false, head_only);
        handler_(request, writer);
        writer.Finish();
        // Unread body bytes make the kernel reset the connection, which can destroy the
        // response before the client reads it: stop sending, then drain a little, bounded.
        socket.shutdown(tcp::socket::shutdown_send, ec);
        if (!body_parser.is_done()) LingerBriefly(socket);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
      auto length = parser.content_length();
      if (length && *length > options_.max_body_bytes) {
        return RejectRequest(socket, bhttp::error::body_limit);
      }
      parser.body_limit(options_.max_body_bytes);  // also bounds chunked bodies
      if (!parser.is_done()) bhttp::read(socket, buffer, parser, ec);
      if (ec) return RejectRequest(socket, ec);
      request.body = std::move(msg.body());
      ConnectionWriter writer(socket, msg.keep_alive(), head_only);
      handler_(request, writer);
      writer.Finish();
      if (!writer.keep_alive()) {
        socket.shutdown(tcp::socket::shutdown_both, ec);
        return;
      }
    }
  }

  // Answers a request that could not be read (too large, malformed) and gives up on it.
  void RejectRequest(tcp::socket& socket, const boost::system::error_code& ec) {
    int status = 0;
    std::string message;
    if (ec == bhttp::error::body_limit) {
      status = 413;
      message = "request body is larger than the limit of " +
                std::to_string(options_.max_body_bytes) + " bytes";
    } else if (ec == bhttp::error::header_limit) {
      status = 431;
      message = "request headers are larger than the limit of " +
                std::to_string(options_.max_header_bytes) + " bytes";
    } else if (ec.category() == make_error_code(bhttp::error::bad_target).category()) {
      status = 400;
      message = "malformed HTTP request: " + ec.message();
    }
    if (status != 0) {
      ConnectionWriter writer(socket, false, false);
      writer.Send(status, {{"Content-Type", "application/json"}},
                  R"({"error":{"code":")" +
                      std::string(status == 413 ? "payload_too_large" : "invalid_argument") +
                      R"(","message":")" + message + "\"}}");
    }
  }

  // Reads and drops what the client still sends, at most 256 KiB or 1 s.
  static void LingerBriefly(tcp::socket& socket) {
    timeval tv{0, 200 * 1000};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char sink[16384];
    size_t drained = 0;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (drained < (256u << 10) && std::chrono::steady_clock::now() < until) {
      ssize_t n = ::recv(socket.native_handle(), sink, sizeof sink, 0);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
  }

  ServerOptions options_;
  Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::thread accept_thread_;
  std::atomic<bool> stopped_{false};
  std::mutex mu_;                   // guards sockets_
  std::set<tcp::socket*> sockets_;  // open connections, each served by its own thread
  std::condition_variable drained_;
};

}  // namespace

std::string ServerRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  auto status = server->Bind();
  if (!status.ok()) return status.error();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace ink::http
