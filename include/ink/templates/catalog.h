// The template catalog: ready-made services (PostgreSQL, Redis, ...) described by files in the
// repository, one directory per template:
//
//   templates/<name>/template.json   what the template is (the format below)
//   templates/<name>/Dockerfile ...  its build context (FROM localhost/ink/base:bookworm and
//                                    Debian packages: it builds offline from the apt mirror)
//
// template.json:
//   {"description": "...",                        required, at most 300 characters
//    "services": [{                               1 to 4 services, deployed in this order
//      "name": "db",                              required when there are several: the
//                                                 deployed service is "<base>-<name>", or
//                                                 "<base>" for the one named like the template
//                                                 (base: deploy_template's `service`, default
//                                                 the template's name). A later service
//                                                 references an earlier one by this name
//                                                 (${{db.MYSQL_PASSWORD}}); deploy_template
//                                                 rewrites it to the deployed name
//      "build": ".",                              the build context, relative to the template
//                                                 directory (no "..", no absolute path)
//      "port": 5432,                              the port it listens on (all interfaces)
//      "health_check": {"type": "tcp"}            a TCP connect to the port, or
//                      {"type": "http", "path": "/healthz"}   an HTTP GET below 500
//      "resources": {"cpu": 1, "memory": "512Mi"},  optional, deploy's ranges
//      "volumes": [{"name": "data", "mount_path": "/var/lib/postgresql/data",
//                   "size": "1Gi"}],              size optional (default 1Gi); deploy_template
//                                                 creates volume "<service>-<name>" once and
//                                                 reuses it on every later deploy
//      "variables": {"NAME": "value", ...},       values may use references (${{PGUSER}},
//                                                 ${{INK_SERVICE}}: variable_references.h);
//                                                 "secret(N)" (16 <= N <= 128) is a random value
//                                                 of N letters and digits, made once when the
//                                                 service is first deployed and never again
//      "publishes": ["DATABASE_URL", ...]         the variables other services are meant to
//                                                 reference (${{db.DATABASE_URL}}); each must be
//                                                 one of `variables`
//    }]}
// Unknown fields are errors (a typo must not pass silently). Every error names the file and the
// field.
//
// Thread contract: a loaded TemplateCatalog is immutable; share it by const reference.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::templates {

inline constexpr int64_t kDefaultTemplateVolumeBytes = int64_t{1} << 30;

struct TemplateVolume {
  std::string name;                                  // the volume is "<service>-<name>"
  std::string mount_path;                            // absolute
  int64_t size_bytes = kDefaultTemplateVolumeBytes;  // when deploy_template creates it
};

struct TemplateVariable {
  std::string name;
  std::string value;      // as written ("" when generated)
  int secret_length = 0;  // > 0: a generated secret of this many characters
  bool generated() const { return secret_length > 0; }
};

struct TemplateService {
  std::string name;           // "" only in a one-service template
  std::string build_context;  // absolute directory
  int port = 0;
  std::string health_check_type = "tcp";  // "tcp" or "http"
  std::string health_check_path;          // for "http"
  double cpu = 0;                         // 0 = deploy's default
  int64_t memory_bytes = 0;               // 0 = deploy's default
  std::vector<TemplateVolume> volumes;
  std::vector<TemplateVariable> variables;  // sorted by name
  std::vector<std::string> publishes;
  const TemplateVariable* Variable(std::string_view name) const;
};

struct Template {
  std::string name;  // the directory's name, a DNS label
  std::string dir;   // absolute
  std::string description;
  std::vector<TemplateService> services;  // in deploy order
  // The service deployed as `base` (the one named like the template, else the last); the
  // others are "<base>-<name>".
  const TemplateService& Main() const;
  std::string DeployedName(const TemplateService& s, const std::string& base) const;
  // What list_templates shows: name, description, services (port, health check, resources,
  // volumes, variables with generated ones marked, publishes). Never a generated value.
  Json ToJson() const;
};

// Parses one template.json (`file` is named in errors; `dir` is the template's directory).
Result<Template> ParseTemplate(const std::string& name, const std::string& dir,
                               const std::string& file, const std::string& text);

// A random secret of `length` characters from [a-z2-7] (5 bits each; libsodium's CSPRNG).
std::string GenerateSecret(int length);

// The build context of `service` as an uncompressed tar (regular files and directories only;
// symbolic links and other kinds are refused naming the path). Bounded at 16 MiB.
Result<std::string> PackBuildContext(const TemplateService& service);

class TemplateCatalog {
 public:
  TemplateCatalog() = default;
  // Loads every <dir>/<name>/template.json (sorted by name). A missing directory, a template
  // that does not parse, or a directory without template.json is an error naming it.
  static Result<TemplateCatalog> Load(const std::string& dir);
  static TemplateCatalog FromTemplates(std::vector<Template> templates);

  const std::vector<Template>& templates() const { return templates_; }
  const Template* Find(std::string_view name) const;
  // "mariadb, postgres, redis" (for errors that list what exists).
  std::string Names() const;

 private:
  std::vector<Template> templates_;
};

}  // namespace ink::templates
