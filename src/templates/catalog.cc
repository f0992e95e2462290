#include "ink/templates/catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ink/common/env_vars.h"
#include "ink/common/names.h"
#include "ink/common/resources.h"

namespace ink::templates {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxDescription = 300;
constexpr int kMinSecret = 16;
constexpr int kMaxSecret = 128;
constexpr size_t kMaxContextBytes = 16 << 20;
constexpr size_t kMaxServices = 4;

// Errors name the file and the field: "templates/pg/template.json: services[0].port: ...".
class Errors {
 public:
  explicit Errors(std::string file) : file_(std::move(file)) {}
  Error At(const std::string& field, const std::string& what) const {
    return InvalidArgument(file_ + ": " + field + ": " + what);
  }

 private:
  std::string file_;
};

Status OnlyKeys(const Errors& e, const std::string& field, const Json& object,
                const std::set<std::string>& allowed) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return e.At(field.empty() ? key : field + "." + key, "unknown field (known: " + list + ")");
  }
  return {};
}

// "secret(32)" → 32; nullopt when `value` is not of that form.
std::optional<std::string> SecretLength(const std::string& value) {
  if (value.rfind("secret(", 0) != 0 || value.back() != ')') return std::nullopt;
  return value.substr(7, value.size() - 8);
}

Status ParseVariables(const Errors& e, const std::string& field, const Json& in,
                      TemplateService& out) {
  if (!in.is_object()) return e.At(field, "must be an object {NAME: value}");
  for (const auto& [name, value] : in.items()) {
    std::string at = field + "." + name;
    if (auto bad = ValidateVariableName(name); !bad.ok()) return e.At(at, bad.error().message);
    if (name.rfind("INK_", 0) == 0)
      return e.At(at, "INK_* variables are Ink's own; pick another name");
    if (!value.is_string()) return e.At(at, "must be a string");
    TemplateVariable v{.name = name, .value = value.get<std::string>()};
    if (auto length = SecretLength(v.value)) {
      int n = 0;
      bool digits = !length->empty() && length->size() <= 3 &&
                    std::all_of(length->begin(), length->end(), ::isdigit);
      if (digits) n = std::stoi(*length);
      if (n < kMinSecret || n > kMaxSecret) {
        return e.At(at, "secret(N) needs a length N from " + std::to_string(kMinSecret) + " to " +
                            std::to_string(kMaxSecret));
      }
      v.value.clear();
      v.secret_length = n;
    } else if (auto bad = ValidateVariableValue(name, v.value); !bad.ok()) {
      return e.At(at, bad.error().message);
    }
    out.variables.push_back(std::move(v));
  }
  std::sort(out.variables.begin(), out.variables.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return {};
}

Status ParseHealthCheck(const Errors& e, const std::string& field, const Json& in,
                        TemplateService& out) {
  if (!in.is_object()) return e.At(field, "must be an object, e.g. {\"type\": \"tcp\"}");
  INK_RETURN_IF_ERROR(OnlyKeys(e, field, in, {"type", "path"}));
  std::string type = in.value("type", "");
  if (type == "tcp") {
    if (in.contains("path")) return e.At(field + ".path", "applies to type http only");
  } else if (type == "http") {
    if (!in.contains("path") || !in["path"].is_string()) {
      return e.At(field + ".path", "type http needs a path, e.g. \"/healthz\"");
    }
    out.health_check_path = in["path"];
    const std::string& p = out.health_check_path;
    if (p.empty() || p.front() != '/' || p.size() > 256 ||
        std::any_of(p.begin(), p.end(), [](char c) { return c <= 0x20 || c == 0x7f; })) {
      return e.At(field + ".path", "must start with '/', without spaces, at most 256 characters");
    }
  } else {
    return e.At(field + ".type", "must be \"tcp\" (a TCP connect to the port) or \"http\"");
  }
  out.health_check_type = type;
  return {};
}

Status ParseResources(const Errors& e, const std::string& field, const Json& in,
                      TemplateService& out) {
  if (!in.is_object()) return e.At(field, "must be an object {cpu, memory}");
  INK_RETURN_IF_ERROR(OnlyKeys(e, field, in, {"cpu", "memory"}));
  if (in.contains("cpu")) {
    if (!in["cpu"].is_number()) return e.At(field + ".cpu", "must be a number of cores");
    out.cpu = in["cpu"];
    if (auto bad = ValidateCpuCores(out.cpu); !bad.ok()) {
      return e.At(field + ".cpu", bad.error().message);
    }
  }
  if (in.contains("memory")) {
    if (!in["memory"].is_string()) return e.At(field + ".memory", "must be a size like \"512Mi\"");
    auto bytes = ParseMemoryLimit(in["memory"].get<std::string>());
    if (!bytes.ok()) return e.At(field + ".memory", bytes.error().message);
    out.memory_bytes = *bytes;
  }
  return {};
}

Status ParseVolumes(const Errors& e, const std::string& field, const Json& in,
                    TemplateService& out) {
  if (!in.is_array()) return e.At(field, "must be an array of {name, mount_path, size}");
  std::set<std::string> names;
  for (size_t i = 0; i < in.size(); ++i) {
    std::string at = field + "[" + std::to_string(i) + "]";
    const Json& v = in[i];
    if (!v.is_object()) return e.At(at, "must be an object {name, mount_path, size}");
    INK_RETURN_IF_ERROR(OnlyKeys(e, at, v, {"name", "mount_path", "size"}));
    if (!v.contains("name") || !v["name"].is_string() || !v.contains("mount_path") ||
        !v["mount_path"].is_string()) {
      return e.At(at, "needs name and mount_path (strings)");
    }
    TemplateVolume volume{v["name"], v["mount_path"]};
    if (v.contains("size")) {
      if (!v["size"].is_string()) return e.At(at + ".size", "must be a size like \"1Gi\"");
      auto bytes = ParseVolumeSize(v["size"].get<std::string>());
      if (!bytes.ok()) return e.At(at + ".size", bytes.error().message);
      volume.size_bytes = *bytes;
    }
    if (auto bad = ValidateName("volume name", volume.name, 20); !bad.ok()) {
      return e.At(at + ".name", bad.error().message);
    }
    if (!names.insert(volume.name).second) return e.At(at + ".name", "named twice");
    const std::string& m = volume.mount_path;
    if (m.size() < 2 || m.front() != '/' || m.find("..") != std::string::npos ||
        m.find("//") != std::string::npos || m.rfind("/proc", 0) == 0 || m.rfind("/sys", 0) == 0 ||
        m.rfind("/dev", 0) == 0) {
      return e.At(at + ".mount_path",
                  "must be an absolute directory other than /, /proc, /sys, /dev (no ..)");
    }
    out.volumes.push_back(volume);
  }
  return {};
}

Status ParseBuild(const Errors& e, const std::string& field, const Json& in, const std::string& dir,
                  TemplateService& out) {
  if (!in.is_string())
    return e.At(field, "must be a directory relative to the template, e.g. \".\"");
  fs::path relative(in.get<std::string>());
  if (relative.is_absolute() ||
      std::any_of(relative.begin(), relative.end(), [](const fs::path& p) { return p == ".."; })) {
    return e.At(field, "must stay inside the template's directory (no absolute path, no ..)");
  }
  std::error_code ec;
  fs::path context = fs::weakly_canonical(fs::path(dir) / relative, ec);
  if (ec || !fs::is_directory(context, ec)) return e.At(field, "is not a directory");
  if (!fs::exists(context / "Dockerfile", ec) && !fs::exists(context / "Containerfile", ec)) {
    return e.At(field, "the build context has no Dockerfile");
  }
  out.build_context = context.string();
  return {};
}

Result<TemplateService> ParseService(const Errors& e, const std::string& field, const Json& in,
                                     const std::string& dir);

// {"name": "db", "from": "mariadb"}: the one service of the catalog's template `mariadb` (its
// build, port, health check, resources, volumes, variables and publishes), named `name`.
Result<TemplateService> ServiceFrom(const Errors& e, const std::string& field, const Json& in,
                                    const std::string& dir) {
  INK_RETURN_IF_ERROR(OnlyKeys(e, field, in, {"name", "from"}));
  if (!in["from"].is_string()) return e.At(field + ".from", "must be a template name");
  if (!in.contains("name") || !in["name"].is_string()) {
    return e.At(field + ".name", "is required beside from (the service's name in this template)");
  }
  std::string from = in["from"];
  if (auto bad = ValidateName("template name", from); !bad.ok()) {
    return e.At(field + ".from", bad.error().message);
  }
  fs::path other = fs::path(dir).parent_path() / from;
  std::ifstream file(other / "template.json");
  if (!file) return e.At(field + ".from", "there is no template '" + from + "' beside this one");
  std::stringstream text;
  text << file.rdbuf();
  // One level only (no chains, no cycles): the other template's services are its own.
  if (auto raw = ParseJson(text.str());
      raw.ok() && raw->is_object() && raw->contains("services") && (*raw)["services"].is_array()) {
    for (const Json& service : (*raw)["services"]) {
      if (service.is_object() && service.contains("from")) {
        return e.At(field + ".from", "template '" + from +
                                         "' takes a service from another one; "
                                         "name a template with a service of its own");
      }
    }
  }
  auto t = ParseTemplate(from, other.string(), (other / "template.json").string(), text.str());
  if (!t.ok()) return e.At(field + ".from", t.error().message);
  if (t->services.size() != 1) {
    return e.At(field + ".from", "template '" + from +
                                     "' has several services; name one template "
                                     "of one service");
  }
  TemplateService out = std::move(t->services.front());
  out.name = in.value("name", "");
  if (auto bad = ValidateName("template service name", out.name, 20); !bad.ok()) {
    return e.At(field + ".name", bad.error().message);
  }
  return out;
}

Result<TemplateService> ParseService(const Errors& e, const std::string& field, const Json& in,
                                     const std::string& dir) {
  if (!in.is_object()) return e.At(field, "must be an object");
  if (in.contains("from")) return ServiceFrom(e, field, in, dir);
  INK_RETURN_IF_ERROR(OnlyKeys(
      e, field, in,
      {"name", "build", "port", "health_check", "resources", "volumes", "variables", "publishes"}));
  TemplateService out;
  if (in.contains("name")) {  // checked again by the caller when from another template
    if (!in["name"].is_string()) return e.At(field + ".name", "must be a string");
    out.name = in["name"];
    if (auto bad = ValidateName("template service name", out.name, 20); !bad.ok()) {
      return e.At(field + ".name", bad.error().message);
    }
  }
  if (!in.contains("build")) return e.At(field + ".build", "is required");
  INK_RETURN_IF_ERROR(ParseBuild(e, field + ".build", in["build"], dir, out));
  if (!in.contains("port") || !in["port"].is_number_integer()) {
    return e.At(field + ".port", "is required: the port the service listens on");
  }
  if (auto bad = ValidateAppPort(in["port"].get<int64_t>()); !bad.ok()) {
    return e.At(field + ".port", bad.error().message);
  }
  out.port = in["port"];
  if (!in.contains("health_check")) {
    return e.At(field + ".health_check", "is required, e.g. {\"type\": \"tcp\"}");
  }
  INK_RETURN_IF_ERROR(ParseHealthCheck(e, field + ".health_check", in["health_check"], out));
  if (in.contains("resources")) {
    INK_RETURN_IF_ERROR(ParseResources(e, field + ".resources", in["resources"], out));
  }
  if (in.contains("volumes")) {
    INK_RETURN_IF_ERROR(ParseVolumes(e, field + ".volumes", in["volumes"], out));
  }
  if (in.contains("variables")) {
    INK_RETURN_IF_ERROR(ParseVariables(e, field + ".variables", in["variables"], out));
  }
  if (in.contains("publishes")) {
    const Json& p = in["publishes"];
    if (!p.is_array()) return e.At(field + ".publishes", "must be an array of variable names");
    for (size_t i = 0; i < p.size(); ++i) {
      std::string at = field + ".publishes[" + std::to_string(i) + "]";
      if (!p[i].is_string()) return e.At(at, "must be a variable name");
      std::string name = p[i];
      if (out.Variable(name) == nullptr) {
        return e.At(at, "'" + name + "' is not one of the service's variables");
      }
      out.publishes.push_back(name);
    }
  }
  return out;
}

void TarOctal(char* field, size_t size, uint64_t value) {
  std::snprintf(field, size, "%0*llo", static_cast<int>(size - 1),
                static_cast<unsigned long long>(value));
}

// One ustar header block (name at most 100 bytes; the caller checks).
std::string TarHeader(const std::string& name, char type, uint64_t size, unsigned mode) {
  char h[512] = {};
  std::memcpy(h, name.data(), name.size());
  TarOctal(h + 100, 8, mode);
  TarOctal(h + 108, 8, 0);
  TarOctal(h + 116, 8, 0);
  TarOctal(h + 124, 12, size);
  TarOctal(h + 136, 12, 0);
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  return std::string(h, sizeof h);
}

}  // namespace

const TemplateVariable* TemplateService::Variable(std::string_view name) const {
  for (const auto& v : variables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const TemplateService& Template::Main() const {
  for (const auto& s : services) {
    if (s.name == name) return s;
  }
  return services.back();
}

std::string Template::DeployedName(const TemplateService& s, const std::string& base) const {
  return &s == &Main() ? base : base + "-" + s.name;
}

Json Template::ToJson() const {
  Json services = Json::array();
  for (const auto& s : this->services) {
    Json variables = Json::object();
    for (const auto& v : s.variables) {
      variables[v.name] =
          v.generated() ? "(generated secret of " + std::to_string(v.secret_length) + " characters)"
                        : v.value;
    }
    Json volumes = Json::array();
    for (const auto& v : s.volumes) {
      volumes.push_back(
          {{"name", v.name}, {"mount_path", v.mount_path}, {"size", FormatMemory(v.size_bytes)}});
    }
    Json health = {{"type", s.health_check_type}};
    if (s.health_check_type == "http") health["path"] = s.health_check_path;
    Json resources = Json::object();
    if (s.cpu > 0) resources["cpu"] = s.cpu;
    if (s.memory_bytes > 0) resources["memory"] = FormatMemory(s.memory_bytes);
    services.push_back({{"name", s.name.empty() ? Json(nullptr) : Json(s.name)},
                        {"port", s.port},
                        {"health_check", health},
                        {"resources", resources},
                        {"volumes", volumes},
                        {"variables", variables},
                        {"publishes", s.publishes}});
  }
  return {{"name", name}, {"description", description}, {"services", services}};
}

Result<Template> ParseTemplate(const std::string& name, const std::string& dir,
                               const std::string& file, const std::string& text) {
  Errors e(file);
  if (auto bad = ValidateName("template name", name); !bad.ok()) {
    return InvalidArgument(file + ": the directory name: " + bad.error().message);
  }
  auto json = ParseJson(text);
  if (!json.ok()) return InvalidArgument(file + ": not valid JSON: " + json.error().message);
  if (!json->is_object()) return InvalidArgument(file + ": must be a JSON object");
  INK_RETURN_IF_ERROR(OnlyKeys(e, "", *json, {"description", "services"}));
  Template out;
  out.name = name;
  out.dir = dir;
  if (!json->contains("description") || !(*json)["description"].is_string() ||
      (*json)["description"].get<std::string>().empty()) {
    return e.At("description", "is required (a sentence saying what the template runs)");
  }
  out.description = (*json)["description"];
  if (out.description.size() > kMaxDescription) {
    return e.At("description", "is longer than " + std::to_string(kMaxDescription) + " characters");
  }
  if (!json->contains("services") || !(*json)["services"].is_array()) {
    return e.At("services", "is required: an array with the template's service");
  }
  const Json& services = (*json)["services"];
  if (services.empty() || services.size() > kMaxServices) {
    return e.At("services", "must hold 1 to " + std::to_string(kMaxServices) + " services");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < services.size(); ++i) {
    std::string at = "services[" + std::to_string(i) + "]";
    auto s = ParseService(e, at, services[i], dir);
    if (!s.ok()) return s.error();
    if (services.size() > 1 && s->name.empty()) {
      return e.At(at + ".name", "is required when a template has several services");
    }
    if (!s->name.empty() && !names.insert(s->name).second) {
      return e.At(at + ".name", "'" + s->name + "' names two services");
    }
    out.services.push_back(std::move(*s));
  }
  // A service references only the services listed before it (they are deployed first).
  for (size_t i = 0; i < out.services.size(); ++i) {
    for (const auto& v : out.services[i].variables) {
      for (size_t j = i; j < out.services.size(); ++j) {
        if (out.services[j].name.empty() ||
            v.value.find("${{" + out.services[j].name + ".") == std::string::npos) {
          continue;
        }
        return e.At("services[" + std::to_string(i) + "].variables." + v.name,
                    j == i ? "references its own service by name; use ${{NAME}} for its own "
                             "variables"
                           : "references service '" + out.services[j].name +
                                 "', listed after it; list the services it uses first");
      }
    }
  }
  return out;
}

std::string GenerateSecret(int length) {
  std::string token = RandomToken(static_cast<size_t>(length));
  token.resize(static_cast<size_t>(length));
  return token;
}

Result<std::string> PackBuildContext(const TemplateService& service) {
  std::string out;
  std::vector<fs::path> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(service.build_context, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    entries.push_back(it->path());
  }
  if (ec) return Internal("cannot read " + service.build_context + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const auto& path : entries) {
    std::string relative = fs::relative(path, service.build_context).generic_string();
    auto status = fs::symlink_status(path, ec);
    bool directory = fs::is_directory(status);
    if (!directory && !fs::is_regular_file(status)) {
      return InvalidArgument(path.string() + ": only files and directories may be in a template");
    }
    if (directory) relative += "/";
    if (relative.size() > 100) return InvalidArgument(path.string() + ": the path is too long");
    bool executable =
        (fs::status(path, ec).permissions() & fs::perms::owner_exec) != fs::perms::none;
    if (directory) {
      out += TarHeader(relative, '5', 0, 0755);
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string data = content.str();
    out += TarHeader(relative, '0', data.size(), executable ? 0755 : 0644);
    out += data;
    out.append((512 - data.size() % 512) % 512, '\0');
    if (out.size() > kMaxContextBytes) {
      return InvalidArgument(service.build_context + ": the build context is larger than 16 MiB");
    }
  }
  out.append(1024, '\0');
  return out;
}

Result<TemplateCatalog> TemplateCatalog::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return InvalidArgument("template directory " + dir + " does not exist (inkd --templates DIR)");
  }
  std::vector<Template> templates;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    fs::path file = entry.path() / "template.json";
    if (!fs::exists(file, ec)) {
      return InvalidArgument(file.string() + ": missing (every template directory needs one)");
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto t =
        ParseTemplate(name, fs::canonical(entry.path(), ec).string(), file.string(), text.str());
    if (!t.ok()) return t.error();
    templates.push_back(std::move(*t));
  }
  if (ec) return Internal("cannot read template directory " + dir + ": " + ec.message());
  return FromTemplates(std::move(templates));
}

TemplateCatalog TemplateCatalog::FromTemplates(std::vector<Template> templates) {
  std::sort(templates.begin(), templates.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  TemplateCatalog out;
  out.templates_ = std::move(templates);
  return out;
}

const Template* TemplateCatalog::Find(std::string_view name) const {
  for (const auto& t : templates_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string TemplateCatalog::Names() const {
  std::string out;
  for (const auto& t : templates_) out += (out.empty() ? "" : ", ") + t.name;
  return out.empty() ? "(none)" : out;
}

}  // namespace ink::templates
