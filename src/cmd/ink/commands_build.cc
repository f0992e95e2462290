// Builds from source in the CLI: deploy's source fields (--git, or DIR packed and uploaded),
// `ink plan`, and `ink logs --build DEPLOYMENT [-f]`.
#include <unistd.h>

#include <cstdio>

#include "ink/catalog/catalog.h"
#include "output.h"
#include "session.h"
#include "source_pack.h"

namespace ink::cli {
namespace {

std::string Human(int64_t bytes) {
  char buf[32];
  if (bytes >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  }
  return buf;
}

// Packs `dir` and uploads it; returns the archive id ("" after printing why).
std::string UploadDirectory(Session& s, const std::string& dir) {
  auto files = ListSourceFiles(dir);
  if (!files.ok()) {
    s.Fail(files.error().message);
    return "";
  }
  auto packed = PackSource(dir, *files);
  if (!packed.ok()) {
    s.Fail(packed.error().message);
    return "";
  }
  s.err() << "packed " << packed->files << " files from " << dir << " (" << Human(packed->bytes)
          << "), uploading\n";
  auto reply = s.Upload("/v1/archives", packed->archive_path, "application/gzip");
  ::unlink(packed->archive_path.c_str());
  if (!reply) return "";
  std::string id = Field(Member(*reply, "archive"), "id");
  if (id.empty() || id == "-") {
    s.Fail("inkd's upload response has no archive id");
    return "";
  }
  return id;
}

}  // namespace

std::optional<Json> Session::Upload(const std::string& target, const std::string& path,
                                    const std::string& content_type) {
  auto reply = transport_->Upload(target, path, content_type);
  if (!Succeeded(reply)) return std::nullopt;
  Json json = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    Fail("inkd answered the upload with a body that is not JSON");
    return std::nullopt;
  }
  return json;
}

bool SourceBody(Session& s, Json& body) {
  const Invocation& inv = s.invocation();
  bool image = body.contains("image");
  bool git = body.contains("git");
  bool archive = body.contains("archive_id");
  bool dir = !inv.positionals.empty();
  if (image + git + archive + dir > 1) {
    s.UsageFail("give one source: DIR, --git URL, --archive-id ID or --image IMAGE");
    return false;
  }
  if (!git && !archive && (body.contains("ref") || body.contains("path"))) {
    s.UsageFail("--ref and --path go with --git (--path also with --archive-id)");
    return false;
  }
  if (image) {
    if (body.contains("start_command") || body.contains("build_command") ||
        body.contains("root_directory")) {
      s.UsageFail(
          "--start-command, --build-command and --root-directory apply to builds from "
          "source, not to --image");
      return false;
    }
    return true;
  }
  if (git || archive) return true;
  std::string id = UploadDirectory(s, dir ? inv.positionals.at(0) : ".");
  if (id.empty()) return false;
  body["archive_id"] = id;
  return true;
}

int RunPlan(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  Json body = s.Input();
  bool source = !inv.positionals.empty() || body.contains("git") || body.contains("archive_id");
  if (!body.contains("service") || source) {
    body.erase("service");  // a source given: plan it, not the service's last one
    if (!SourceBody(s, body)) return s.exit_code();
  }
  auto response = s.CallOperation(body);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json plan = Member(*response, "plan");
  s.out() << "provider:  " << Field(plan, "provider") << "\n";
  if (Field(*response, "commit") != "-")
    s.out() << "commit:    " << Field(*response, "commit") << "\n";
  s.out() << "root:      "
          << (Field(plan, "root_directory") == "-" ? "." : Field(plan, "root_directory")) << "\n"
          << "base:      " << Field(plan, "base_image") << "\n"
          << "install:   " << Field(plan, "install_command") << "\n"
          << "build:     " << Field(plan, "build_command") << "\n"
          << "start:     " << Field(plan, "start_command") << "\n"
          << "port:      " << Field(plan, "port") << "\n";
  for (const char* key : {"decisions", "warnings"}) {
    Json list = Member(plan, key);
    if (!list.is_array() || list.empty()) continue;
    s.out() << key << ":\n";
    for (const Json& item : list) {
      s.out() << "  - " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
    }
  }
  return kExitOk;
}

int RunBuildLogs(Session& s, Json input) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  const Operation& op = *FindDeclared("get_build_logs");
  if (inv.Has("--follow") || input.value("follow", false)) {
    input["follow"] = true;
    return s.StreamOperation(op, input);
  }
  input.erase("follow");
  auto response = s.CallOperation(op, input);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json lines = Member(*response, "lines");
  if (lines.is_array()) {
    for (const Json& line : lines)
      s.out() << (line.is_string() ? line.get<std::string>() : "") << "\n";
  }
  return kExitOk;
}

}  // namespace ink::cli
