#include "source_pack.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/subprocess.h"

namespace ink::cli {
namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string text;
};

// Runs argv (no shell) and collects its stdout (stderr is dropped unless `keep_stderr`).
Result<Output> Capture(const std::vector<std::string>& argv, bool keep_stderr = false) {
  auto run = SystemProcessRunner().Run({.argv = argv,
                                        .deadline = std::chrono::minutes(10),
                                        .discard_stderr = !keep_stderr,
                                        .max_output_bytes = 256 << 20});
  if (!run.ok()) return run.error();
  if (run->output_truncated) return Unavailable(argv[0] + " printed more than 256 MiB");
  return Output{run->exit_code, std::move(run->output)};
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void IgnoreRules::Add(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line = line.substr(1);
    }
    if (line.size() > 1 && line.back() == '/') {
      rule.directory_only = true;
      line.pop_back();
    }
    if (!line.empty() && line[0] == '/') {
      rule.anchored = true;
      line = line.substr(1);
    }
    if (line.find('/') != std::string::npos) rule.anchored = true;
    if (line.empty()) continue;
    rule.pattern = line;
    rules_.push_back(rule);
  }
}

bool IgnoreRules::Matches(const Rule& rule, const std::string& path, bool is_directory) const {
  if (rule.directory_only && !is_directory) return false;
  if (rule.anchored) {
    int flags = rule.pattern.find("**") != std::string::npos ? 0 : FNM_PATHNAME;
    return ::fnmatch(rule.pattern.c_str(), path.c_str(), flags) == 0;
  }
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  return ::fnmatch(rule.pattern.c_str(), base.c_str(), 0) == 0;
}

bool IgnoreRules::Ignored(const std::string& path, bool is_directory) const {
  // A path is ignored if it or any of its parent directories is (later rules win per level).
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    bool last = slash == std::string::npos;
    std::string prefix = last ? path : path.substr(0, slash);
    bool dir = last ? is_directory : true;
    bool ignored = false;
    for (const Rule& rule : rules_) {
      if (Matches(rule, prefix, dir)) ignored = !rule.negate;
    }
    if (ignored) return true;
    if (last) return false;
    start = slash + 1;
  }
}

Result<std::vector<std::string>> ListSourceFiles(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return InvalidArgument("'" + dir + "' is not a directory; give the directory to deploy");
  }
  IgnoreRules inkignore;
  inkignore.Add(ReadFile(fs::path(dir) / ".inkignore"));
  std::vector<std::string> files;
  auto in_git = Capture({"git", "-C", dir, "rev-parse", "--is-inside-work-tree"});
  if (in_git.ok() && in_git->exit_code == 0 && in_git->text.rfind("true", 0) == 0) {
    auto listed = Capture({"git", "-C", dir, "ls-files", "-z", "--cached", "--others",
                           "--exclude-standard", "--", "."},
                          false);
    if (!listed.ok()) return listed.error();
    if (listed->exit_code != 0) return Unavailable("git ls-files failed in " + dir);
    size_t start = 0;
    const std::string& text = listed->text;
    while (start < text.size()) {
      size_t end = text.find('\0', start);
      if (end == std::string::npos) end = text.size();
      std::string path = text.substr(start, end - start);
      start = end + 1;
      if (path.empty()) continue;
      auto status = fs::symlink_status(fs::path(dir) / path, ec);
      if (ec || !fs::exists(status)) continue;  // deleted in the work tree
      if (fs::is_directory(status)) continue;   // a submodule
      if (inkignore.Ignored(path, false)) continue;
      files.push_back(path);
    }
  } else {
    IgnoreRules rules;
    rules.Add(ReadFile(fs::path(dir) / ".gitignore"));
    rules.Add(ReadFile(fs::path(dir) / ".inkignore"));
    fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
    if (ec) return Unavailable("cannot read " + dir + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Unavailable("cannot read " + dir + ": " + ec.message());
      std::string rel = it->path().lexically_relative(dir).generic_string();
      auto status = it->symlink_status(ec);
      bool is_dir = fs::is_directory(status);
      if (rel == ".git" || rules.Ignored(rel, is_dir)) {
        if (is_dir) it.disable_recursion_pending();
        continue;
      }
      if (!is_dir) files.push_back(rel);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<PackedSource> PackSource(const std::string& dir, const std::vector<std::string>& files) {
  if (files.empty()) {
    return InvalidArgument("nothing to upload in " + dir +
                           " (every file is ignored by .gitignore/.inkignore, or it is empty)");
  }
  char list_tmpl[] = "/tmp/ink-pack-list-XXXXXX";
  int list_fd = ::mkstemp(list_tmpl);
  if (list_fd < 0) return Internal("cannot create a temporary file");
  std::string list;
  for (const auto& f : files) list += f + '\0';
  bool written = ::write(list_fd, list.data(), list.size()) == static_cast<ssize_t>(list.size());
  ::close(list_fd);
  char archive_tmpl[] = "/tmp/ink-pack-XXXXXX";
  int archive_fd = ::mkstemp(archive_tmpl);
  if (archive_fd >= 0) ::close(archive_fd);
  if (!written || archive_fd < 0) {
    ::unlink(list_tmpl);
    return Internal("cannot write temporary files in /tmp");
  }
  auto tar = Capture({"tar", "--create", "--gzip", "--file", archive_tmpl, "--directory", dir,
                      "--null", "--no-recursion", "--files-from", list_tmpl},
                     true);
  ::unlink(list_tmpl);
  if (!tar.ok() || tar->exit_code != 0) {
    ::unlink(archive_tmpl);
    return Unavailable("packing " + dir + " with tar failed: " +
                       (tar.ok() ? tar->text.substr(0, 500) : tar.error().message));
  }
  std::error_code ec;
  PackedSource packed;
  packed.archive_path = archive_tmpl;
  packed.files = files.size();
  packed.bytes = static_cast<int64_t>(fs::file_size(archive_tmpl, ec));
  return packed;
}

}  // namespace ink::cli
