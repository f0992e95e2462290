// resources/list, resources/templates/list and resources/read: things an agent reads rather than
// calls (runtime logs, build logs, build plans; another kind is one ResourceKinds() entry).
#include <cstdlib>

#include "ink/http/server.h"
#include "src/mcp/internal.h"

namespace ink::mcp {
namespace internal {
namespace {

// get_logs output {lines: [{replica, stream, text}], truncated} → "[0 stdout] text" lines.
std::string RenderLogLines(const Json& output) {
  std::string text;
  if (output.contains("lines") && output["lines"].is_array()) {
    for (const auto& line : output["lines"]) {
      if (line.is_string()) {  // build logs: plain lines
        text += line.get<std::string>() + "\n";
        continue;
      }
      text += "[" + line.value("replica", "?") + " " + line.value("stream", "") + "] " +
              line.value("text", "") + "\n";
    }
  }
  if (output.value("truncated", false)) text += "[ink: output truncated at its size limit]\n";
  if (text.empty()) text = "[ink: no log lines yet]\n";
  return text;
}

bool IsUnreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

}  // namespace

const std::vector<ResourceKind>& ResourceKinds() {
  static const std::vector<ResourceKind> kinds = {
      {.uri_template = "ink://projects/{project}/services/{service}/logs",
       .name = "runtime-logs",
       .title = "Runtime logs",
       .description = "The last 500 lines per replica of a service's stdout and stderr.",
       .mime_type = "text/plain",
       .operation = "get_logs",
       .arguments = {{"tail", 500}},
       .per_service = true,
       .render = RenderLogLines},
      {.uri_template = "ink://deployments/{deployment}/build-log",
       .name = "build-log",
       .title = "Build log",
       .description = "The last 500 lines of a source deployment's build (clone, plan, podman "
                      "build).",
       .mime_type = "text/plain",
       .operation = "get_build_logs",
       .arguments = {{"tail", 500}},
       .per_service = false,
       .render = RenderLogLines},
      {.uri_template = "ink://projects/{project}/services/{service}/plan",
       .name = "plan",
       .title = "Build plan",
       .description = "How Ink builds a service's last source: detected stack, commands, port, "
                      "Containerfile.",
       .mime_type = "application/json",
       .operation = "plan",
       .arguments = Json::object(),
       .per_service = false,
       .render =
           [](const Json& output) {
             return output.dump(2, ' ', false, Json::error_handler_t::replace);
           }},
  };
  return kinds;
}

bool MatchUriTemplate(const std::string& uri_template, const std::string& uri, Json& variables) {
  Json found = Json::object();
  size_t t = 0, u = 0;
  while (t < uri_template.size()) {
    if (uri_template[t] == '{') {
      size_t close = uri_template.find('}', t);
      if (close == std::string::npos) return false;
      std::string name = uri_template.substr(t + 1, close - t - 1);
      size_t end = u;
      while (end < uri.size() && uri[end] != '/' && uri[end] != '?' && uri[end] != '#') ++end;
      if (end == u) return false;
      found[name] = http::UrlDecode(std::string_view(uri).substr(u, end - u), false);
      u = end;
      t = close + 1;
    } else {
      if (u >= uri.size() || uri[u] != uri_template[t]) return false;
      ++u;
      ++t;
    }
  }
  if (u != uri.size()) return false;
  variables = found;
  return true;
}

std::string ExpandUriTemplate(const std::string& uri_template, const Json& variables) {
  std::string out;
  for (size_t t = 0; t < uri_template.size(); ++t) {
    if (uri_template[t] != '{') {
      out += uri_template[t];
      continue;
    }
    size_t close = uri_template.find('}', t);
    std::string value = variables.value(uri_template.substr(t + 1, close - t - 1), "");
    for (char c : value) {
      if (IsUnreserved(c)) {
        out += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        out += buf;
      }
    }
    t = close;
  }
  return out;
}

Result<size_t> ParseCursor(const Json& params) {
  auto it = params.find("cursor");
  if (it == params.end() || it->is_null()) return size_t{0};
  const std::string hint = "; pass the nextCursor of the previous page unchanged";
  if (!it->is_string()) return InvalidArgument("cursor must be a string" + hint);
  const std::string& text = it->get_ref<const std::string&>();
  if (text.size() < 3 || text.rfind("o:", 0) != 0 || text.size() > 12) {
    return InvalidArgument("cursor '" + text.substr(0, 32) + "' is not valid" + hint);
  }
  for (size_t i = 2; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return InvalidArgument("cursor '" + text.substr(0, 32) + "' is not valid" + hint);
    }
  }
  return static_cast<size_t>(std::strtoull(text.c_str() + 2, nullptr, 10));
}

std::string MakeCursor(size_t offset) { return "o:" + std::to_string(offset); }

}  // namespace internal

using internal::ResourceKind;

Json Dispatcher::ListResourceTemplates(const Message& request) const {
  auto offset = internal::ParseCursor(request.params);
  if (!offset.ok()) return ErrorResponse(request.id, kInvalidParams, offset.error().message);
  Json templates = Json::array();
  for (const auto& kind : internal::ResourceKinds()) {
    if (table_.Find(kind.operation) == nullptr) continue;
    templates.push_back({{"uriTemplate", kind.uri_template},
                         {"name", kind.name},
                         {"title", kind.title},
                         {"description", kind.description},
                         {"mimeType", kind.mime_type}});
  }
  Json page = Json::array();
  for (size_t i = *offset; i < templates.size(); ++i) page.push_back(templates[i]);
  return ResultResponse(request.id, {{"resourceTemplates", page}});
}

Json Dispatcher::ListResources(Session& session, const Message& request) const {
  auto offset = internal::ParseCursor(request.params);
  if (!offset.ok()) return ErrorResponse(request.id, kInvalidParams, offset.error().message);
  // Concrete resources of per-service kinds: one per service of every project, found through
  // the same operations the tools use.
  std::vector<Json> all;
  const Operation* list_projects = table_.Find("list_projects");
  const Operation* list_services = table_.Find("list_services");
  if (list_projects != nullptr && list_services != nullptr) {
    auto projects = table_.Invoke(*list_projects, session.caller(), Json::object());
    if (!projects.ok()) {
      return ErrorResponse(request.id, kInternalError, projects.error().message);
    }
    for (const auto& project : projects->value("projects", Json::array())) {
      std::string project_name = project.value("name", "");
      auto services = table_.Invoke(*list_services, session.caller(), {{"project", project_name}});
      if (!services.ok()) continue;  // deleted meanwhile
      for (const auto& service : services->value("services", Json::array())) {
        Json vars = {{"project", project_name}, {"service", service.value("name", "")}};
        for (const ResourceKind& kind : internal::ResourceKinds()) {
          if (!kind.per_service || table_.Find(kind.operation) == nullptr) continue;
          all.push_back(
              {{"uri", internal::ExpandUriTemplate(kind.uri_template, vars)},
               {"name", vars["service"].get<std::string>() + "." + project_name + " " + kind.name},
               {"title", kind.title + " of " + vars["service"].get<std::string>() + " (" +
                             project_name + ")"},
               {"mimeType", kind.mime_type}});
        }
      }
    }
  }
  Json page = Json::array();
  size_t end = std::min(all.size(), *offset + info_.resources_page_size);
  for (size_t i = *offset; i < end; ++i) page.push_back(all[i]);
  Json result = {{"resources", page}};
  if (end < all.size()) result["nextCursor"] = internal::MakeCursor(end);
  return ResultResponse(request.id, result);
}

Json Dispatcher::ReadResource(Session& session, const Message& request) const {
  auto uri_it = request.params.find("uri");
  if (uri_it == request.params.end() || !uri_it->is_string()) {
    return ErrorResponse(request.id, kInvalidParams,
                         "resources/read needs params.uri, e.g. "
                         "ink://projects/demo/services/web/logs");
  }
  const std::string uri = uri_it->get<std::string>();
  for (const ResourceKind& kind : internal::ResourceKinds()) {
    Json vars;
    if (!internal::MatchUriTemplate(kind.uri_template, uri, vars)) continue;
    const Operation* op = table_.Find(kind.operation);
    if (op == nullptr) break;
    Json input = vars;
    for (const auto& [k, v] : kind.arguments.items()) input[k] = v;
    auto output = table_.Invoke(*op, session.caller(), input);
    if (!output.ok()) {
      // -32002 is MCP's "resource not found"; other failures are internal errors.
      bool missing = output.error().code == ErrorCode::kNotFound ||
                     output.error().code == ErrorCode::kInvalidArgument;
      return ErrorResponse(request.id, missing ? kResourceNotFound : kInternalError,
                           output.error().message, {{"uri", uri}});
    }
    return ResultResponse(
        request.id,
        {{"contents",
          Json::array(
              {{{"uri", uri}, {"mimeType", kind.mime_type}, {"text", kind.render(*output)}}})}});
  }
  std::string known;
  for (const ResourceKind& kind : internal::ResourceKinds()) {
    if (table_.Find(kind.operation) != nullptr) {
      known += (known.empty() ? "" : ", ") + kind.uri_template;
    }
  }
  return ErrorResponse(
      request.id, kResourceNotFound,
      "no resource at '" + uri.substr(0, 200) + "'; resource URIs look like " + known,
      {{"uri", uri}});
}

}  // namespace ink::mcp
