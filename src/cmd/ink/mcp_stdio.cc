// The stdio ↔ Streamable HTTP bridge behind `ink mcp` (see mcp_stdio.h).
#include "mcp_stdio.h"

#include <strings.h>

#include <condition_variable>
#include <istream>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>

#include "commands.h"
#include "ink/common/json.h"
#include "ink/http/client.h"
#include "session.h"

namespace ink::cli {
namespace {

constexpr int kReconnectAttempts = 3;

// Splits an SSE byte stream into events; calls `on_event(id, data)` for each complete one.
class SseParser {
 public:
  template <typename F>
  void Feed(std::string_view chunk, F&& on_event) {
    buffer_.append(chunk);
    while (true) {
      size_t end = buffer_.find("\n\n");
      size_t crlf = buffer_.find("\r\n\r\n");
      size_t skip = 2;
      if (crlf != std::string::npos && (end == std::string::npos || crlf < end)) {
        end = crlf;
        skip = 4;
      }
      if (end == std::string::npos) return;
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + skip);
      std::string id, data;
      bool has_data = false;
      size_t pos = 0;
      while (pos <= block.size()) {
        size_t nl = block.find('\n', pos);
        std::string line = block.substr(pos, nl == std::string::npos ? nl : nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos = nl == std::string::npos ? block.size() + 1 : nl + 1;
        if (line.empty() || line[0] == ':') continue;
        size_t colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") id = value;
        if (field == "data") {
          data += (has_data ? "\n" : "") + value;
          has_data = true;
        }
      }
      on_event(id, data);
    }
  }

 private:
  std::string buffer_;
};

Json RpcError(const Json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

class Bridge : public std::enable_shared_from_this<Bridge> {
 public:
  Bridge(Config config, http::Endpoint endpoint, std::ostream& out, std::ostream& err)
      : config_(std::move(config)), endpoint_(std::move(endpoint)), out_(out), err_(err) {}

  // Handles one line from stdin.
  void OnLine(const std::string& line) {
    auto parsed = ParseJson(line);
    if (!parsed.ok())
      return Emit(RpcError(nullptr, -32700, "Parse error: " + parsed.error().message));
    if (!parsed->is_object()) {
      return Emit(RpcError(nullptr, -32600,
                           "Invalid Request: send one JSON-RPC object per line (no batches)"));
    }
    Json message = std::move(*parsed);
    bool is_request = message.contains("id") && message.contains("method");
    bool initialize = is_request && message["method"] == "initialize";
    if (!is_request || initialize) return Forward(message, /*retry=*/true);
    // Requests run concurrently so a long tool call does not hold up pings or cancellations.
    {
      std::lock_guard lock(mu_);
      ++running_;
    }
    auto self = shared_from_this();
    std::thread([self, message] {
      self->Forward(message, true);
      std::lock_guard lock(self->mu_);
      --self->running_;
      self->idle_.notify_all();
    }).detach();
  }

  // stdin ended: end the session and give running calls a moment to finish.
  void Finish() {
    std::string session = SessionId();
    if (!session.empty()) {
      http::HttpClient client(endpoint_);
      http::ClientRequest request = NewRequest("DELETE");
      request.headers["Mcp-Session-Id"] = session;
      request.timeout = std::chrono::milliseconds(5000);
      (void)client.Do(request);
    }
    std::unique_lock lock(mu_);
    idle_.wait_for(lock, std::chrono::seconds(3), [&] { return running_ == 0; });
    closed_ = true;  // late writes from threads still running are dropped
  }

 private:
  http::ClientRequest NewRequest(const std::string& method) {
    http::ClientRequest request;
    request.method = method;
    request.target = "/mcp";
    request.headers["Authorization"] = "Bearer " + config_.token;
    request.headers["User-Agent"] = std::string("ink-mcp/") + ClientVersion();
    request.timeout = std::chrono::milliseconds(0);  // tool calls may wait for deployments
    return request;
  }

  std::string SessionId() {
    std::lock_guard lock(mu_);
    return session_id_;
  }

  void Emit(const Json& message) {
    EmitLine(message.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  void EmitLine(const std::string& line) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    out_ << line << '\n';
    out_.flush();
  }
  void Warn(const std::string& text) {
    std::lock_guard lock(mu_);
    err_ << "ink mcp: " << text << std::endl;
  }

  // Sends `message` to inkd and writes what comes back. With `retry`, a session inkd no longer
  // knows (it restarted) is re-initialized once and the message sent again.
  void Forward(const Json& message, bool retry) {
    const Json id = message.contains("id") && message.contains("method") ? message["id"] : Json();
    const bool initialize = message.value("method", "") == "initialize";
    http::HttpClient client(endpoint_);
    http::ClientRequest request = NewRequest("POST");
    request.headers["Content-Type"] = "application/json";
    request.headers["Accept"] = "application/json, text/event-stream";
    std::string session;
    {
      std::lock_guard lock(mu_);
      session = session_id_;
      if (!initialize && !session.empty()) request.headers["Mcp-Session-Id"] = session;
      if (!initialize && !protocol_version_.empty()) {
        request.headers["MCP-Protocol-Version"] = protocol_version_;
      }
    }
    request.body = message.dump(-1, ' ', false, Json::error_handler_t::replace);

    int status = 0;
    bool sse = false;
    std::string body, session_header, last_event_id;
    bool answered = false;  // the response to `id` came through
    SseParser parser;
    auto on_event = [&](const std::string& event_id, const std::string& data) {
      if (!event_id.empty()) last_event_id = event_id;
      if (data.empty()) return;
      auto parsed = ParseJson(data);
      if (parsed.ok() && parsed->contains("id") && !parsed->contains("method")) answered = true;
      EmitLine(data);
    };
    Status sent = client.Stream(
        request,
        [&](const http::ClientResponse& head) {
          status = head.status;
          session_header = head.header("mcp-session-id");
          sse = strncasecmp(head.header("content-type").c_str(), "text/event-stream", 17) == 0;
          return true;
        },
        [&](std::string_view chunk) {
          if (sse && status == 200) {
            parser.Feed(chunk, on_event);
          } else if (body.size() < (8 << 20)) {
            body.append(chunk);
          }
          return true;
        });
    if (status == 0) {
      if (!id.is_null()) {
        Emit(RpcError(id, -32000,
                      "cannot reach inkd at " + config_.api_url + ": " + sent.error().message +
                          "; start inkd or point `ink login --api-url` at it"));
      } else {
        Warn("cannot reach inkd at " + config_.api_url + ": " + sent.error().message);
      }
      return;
    }
    if (sse && status == 200) {
      // The stream ended without the response (inkd closed it): resume where it stopped.
      for (int attempt = 0;
           !answered && !id.is_null() && !last_event_id.empty() && attempt < kReconnectAttempts;
           ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (attempt + 1)));
        http::ClientRequest resume = NewRequest("GET");
        resume.headers["Accept"] = "text/event-stream";
        resume.headers["Mcp-Session-Id"] = session;
        resume.headers["Last-Event-ID"] = last_event_id;
        int resume_status = 0;
        SseParser resume_parser;
        (void)client.Stream(
            resume,
            [&](const http::ClientResponse& head) {
              resume_status = head.status;
              return head.status == 200;
            },
            [&](std::string_view chunk) {
              resume_parser.Feed(chunk, on_event);
              return true;
            });
        if (resume_status != 200 && resume_status != 0) break;
      }
      if (!answered && !id.is_null()) {
        Emit(RpcError(id, -32000, "inkd closed the response stream before answering; retry"));
      }
      return;
    }
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    if (status == 404 && retry && !initialize && !session.empty() && Reinitialize(session)) {
      return Forward(message, false);
    }
    if (status == 202 || status == 204) return;
    auto reply = ParseJson(body);
    if (status == 200 && reply.ok()) {
      if (initialize && reply->contains("result")) {
        std::lock_guard lock(mu_);
        session_id_ = session_header;
        protocol_version_ = (*reply)["result"].value("protocolVersion", "");
        init_message_ = message;
      }
      EmitLine(body);
      return;
    }
    // An HTTP-level error: answer the request with it (inkd's JSON-RPC error has no id).
    std::string text =
        reply.ok() && reply->contains("error")
            ? (*reply)["error"].value("message", body)
            : "inkd answered HTTP " + std::to_string(status) + ": " + body.substr(0, 300);
    if (status == 401) text += " (run `ink login` with a valid token)";
    if (!id.is_null()) {
      int code =
          reply.ok() && reply->contains("error") ? (*reply)["error"].value("code", -32000) : -32000;
      Emit(RpcError(id, code, text));
    } else {
      Warn(text);
    }
  }

  // inkd lost `old_session` (restart, expiry): initialize again with the client's original
  // initialize message. True if a new session is ready.
  bool Reinitialize(const std::string& old_session) {
    Json init;
    {
      std::lock_guard lock(mu_);
      if (session_id_ != old_session) return !session_id_.empty();  // another thread did it
      init = init_message_;
      session_id_.clear();
    }
    if (init.is_null()) return false;
    Warn("inkd no longer knows the MCP session; starting a new one");
    init["id"] = "ink-mcp-reinitialize";
    http::HttpClient client(endpoint_);
    http::ClientRequest request = NewRequest("POST");
    request.headers["Content-Type"] = "application/json";
    request.headers["Accept"] = "application/json, text/event-stream";
    request.body = init.dump();
    auto response = client.Do(request);
    if (!response.ok() || response->status != 200) return false;
    auto reply = ParseJson(response->body);
    if (!reply.ok() || !reply->contains("result")) return false;
    std::string session = response->header("mcp-session-id");
    {
      std::lock_guard lock(mu_);
      session_id_ = session;
      protocol_version_ = (*reply)["result"].value("protocolVersion", "");
    }
    request.headers["Mcp-Session-Id"] = session;
    request.headers["MCP-Protocol-Version"] = (*reply)["result"].value("protocolVersion", "");
    request.body = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
    (void)client.Do(request);
    return true;
  }

  const Config config_;
  const http::Endpoint endpoint_;
  std::ostream& out_;
  std::ostream& err_;
  std::mutex mu_;  // guards the members below and writes to out_/err_
  std::condition_variable idle_;
  std::string session_id_;
  std::string protocol_version_;
  Json init_message_;
  int running_ = 0;
  bool closed_ = false;
};

}  // namespace

int RunMcpBridge(const Config& config, std::istream& in, std::ostream& out, std::ostream& err) {
  auto endpoint = http::Endpoint::Parse(config.api_url);
  if (!endpoint.ok()) {
    err << "ink mcp: cannot use API URL '" << config.api_url << "': " << endpoint.error().message
        << "\n";
    return kExitUsage;
  }
  auto bridge = std::make_shared<Bridge>(config, *endpoint, out, err);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    bridge->OnLine(line);
  }
  bridge->Finish();
  return kExitOk;
}

int RunMcp(Session& s) {
  auto config = LoadConfig(s.env().env);
  if (!config.ok()) return s.Fail(config.error().message);
  return RunMcpBridge(*config, s.env().in, s.out(), s.err());
}

}  // namespace ink::cli
