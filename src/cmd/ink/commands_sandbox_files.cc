// ink sandbox write / read / cp: files between this machine and a sandbox, over
// sandbox_write_file and sandbox_read_file (at most kMaxSandboxFileBytes each way; a local
// file's size is checked here before anything is sent). cp names one side SANDBOX:PATH (an
// absolute path in sandbox SANDBOX) and the other a local path or "-" (standard input or
// output). A local file is replaced atomically (written beside it, then renamed), as the
// sandbox's is.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/catalog/catalog.h"
#include "ink/common/encoding.h"
#include "ink/common/sandbox_file_limits.h"
#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

struct SandboxPath {
  std::string sandbox;
  std::string path;
};

// "sbx_abc:/tmp/x" → {sbx_abc, /tmp/x}; nullopt for a local path (no "ID:/" prefix).
std::optional<SandboxPath> ParseSandboxPath(const std::string& arg) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= arg.size() ||
      arg[colon + 1] != '/') {
    return std::nullopt;
  }
  for (char c : arg.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return std::nullopt;
  }
  return SandboxPath{arg.substr(0, colon), arg.substr(colon + 1)};
}

std::string BaseName(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  size_t slash = trimmed.rfind('/');
  return slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
}

const std::string kCap = std::to_string(kMaxSandboxFileBytes) + " bytes (10 MiB)";

struct LocalFile {
  std::string data;
  int mode = 0644;
};

// The bytes (and mode) of local file `local` ("-": standard input), refused past the cap
// before they are read.
Result<LocalFile> ReadLocal(Session& s, const std::string& local) {
  LocalFile file;
  if (local == "-") {
    file.data.resize(kMaxSandboxFileBytes + 1);
    s.env().in.read(file.data.data(), static_cast<std::streamsize>(file.data.size()));
    file.data.resize(static_cast<size_t>(s.env().in.gcount()));
    if (file.data.size() > kMaxSandboxFileBytes) {
      return InvalidArgument("standard input has more than " + kCap +
                             ", the most one write sends; nothing was sent");
    }
    return file;
  }
  struct stat st {};
  if (::stat(local.c_str(), &st) != 0) {
    return InvalidArgument("cannot read " + local + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(local + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxSandboxFileBytes) {
    return InvalidArgument(local + " is " + std::to_string(st.st_size) +
                           " bytes; one write sends at most " + kCap +
                           ". Nothing was sent: split it, or fetch it from inside the sandbox");
  }
  file.mode = static_cast<int>(st.st_mode & 07777);
  std::ifstream in(local, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return InvalidArgument("cannot read " + local);
  file.data = text.str();
  return file;
}

std::string Octal(int mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

// Writes `data` to `path` through a temporary file beside it, then renames it over `path`.
Status WriteLocalAtomically(const std::string& path, const std::string& data, int mode) {
  std::string temp = path + ".ink-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return InvalidArgument("cannot write beside " + path + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode & 0777)) == 0;
  for (size_t done = 0; ok && done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return InvalidArgument("cannot write " + path + ": " + why);
  }
  return {};
}

// Sends `input` (sandbox, path, mode, ...) with `data` as content_base64; prints the outcome.
int Send(Session& s, Json input, const std::string& data) {
  input["content_base64"] = Base64Encode(data);
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(*FindDeclared("sandbox_write_file"), input);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << "Wrote " << data.size() << " bytes to " << input["sandbox"].get<std::string>() << ":"
            << response->value("path", "") << ".\n";
  }
  return kExitOk;
}

// Reads a file as `input` asks; the answer with its bytes decoded into `data`.
std::optional<Json> Fetch(Session& s, const Json& input, std::string& data) {
  if (!s.Connect()) return std::nullopt;
  auto response = s.CallOperation(*FindDeclared("sandbox_read_file"), input);
  if (!response) return std::nullopt;
  if (response->contains("content")) {
    data = (*response)["content"].get<std::string>();
    return response;
  }
  auto decoded = Base64Decode(response->value("content_base64", ""), "the answer's content_base64");
  if (!decoded.ok()) {
    s.Fail(decoded.error().message);
    return std::nullopt;
  }
  data = std::move(*decoded);
  return response;
}

int CopyIn(Session& s, const std::string& local, SandboxPath to) {
  auto file = ReadLocal(s, local);
  if (!file.ok()) return s.Fail(file.error().message);
  if (to.path.back() == '/') {
    if (local == "-") {
      return s.UsageFail("give the file's name in the sandbox, e.g. " + to.sandbox + ":/tmp/data");
    }
    to.path += BaseName(local);
  }
  Json input = {{"sandbox", to.sandbox},
                {"path", to.path},
                {"mode", s.invocation().Get("--mode").value_or(Octal(file->mode))}};
  return Send(s, std::move(input), file->data);
}

int CopyOut(Session& s, const SandboxPath& from, std::string local) {
  std::string data;
  auto response = Fetch(s, {{"sandbox", from.sandbox}, {"path", from.path}}, data);
  if (!response) return s.exit_code() == kExitOk ? kExitFailed : s.exit_code();
  if (local == "-") {
    s.out() << data;
    s.out().flush();
    return kExitOk;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(local, ec)) local += "/" + BaseName(from.path);
  int mode = static_cast<int>(std::strtol(response->value("mode", "0644").c_str(), nullptr, 8));
  auto wrote = WriteLocalAtomically(local, data, mode);
  if (!wrote.ok()) return s.Fail(wrote.error().message);
  if (s.json()) {
    response->erase("content_base64");
    (*response)["local"] = local;
    s.PrintJson(*response);
  } else {
    s.out() << "Copied " << data.size() << " bytes to " << local << ".\n";
  }
  return kExitOk;
}

}  // namespace

int RunSandboxCopy(Session& s) {
  const std::string& source = s.invocation().positionals.at(0);
  const std::string& dest = s.invocation().positionals.at(1);
  auto from = ParseSandboxPath(source), to = ParseSandboxPath(dest);
  if (from.has_value() == to.has_value()) {
    return s.UsageFail(from ? "both sides are in a sandbox; copy through this machine"
                            : "name the sandbox side as SANDBOX:/absolute/path, e.g. "
                              "sbx_abc:/tmp/data.bin");
  }
  return to ? CopyIn(s, source, *to) : CopyOut(s, *from, dest);
}

int RunSandboxWrite(Session& s) {
  Json input = s.Input();
  if (s.invocation().Has("--no-make-parents")) input["make_parents"] = false;
  auto file_flag = s.invocation().Get("--file");
  if (!file_flag) {
    if (!input.contains("content")) {
      return s.UsageFail("give the bytes with --file FILE (- for standard input) or --content");
    }
    if (!s.Connect()) return s.exit_code();
    auto response = s.CallOperation(input);
    if (!response) return s.exit_code();
    if (s.json()) {
      s.PrintJson(*response);
    } else {
      s.out() << "Wrote " << Field(*response, "size") << " bytes to "
              << input["sandbox"].get<std::string>() << ":" << Field(*response, "path") << ".\n";
    }
    return kExitOk;
  }
  if (input.contains("content")) return s.UsageFail("give --file or --content, not both");
  auto file = ReadLocal(s, *file_flag);
  if (!file.ok()) return s.Fail(file.error().message);
  return Send(s, std::move(input), file->data);
}

int RunSandboxRead(Session& s) {
  std::string data;
  auto response = Fetch(s, s.Input(), data);
  if (!response) return s.exit_code() == kExitOk ? kExitFailed : s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
  } else {
    s.out() << data;
    s.out().flush();
  }
  return kExitOk;
}

}  // namespace ink::cli
