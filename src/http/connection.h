// Internal to ink_http: one client connection of HttpServer, and the blocking I/O a handler
// thread does on it (responses, streamed request bodies) with deadlines.
//
// Ownership moves, it is never shared: the event-loop thread owns a Connection while it is
// idle or reading a request; it hands the connection to a pool thread for admission and the
// handler, and gets it back (posted) afterwards. So no field needs a lock: only the owner of
// the moment touches it. The socket is non-blocking throughout; pool threads use poll(2) with
// timeouts on its descriptor, the loop uses Asio waits.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/http/server.h"
#include "src/http/request_parser.h"

namespace ink::http::internal {

using SteadyClock = std::chrono::steady_clock;

struct Connection {
  enum class Phase {
    kIdle,     // waiting for a request's first byte (fresh or keep-alive)
    kHead,     // reading a request head
    kBody,     // reading an admitted body whole
    kHandler,  // owned by a pool thread (admission, handler)
    kClosing,  // an error answer is being sent or the client's leftovers drained
  };

  explicit Connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
  int fd() { return socket.native_handle(); }

  boost::asio::ip::tcp::socket socket;
  std::string remote_address;
  Phase phase = Phase::kIdle;
  SteadyClock::time_point phase_start;
  SteadyClock::time_point deadline;  // kIdle, kHead, kClosing; a body's moves with its progress
  bool fresh = true;                 // no request yet on this connection
  bool authenticated = false;        // an admitted request on it proved who sent it
  bool listed = false;               // in the server's pending list (at `where`)
  bool waiting = false;              // a readiness wait is armed on the loop
  std::list<std::shared_ptr<Connection>>::iterator where;

  std::string in;      // bytes received and not yet consumed (head, body, pipelined)
  size_t scanned = 0;  // bytes of `in` known to hold no complete head line yet
  size_t drained = 0;  // kClosing: leftover bytes read and dropped
  RequestHead head;    // the request being served
  ServerRequest request;
  BodyDecoder decoder;
  bool stream_body = false;
};

// Writes all of `data` to the non-blocking descriptor; false if the peer is gone or no byte
// could be written for `timeout`.
bool SendAll(int fd, std::string_view data, std::chrono::milliseconds timeout);

// "HTTP/1.1 <status> <reason>\r\n<headers>Connection: ...\r\n" (no blank line).
std::string ResponseHead(int status, const std::map<std::string, std::string>& headers,
                         bool keep_alive);
// A whole `{"error":{"code","message"}}` response that closes the connection.
std::string ErrorResponse(int status, const std::string& message,
                          const std::map<std::string, std::string>& headers = {});

// The handler's ResponseWriter on a connection.
class ConnectionWriter : public ResponseWriter {
 public:
  // `on_stream` runs when the handler starts a stream (the request turns long-lived); false
  // refuses the stream (503: no room for another long-lived request).
  ConnectionWriter(int fd, bool keep_alive, bool head_only, std::chrono::milliseconds timeout,
                   std::function<bool()> on_stream)
      : fd_(fd),
        keep_alive_(keep_alive),
        head_only_(head_only),
        timeout_(timeout),
        on_stream_(std::move(on_stream)) {}

  void Send(int status, const std::map<std::string, std::string>& headers,
            std::string_view body) override;
  bool StartStream(int status, const std::map<std::string, std::string>& headers) override;
  bool Write(std::string_view chunk) override;

  // Ends the exchange: closes a stream or sends a 500 if the handler answered nothing.
  void Finish();
  // True if the connection may carry another request.
  bool keep_alive() const { return keep_alive_ && ok_; }

 private:
  bool Put(std::string_view data);
  // False (and the writer fails) once the client closed or reset the connection.
  bool PeerConnected();

  int fd_;
  bool keep_alive_;
  bool head_only_;
  std::chrono::milliseconds timeout_;
  std::function<bool()> on_stream_;
  bool streaming_ = false;
  bool done_ = false;
  bool ok_ = true;
};

// Reads the rest of a streamed body for a handler thread: what `in` already holds, then from
// the socket until the body's deadline (grace + received / min_rate).
class BodyReader {
 public:
  BodyReader(Connection& connection, std::chrono::milliseconds grace, size_t min_rate)
      : connection_(connection), grace_(grace), min_rate_(min_rate), start_(SteadyClock::now()) {}
  Result<size_t> Read(char* buffer, size_t size);

 private:
  Connection& connection_;
  std::chrono::milliseconds grace_;
  size_t min_rate_;
  SteadyClock::time_point start_;
};

// The deadline of a body that started at `start` and has `received` bytes so far.
SteadyClock::time_point BodyDeadline(SteadyClock::time_point start, uint64_t received,
                                     std::chrono::milliseconds grace, size_t min_rate);

}  // namespace ink::http::internal
