#include "src/http/connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <cstdio>

#include "ink/common/json.h"

namespace ink::http::internal {
namespace {

const char* ReasonPhrase(int status) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return reason.empty() ? "Unknown" : reason.data();
}

const char* ErrorCodeFor(int status) {
  switch (status) {
    case 401:
      return "unauthenticated";
    case 408:
      return "deadline_exceeded";
    case 413:
      return "payload_too_large";
    case 500:
      return "internal";
    case 503:
      return "unavailable";
    default:
      return "invalid_argument";
  }
}

int RemainingMillis(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

bool SendAll(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
      continue;
    }
    return false;
  }
  return true;
}

std::string ResponseHead(int status, const std::map<std::string, std::string>& headers,
                         bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  return out;
}

std::string ErrorResponse(int status, const std::string& message,
                          const std::map<std::string, std::string>& headers) {
  std::string body =
      Json{{"error", {{"code", ErrorCodeFor(status)}, {"message", message}}}}.dump() + "\n";
  auto all = headers;
  all.emplace("Content-Type", "application/json");
  return ResponseHead(status, all, false) + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

void ConnectionWriter::Send(int status, const std::map<std::string, std::string>& headers,
                            std::string_view body) {
  if (done_ || streaming_) return;  // one answer per request
  std::string out = ResponseHead(status, headers, keep_alive_);
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head_only_) out.append(body);
  Put(out);
  done_ = true;
}

bool ConnectionWriter::StartStream(int status, const std::map<std::string, std::string>& headers) {
  if (done_ || streaming_) return false;
  keep_alive_ = false;  // a stream ends with the connection's end or its last chunk
  if (on_stream_ && !on_stream_()) {
    Put(ErrorResponse(503,
                      "inkd holds too many long-lived requests (streams, log follows, waits); "
                      "close some or retry shortly"));
    done_ = true;
    return false;
  }
  streaming_ = true;
  return Put(ResponseHead(status, headers, false) + "Transfer-Encoding: chunked\r\n\r\n");
}

bool ConnectionWriter::Write(std::string_view chunk) {
  if (!streaming_) return ok_;
  if (chunk.empty()) return ok_ && PeerConnected();
  if (head_only_) return ok_;
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  std::string out(size, static_cast<size_t>(n));
  out.append(chunk);
  out += "\r\n";
  return Put(out);
}

void ConnectionWriter::Finish() {
  if (streaming_) {
    if (!head_only_) Put("0\r\n\r\n");
  } else if (!done_) {
    Send(500, {{"Content-Type", "application/json"}},
         R"({"error":{"code":"internal","message":"the handler produced no response"}})");
  }
}

bool ConnectionWriter::PeerConnected() {
  if (!ok_) return false;
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  // Readable bytes alone are not a close (a client may send more); a hang-up, reset or the
  // peer's FIN is.
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) ok_ = false;
  return ok_;
}

bool ConnectionWriter::Put(std::string_view data) {
  if (!ok_) return false;
  ok_ = SendAll(fd_, data, timeout_);
  return ok_;
}

SteadyClock::time_point BodyDeadline(SteadyClock::time_point start, uint64_t received,
                                     std::chrono::milliseconds grace, size_t min_rate) {
  auto earned = std::chrono::milliseconds(
      min_rate == 0 ? int64_t{1} << 40 : static_cast<int64_t>(received * 1000 / min_rate));
  return start + grace + earned;
}

Result<size_t> BodyReader::Read(char* buffer, size_t size) {
  Connection& c = connection_;
  while (true) {
    if (c.decoder.state() == BodyDecoder::State::kDone || size == 0) return size_t{0};
    if (!c.in.empty()) {
      auto step = c.decoder.Decode(c.in, buffer, size);
      c.in.erase(0, step.consumed);
      if (c.decoder.state() == BodyDecoder::State::kFailed) {
        return InvalidArgument("malformed request body: " + c.decoder.failure().message);
      }
      if (step.produced > 0) return step.produced;
      if (step.consumed > 0) continue;
    }
    auto deadline = BodyDeadline(start_, c.decoder.payload_bytes(), grace_, min_rate_);
    pollfd p{c.fd(), POLLIN, 0};
    int ready = ::poll(&p, 1, RemainingMillis(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      return Error{ErrorCode::kDeadlineExceeded, "the request body arrived too slowly (less than " +
                                                     std::to_string(min_rate_ >> 10) +
                                                     " KiB/s); the upload was stopped"};
    }
    char chunk[65536];
    ssize_t n = ::recv(c.fd(), chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return Unavailable("the client closed the connection before the body ended");
    c.in.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace ink::http::internal
