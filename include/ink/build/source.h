// BuildSource: where a deployment's code comes from, as stored in ServiceSpec.source (JSON).
//
//   {"kind":"git","url":"https://host/org/repo.git","ref":"main","path":"apps/web"}
//   {"kind":"archive","archive_id":"arc_...","path":""}
//
// `ref` is a branch, a tag or a commit id ("" = the remote's default branch); `path` is a
// subdirectory of the tree to build ("" = the root). A later `git push` to Ink can reuse the
// git form with a URL of Ink's own repository and `ref` set to the pushed commit. After a fetch
// the pipeline records the commit it built next to the build log.
//
// Called by the deploy/plan operations (validation, before anything is written) and by the
// build pipeline (parsing). Pure functions: thread-safe.
#pragma once

#include <string>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink {

struct BuildSource {
  std::string kind;        // "git" or "archive"
  std::string url;         // git
  std::string ref;         // git: branch, tag or commit; "" = default branch
  std::string archive_id;  // archive: "arc_..."
  std::string path;        // subdirectory to build; "" = the root

  Json ToJson() const;
  // Parses and validates ServiceSpec.source.
  static Result<BuildSource> Parse(const std::string& json_text);
  // Validates every field (URL scheme and form, ref, path, archive id).
  Status Validate() const;
};

// A git URL Ink will clone: https://, ssh://, scp-like user@host:path or file:// only (which
// file:// paths a workspace may use is the pipeline's policy); never ext::/fd:: transports,
// never text git could read as an option ("-..."), no whitespace or control characters.
Status ValidateGitUrl(const std::string& url);
// A branch, tag or commit: 1-200 of [A-Za-z0-9._/-], not starting with '-' or '/', no "..".
Status ValidateGitRef(const std::string& ref);
// A relative subdirectory: no absolute path, no ".." component, at most 1024 characters.
Status ValidateSourcePath(const std::string& path);
// "arc_" followed by lowercase letters and digits.
Status ValidateArchiveId(const std::string& id);

// The build settings (ServiceSpec.build_settings) from deploy/plan input fields
// start_command, build_command, root_directory, port, checked; "" when none is given.
Result<std::string> BuildSettingsFromInput(const Json& input);

}  // namespace ink
