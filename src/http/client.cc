// HttpClient over Boost.Beast. Every socket operation is asynchronous underneath and driven by a
// private io_context with a deadline, which is how a blocking call gets a timeout without threads.
// https wraps the same socket in an Asio ssl::stream (OpenSSL); everything above the byte stream
// (request writing, response parsing, limits, retries) is shared by both.
#include "ink/http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

namespace ink::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using Socket = asio::generic::stream_protocol::socket;
using Clock = std::chrono::steady_clock;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error DeadlineExceeded(std::string m) { return {ErrorCode::kDeadlineExceeded, std::move(m)}; }

// A point in time after which an operation is abandoned; `unlimited` when the timeout is 0.
struct Deadline {
  bool unlimited = true;
  Clock::time_point at;
  static Deadline After(std::chrono::milliseconds timeout) {
    Deadline d;
    if (timeout.count() > 0) {
      d.unlimited = false;
      d.at = Clock::now() + timeout;
    }
    return d;
  }
};

}  // namespace

// The trust of https endpoints: TLS 1.2+, peer verification on, roots from `ca_file` or the
// system's. `error` says why the context is unusable ("" when it is fine).
struct TlsContext {
  ssl::context context{ssl::context::tls_client};
  std::string error;

  explicit TlsContext(const TlsOptions& options) {
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (options.ca_file.empty()) {
      context.set_default_verify_paths(ec);
      if (ec) error = "cannot load the system's CA bundle: " + ec.message();
    } else {
      context.load_verify_file(options.ca_file, ec);
      if (ec) {
        error = "cannot load the CA bundle '" + options.ca_file + "': " + ec.message() +
                " (it must be a readable PEM file of certificates)";
      }
    }
  }
};

struct HttpClient::Connection {
  asio::io_context io;
  Socket socket{io};
  std::unique_ptr<TlsContext> tls_context;  // for https endpoints
  std::optional<ssl::stream<Socket&>> tls;  // over `socket` once the handshake is done
  beast::flat_buffer buffer;
  bool reused = false;  // a previous exchange completed on this socket

  // Calls `op(stream)` with the byte stream of the connection: TLS over the socket, or the socket.
  template <class Op>
  void WithStream(Op&& op) {
    if (tls) {
      op(*tls);
    } else {
      op(socket);
    }
  }

  void Close() {
    tls.reset();  // no close_notify: the socket is closed either way and nothing more is read
    beast::error_code ignored;
    socket.close(ignored);
    buffer.clear();
    reused = false;
  }

  // Runs one asynchronous operation started by `start(handler)` until it completes or the
  // deadline passes. On timeout the socket is closed and `timed_out` set.
  template <class Start>
  beast::error_code Run(const Deadline& deadline, bool& timed_out, Start&& start) {
    beast::error_code result;
    bool done = false;
    start([&](const beast::error_code& ec, auto&&...) {
      result = ec;
      done = true;
    });
    io.restart();
    if (deadline.unlimited) {
      io.run();
    } else {
      auto now = Clock::now();
      if (deadline.at > now) io.run_for(deadline.at - now);
      if (!done) {
        timed_out = true;
        beast::error_code ignored;
        socket.close(ignored);
        io.restart();
        io.run();  // lets the cancelled handler run
      }
    }
    return result;
  }

  // True if an idle keep-alive socket has been closed by the peer (or has stray data).
  bool IdleSocketDead() {
    if (!socket.is_open()) return true;
    pollfd p{socket.native_handle(), POLLIN, 0};
    int n = ::poll(&p, 1, 0);
    return n != 0;  // readable while idle means EOF, reset or garbage: don't reuse
  }

  Status Connect(const Endpoint& endpoint, const Deadline& deadline);
  Status Handshake(const Endpoint& endpoint, const Deadline& deadline);
};

Result<Endpoint> Endpoint::Parse(std::string_view url) {
  Endpoint e;
  if (url.starts_with("unix://")) {
    e.is_unix = true;
    e.unix_path = std::string(url.substr(7));
    if (e.unix_path.empty() || e.unix_path[0] != '/') {
      return InvalidArgument("unix endpoint '" + std::string(url) +
                             "' needs an absolute path, e.g. unix:///run/ink/inkd.sock");
    }
    return e;
  }
  if (url.starts_with("https://")) {
    e.tls = true;
    e.port = 443;
  } else if (!url.starts_with("http://")) {
    return InvalidArgument("endpoint '" + std::string(url) +
                           "' must start with http://, https:// or unix://");
  }
  std::string_view rest = url.substr(e.tls ? 8 : 7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    e.path_prefix = std::string(rest.substr(slash));
    while (!e.path_prefix.empty() && e.path_prefix.back() == '/') e.path_prefix.pop_back();
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("endpoint '" + std::string(url) + "' has an unclosed '[' in the host");
    }
    e.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) port_text = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (e.host.empty()) {
    return InvalidArgument("endpoint '" + std::string(url) + "' has no host");
  }
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return InvalidArgument("endpoint '" + std::string(url) + "' has port '" +
                             std::string(port_text) + "'; use a number in 1-65535");
    }
    e.port = port;
  }
  return e;
}

std::string Endpoint::describe() const {
  if (is_unix) return "unix://" + unix_path;
  bool v6 = host.find(':') != std::string::npos;
  return (tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + path_prefix;
}

std::string ClientResponse::header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

// Connects the socket to `endpoint`, honouring the deadline.
Status HttpClient::Connection::Connect(const Endpoint& endpoint, const Deadline& deadline) {
  Connection& c = *this;
  c.Close();
  std::vector<Socket::endpoint_type> targets;
  if (endpoint.is_unix) {
    targets.emplace_back(asio::local::stream_protocol::endpoint(endpoint.unix_path));
  } else {
    beast::error_code ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) {
      targets.emplace_back(asio::ip::tcp::endpoint(address, static_cast<uint16_t>(endpoint.port)));
    } else {
      asio::ip::tcp::resolver resolver(c.io);
      auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
      if (ec) {
        return Unavailable("cannot resolve host '" + endpoint.host + "' of " + endpoint.describe() +
                           ": " + ec.message());
      }
      for (const auto& r : results) targets.emplace_back(r.endpoint());
    }
  }
  beast::error_code last;
  for (const auto& target : targets) {
    bool timed_out = false;
    beast::error_code ignored;
    c.socket.close(ignored);
    last = c.Run(deadline, timed_out,
                 [&](auto handler) { c.socket.async_connect(target, std::move(handler)); });
    if (timed_out) {
      c.Close();
      return DeadlineExceeded("connecting to " + endpoint.describe() + " timed out");
    }
    if (!last) return endpoint.tls ? Handshake(endpoint, deadline) : Status{};
  }
  c.Close();
  std::string hint = endpoint.is_unix ? " (is the server running and the socket path right?)"
                                      : " (is the server running on that address and port?)";
  return Unavailable("cannot connect to " + endpoint.describe() + ": " + last.message() + hint);
}

// The TLS handshake over the connected socket: SNI and the name (or IP address) the certificate
// must carry are the endpoint's host.
Status HttpClient::Connection::Handshake(const Endpoint& endpoint, const Deadline& deadline) {
  if (!tls_context->error.empty()) {
    Close();
    return FailedPrecondition(tls_context->error);
  }
  tls.emplace(socket, tls_context->context);
  SSL* session = tls->native_handle();
  beast::error_code not_ip;
  asio::ip::make_address(endpoint.host, not_ip);
  bool named = false;
  if (not_ip) {
    named = SSL_set_tlsext_host_name(session, endpoint.host.c_str()) == 1 &&
            SSL_set1_host(session, endpoint.host.c_str()) == 1;
  } else {
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(session), endpoint.host.c_str()) == 1;
  }
  if (!named) {
    Close();
    return InvalidArgument("cannot verify certificates for host '" + endpoint.host + "' of " +
                           endpoint.describe());
  }
  bool timed_out = false;
  beast::error_code ec = Run(deadline, timed_out, [&](auto handler) {
    tls->async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (timed_out) {
    Close();
    return DeadlineExceeded("the TLS handshake with " + endpoint.describe() + " timed out");
  }
  if (ec) {
    long verdict = SSL_get_verify_result(session);
    std::string why = verdict != X509_V_OK
                          ? std::string("its certificate was refused: ") +
                                X509_verify_cert_error_string(verdict) +
                                " (is the CA bundle the one that signed it, and does it name '" +
                                endpoint.host + "'?)"
                          : ec.message();
    Close();
    return Unavailable("the TLS handshake with " + endpoint.describe() + " failed: " + why);
  }
  return {};
}

HttpClient::HttpClient(Endpoint endpoint, TlsOptions tls)
    : endpoint_(std::move(endpoint)), connection_(std::make_unique<Connection>()) {
  if (endpoint_.tls) connection_->tls_context = std::make_unique<TlsContext>(tls);
}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Do(const ClientRequest& request, size_t max_body_bytes) {
  ClientResponse response;
  Status status = Exchange(
      request, max_body_bytes,
      [&](const ClientResponse& head) {
        response = head;
        return true;
      },
      [&](std::string_view chunk) {
        response.body.append(chunk);
        return true;
      });
  if (!status.ok()) return status.error();
  return response;
}

Status HttpClient::Stream(const ClientRequest& request,
                          const std::function<bool(const ClientResponse& head)>& on_head,
                          const std::function<bool(std::string_view chunk)>& on_body) {
  return Exchange(request, std::nullopt, on_head, on_body);
}

Status HttpClient::Exchange(const ClientRequest& request, std::optional<size_t> max_body_bytes,
                            const std::function<bool(const ClientResponse& head)>& on_head,
                            const std::function<bool(std::string_view chunk)>& on_body) {
  Connection& c = *connection_;
  const Deadline deadline = Deadline::After(request.timeout);
  const std::string what = request.method + " " + request.target + " to " + endpoint_.describe();
  auto timeout_error = [&] {
    c.Close();
    return DeadlineExceeded(what + " timed out after " + std::to_string(request.timeout.count()) +
                            " ms");
  };
  auto too_large = [&] {
    return Error{ErrorCode::kPayloadTooLarge, "the response to " + what + " is larger than " +
                                                  std::to_string(max_body_bytes.value_or(0)) +
                                                  " bytes"};
  };

  bhttp::request<bhttp::string_body> out;
  out.method_string(request.method);
  out.target(endpoint_.path_prefix + request.target);
  out.version(11);
  if (endpoint_.is_unix) {
    out.set(bhttp::field::host, "localhost");
  } else {
    bool v6 = endpoint_.host.find(':') != std::string::npos;
    out.set(bhttp::field::host, (v6 ? "[" + endpoint_.host + "]" : endpoint_.host) + ":" +
                                    std::to_string(endpoint_.port));
  }
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = request.body;
  out.prepare_payload();
  if (request.method != "GET" && request.method != "HEAD" && request.body.empty()) {
    out.content_length(0);  // some servers (podman) want an explicit length on POST/DELETE
  }
  const bool from_file = !request.body_file.empty();
  const bool has_body = from_file || !request.body.empty();
  bhttp::request<bhttp::file_body> file_out;
  auto open_file = [&]() -> Status {  // (re)opened for each attempt: it is read from the start
    file_out = {};
    file_out.base() = out.base();
    beast::error_code file_ec;
    file_out.body().open(request.body_file.c_str(), beast::file_mode::scan, file_ec);
    if (file_ec)
      return InvalidArgument("cannot read " + request.body_file + ": " + file_ec.message());
    file_out.prepare_payload();
    return {};
  };

  // A reused keep-alive connection may have been closed by the server while idle; such a
  // failure before any response byte arrived is retried once on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    if (c.socket.is_open() && c.IdleSocketDead()) c.Close();
    if (!c.socket.is_open()) {
      INK_RETURN_IF_ERROR(c.Connect(endpoint_, deadline));
    }
    const bool may_retry = c.reused && attempt == 0;
    if (from_file) INK_RETURN_IF_ERROR(open_file());
    bool timed_out = false;
    beast::error_code ec = c.Run(deadline, timed_out, [&](auto handler) {
      c.WithStream([&](auto& stream) {
        if (from_file) {
          bhttp::async_write(stream, file_out, std::move(handler));
        } else {
          bhttp::async_write(stream, out, std::move(handler));
        }
      });
    });
    if (timed_out) return timeout_error();
    std::string send_failure;
    if (ec) {
      send_failure = "sending " + what + " failed: " + ec.message();
      // A server may answer early (413 for a body too large) and stop reading while the body
      // is still being sent: its answer may be waiting, so read it before giving up.
      bool early_answer_possible =
          has_body && (ec == asio::error::broken_pipe || ec == asio::error::connection_reset);
      if (!early_answer_possible) {
        c.Close();
        if (may_retry) continue;
        return Unavailable(send_failure);
      }
    }

    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.header_limit(256 * 1024);
    // Not boost::none for "unlimited": Boost 1.74 compares Content-Length against an empty
    // optional as "too large".
    parser.body_limit(max_body_bytes.value_or(std::numeric_limits<std::uint64_t>::max()));
    if (request.method == "HEAD") parser.skip(true);
    ec = c.Run(deadline, timed_out, [&](auto handler) {
      c.WithStream([&](auto& stream) {
        bhttp::async_read_header(stream, c.buffer, parser, std::move(handler));
      });
    });
    if (timed_out) return timeout_error();
    if (ec == bhttp::error::body_limit) {  // Content-Length already says it is too big
      c.Close();
      return too_large();
    }
    if (ec) {
      bool nothing_received = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                              ec == asio::error::connection_reset ||
                              ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
      c.Close();
      if (may_retry && nothing_received) continue;
      if (!send_failure.empty()) return Unavailable(send_failure);
      return Unavailable("reading the response to " + what + " failed: " + ec.message());
    }

    ClientResponse head;
    head.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      auto raw_name = field.name_string();
      auto raw_value = field.value();
      std::string name = Lower(std::string_view(raw_name.data(), raw_name.size()));
      std::string value(raw_value.data(), raw_value.size());
      auto [it, inserted] = head.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    if (!on_head(head)) {
      c.Close();
      return {};
    }

    char chunk[64 * 1024];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      ec = c.Run(deadline, timed_out, [&](auto handler) {
        c.WithStream([&](auto& stream) {
          bhttp::async_read_some(stream, c.buffer, parser, std::move(handler));
        });
      });
      if (timed_out) return timeout_error();
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        c.Close();
        if (ec == bhttp::error::body_limit) return too_large();
        return Unavailable("reading the response body of " + what + " failed: " + ec.message());
      }
      size_t got = sizeof(chunk) - parser.get().body().size;
      if (got > 0 && !on_body(std::string_view(chunk, got))) {
        c.Close();
        return {};
      }
    }
    if (parser.keep_alive()) {
      c.reused = true;
    } else {
      c.Close();
    }
    return {};
  }
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
  return out;
}

}  // namespace ink::http
