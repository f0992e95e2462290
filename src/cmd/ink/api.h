// ApiTransport: how the ink CLI talks to inkd's REST API.
//
// The real transport (NewHttpTransport) sends HTTP/1.1 requests with the bearer token through
// ink::http::HttpClient. Command handlers only see this interface so their request building and
// output formatting can be unit-tested. One transport per command run; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config.h"
#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::cli {

struct ApiReply {
  int status = 0;
  std::string body;
};

class ApiTransport {
 public:
  virtual ~ApiTransport() = default;

  // Sends one request (`target` is path + query, already encoded) with an optional JSON body.
  // Any HTTP status is a reply; an Error means inkd could not be reached or did not answer.
  virtual Result<ApiReply> Send(std::string_view method, const std::string& target,
                                const std::optional<Json>& body) = 0;

  // GETs `target` with no time limit, accepting NDJSON (the streamed form of a wait, with
  // progress) or plain text (a followed log). With a 2xx status the body's chunks go to `sink` as
  // they arrive (sink returning false stops) and the reply's body stays empty; with any other
  // status the body is collected into the reply. An Error means inkd could not be reached.
  virtual Result<ApiReply> Stream(const std::string& target,
                                  const std::function<bool(std::string_view chunk)>& sink) = 0;

  // POSTs the file at `path` as the raw body of `target` (streamed from disk, e.g. a source
  // archive) and collects the reply. An Error means inkd could not be reached.
  virtual Result<ApiReply> Upload(const std::string& target, const std::string& path,
                                  const std::string& content_type) {
    (void)target, (void)path, (void)content_type;
    return Unavailable("this transport cannot upload files");
  }

  // The API URL, for messages.
  virtual std::string url() const = 0;
};

// Makes a transport for `config` (used for the saved config and, by `ink login`, for a token
// that is not saved yet). An Error means the URL cannot be used.
using TransportFactory = std::function<Result<std::unique_ptr<ApiTransport>>(const Config& config)>;

// The real transport over ink::http::HttpClient.
Result<std::unique_ptr<ApiTransport>> NewHttpTransport(const Config& config);

// Percent-encodes one path segment or query value.
std::string EncodeSegment(std::string_view text);

}  // namespace ink::cli
