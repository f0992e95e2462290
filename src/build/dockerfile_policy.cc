#include "src/build/dockerfile_policy.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "ink/common/image_reference.h"
#include "src/build/dockerfile_parse.h"
#include "src/build/dockerfile_policy_internal.h"

namespace ink::build {
namespace {

const std::set<std::string> kInstructions = {
    "add",    "arg",   "cmd",         "copy",  "entrypoint", "env",
    "expose", "from",  "healthcheck", "label", "maintainer", "onbuild",
    "run",    "shell", "stopsignal",  "user",  "volume",     "workdir"};

// The options buildah 1.28 knows per mount type (internal/parse/parse.go, run_common.go), minus
// the ones Ink refuses: SELinux relabelling (z, Z), chown of the source (U) and shared or slave
// propagation, all of which act on the host's side of the mount.
const std::map<std::string, std::set<std::string>> kMountOptions = {
    {"bind",
     {"type", "bind-nonrecursive", "ro", "readonly", "rw", "readwrite", "nosuid", "nodev", "noexec",
      "private", "rprivate", "from", "bind-propagation", "src", "source", "target", "dst",
      "destination", "consistency"}},
    {"cache", {"type",   "nosuid",   "nodev",   "noexec",   "rw",          "readwrite",
               "ro",     "readonly", "private", "rprivate", "sharing",     "bind-propagation",
               "id",     "from",     "target",  "dst",      "destination", "src",
               "source", "mode",     "uid",     "gid"}},
    {"tmpfs",
     {"type", "ro", "readonly", "nosuid", "nodev", "noexec", "tmpcopyup", "tmpfs-mode",
      "tmpfs-size", "target", "dst", "destination"}},
    {"secret", {"type", "id", "target", "dst", "destination", "required", "mode", "uid", "gid"}},
};
const std::set<std::string> kValueOptions = {
    "from",        "bind-propagation", "src",      "source",      "target", "dst",
    "destination", "sharing",          "id",       "mode",        "uid",    "gid",
    "tmpfs-mode",  "tmpfs-size",       "required", "consistency", "type"};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

bool HasDotDot(const std::string& path) {
  for (const auto& part : Split(path, '/')) {
    if (part == "..") return true;
  }
  return false;
}

// True if walking `path` from a root ever climbs above it ("a/../../b").
bool EscapesRoot(const std::string& path) {
  int depth = 0;
  for (const auto& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

// filepath.Clean without the leading slash: "/root//.npm/" → "root/.npm".
std::string CleanRelative(const std::string& path) {
  std::vector<std::string> kept;
  for (const auto& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    kept.push_back(part);
  }
  std::string out;
  for (const auto& part : kept) out += (out.empty() ? "" : "/") + part;
  return out;
}

bool PlainValue(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == '/' || c == ':' || c == '+' || c == '@' || c == '=' || c == ',';
  });
}

bool TokenSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

std::vector<std::string> SplitWhitespace(const std::string& s) {
  std::vector<std::string> words;
  std::string word;
  for (char c : s) {
    if (TokenSpace(c)) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

class Checker {
 public:
  Checker(const ParsedDockerfile& parsed, const DockerfilePolicy& policy)
      : parsed_(parsed), policy_(policy) {}

  Result<CheckedDockerfile> Run() {
    std::vector<int> cache_lines;
    for (const auto& in : parsed_.instructions) {
      if (!kInstructions.count(in.command)) {
        return Refuse(in, Upper(in.command) + " is not a Dockerfile instruction buildah knows");
      }
      if (in.command == "from") {
        INK_RETURN_IF_ERROR(CheckFrom(in));
      } else if (in.command == "arg") {
        INK_RETURN_IF_ERROR(CheckArg(in));
      } else if (in.command == "run") {
        if (stages_.empty()) return Refuse(in, "RUN before the first FROM");
        std::string line;
        bool caches = false;
        INK_RETURN_IF_ERROR(CheckRun(in, line, caches));
        if (!line.empty()) rewritten_[in.first_line] = line;
        if (caches) cache_lines.push_back(in.first_line);
      } else if (in.command == "copy" || in.command == "add") {
        if (stages_.empty()) return Refuse(in, Upper(in.command) + " before the first FROM");
        INK_RETURN_IF_ERROR(CheckCopy(in));
      } else if (in.command == "onbuild") {
        INK_RETURN_IF_ERROR(CheckOnbuild(in));
      } else if (in.command == "healthcheck") {
        for (const auto& flag : in.flags) {
          std::string name = flag.substr(0, flag.find('='));
          if (name != "--interval" && name != "--timeout" && name != "--start-period" &&
              name != "--retries") {
            return Refuse(in, "HEALTHCHECK does not take " + name);
          }
        }
      } else if (!in.flags.empty()) {
        return Refuse(in, Upper(in.command) + " takes no flags, and buildah would not say so (" +
                              in.flags[0] + ")");
      }
    }
    out_.text = rewritten_.empty() ? "" : Assemble();
    if (!cache_lines.empty()) {
      std::string lines;
      for (int l : cache_lines) lines += (lines.empty() ? "" : ", ") + std::to_string(l);
      out_.notes.push_back("cache mounts use this workspace's own caches (" +
                           policy_.cache_namespace + "/...; line" +
                           (cache_lines.size() > 1 ? "s " : " ") + lines + ")");
    }
    return std::move(out_);
  }

 private:
  Error Refuse(const DockerfileInstruction& in, const std::string& why) const {
    return InvalidArgument("Dockerfile line " + std::to_string(in.first_line) + ": " + why);
  }

  std::string Assemble() const {
    std::string text;
    const auto& lines = parsed_.physical_lines;
    for (size_t i = 0; i < lines.size();) {
      int number = static_cast<int>(i) + 1;
      auto it = rewritten_.find(number);
      if (it == rewritten_.end()) {
        text += lines[i++] + "\n";
        continue;
      }
      // The instruction on one line, then empty lines, so later line numbers stay the same.
      const auto& in = *std::find_if(parsed_.instructions.begin(), parsed_.instructions.end(),
                                     [&](const auto& x) { return x.first_line == number; });
      text += it->second + "\n";
      for (int l = in.first_line; l < in.last_line; ++l) text += "\n";
      i = static_cast<size_t>(in.last_line);
    }
    return text;
  }

  void AddImage(const std::string& ref) {
    if (std::find(out_.images.begin(), out_.images.end(), ref) == out_.images.end()) {
      out_.images.push_back(ref);
    }
  }

  // For from= and COPY --from: 1 = an earlier stage, 0 = an image (checked and recorded),
  // or why it is neither.
  Result<bool> StageOrImage(const DockerfileInstruction& in, const std::string& what,
                            const std::string& value) {
    if (value.empty()) return Refuse(in, what + " names nothing");
    size_t current = stages_.size() - 1;
    if (std::all_of(value.begin(), value.end(), ::isdigit)) {
      if (value.size() > 3 || std::stoul(value) >= current) {
        return Refuse(in, what + ": there is no earlier stage number " + value +
                              " (stages count from 0, and only earlier ones can be used)");
      }
      return true;
    }
    std::string lower = Lower(value);
    for (size_t i = 0; i < current; ++i) {
      if (stages_[i] == lower) return true;
    }
    if (!stages_[current].empty() && stages_[current] == lower) {
      return Refuse(in, what + " names the stage it is in; name an earlier stage or an image");
    }
    std::string problem = ImageReferenceProblem(value, policy_);
    if (!problem.empty()) {
      return Refuse(in, what +
                            " is neither an earlier build stage nor an image a build may "
                            "use: " +
                            problem);
    }
    AddImage(value);
    return false;
  }

  Status CheckArg(const DockerfileInstruction& in) {
    if (!in.flags.empty()) return Refuse(in, "ARG takes no flags");
    if (!stages_.empty()) return {};  // only ARGs before the first FROM are seen by FROM
    for (const auto& word : SplitWhitespace(in.args)) {
      size_t eq = word.find('=');
      std::string name = word.substr(0, eq);
      std::string value;
      if (eq != std::string::npos) {
        auto expanded = ExpandArgs(word.substr(eq + 1), global_args_, in.first_line);
        if (!expanded.ok()) return expanded.error();
        value = *expanded;
      }
      global_args_.emplace_back(name, value);
    }
    return {};
  }

  Status CheckFrom(const DockerfileInstruction& in) {
    for (const auto& flag : in.flags) {
      if (flag.rfind("--platform=", 0) != 0) return Refuse(in, "FROM does not take " + flag);
    }
    auto words = SplitWhitespace(in.args);
    if (words.empty()) return Refuse(in, "FROM names no image");
    std::string name;
    if (words.size() == 3 && Lower(words[1]) == "as") {
      name = Lower(words[2]);
    } else if (words.size() != 1) {
      return Refuse(in, "FROM takes an image and optionally AS <stage name>: " + in.args);
    }
    auto image = ExpandArgs(words[0], global_args_, in.first_line);
    if (!image.ok()) return image.error();
    std::string lower = Lower(*image);
    bool stage = std::find(stages_.begin(), stages_.end(), lower) != stages_.end();
    if (!stage && lower != "scratch") {
      std::string normal = NormalizeImageReference(lower);
      for (const auto& alias : policy_.image_aliases) {
        if (NormalizeImageReference(Lower(alias.name)) != normal) continue;
        std::string line = "FROM ";
        for (const auto& flag : in.flags) line += flag + " ";
        line += alias.replacement;
        if (words.size() == 3) line += " AS " + words[2];
        rewritten_[in.first_line] = line;
        out_.notes.push_back("Dockerfile line " + std::to_string(in.first_line) + ": FROM " +
                             *image + " is built from " + alias.replacement + " (" + alias.why +
                             ")");
        *image = alias.replacement;
        break;
      }
      std::string problem = ImageReferenceProblem(*image, policy_);
      if (!problem.empty()) return Refuse(in, "FROM " + *image + ": " + problem);
      AddImage(*image);
    }
    stages_.push_back(name);
    return {};
  }

  Status CheckRun(const DockerfileInstruction& in, std::string& line, bool& caches) {
    if (in.flags.empty()) return {};
    std::string type = "bind";  // buildah: the default, and a type carries over to the next
    std::string flags;
    for (const auto& flag : in.flags) {
      if (flag.rfind("--mount=", 0) != 0) {
        return Refuse(
            in, "RUN " + flag.substr(0, flag.find('=')) + ": RUN takes only --mount=... flags");
      }
      std::string canonical;
      bool cache = false;
      INK_RETURN_IF_ERROR(CheckMount(in, flag.substr(8), type, canonical, cache));
      caches = caches || cache;
      flags += "--mount=" + canonical + " ";
    }
    line = "RUN " + flags + in.args;
    return {};
  }

  Status CheckMount(const DockerfileInstruction& in, const std::string& spec, std::string& type,
                    std::string& canonical, bool& cache) {
    std::string shown = "RUN --mount=" + spec;
    if (!PlainValue(spec)) {
      return Refuse(in, shown.substr(0, 200) +
                            ": write --mount options out plainly (letters, digits and . _ - / : + "
                            "@), without variables, quotes inside values, escapes or spaces, "
                            "e.g. --mount=type=cache,target=/root/.cache");
    }
    auto tokens = Split(spec, ',');
    for (const auto& token : tokens) {
      if (token.rfind("type=", 0) != 0) continue;
      if (Split(token, '=').size() != 2) return Refuse(in, shown + ": " + token + " is no type");
      type = token.substr(5);
    }
    if (type == "ssh") {
      return Refuse(in, shown +
                            ": Ink gives builds no ssh agent or keys (type=ssh); fetch "
                            "private sources with the workspace's deploy key instead");
    }
    auto known = kMountOptions.find(type);
    if (known == kMountOptions.end()) {
      return Refuse(in,
                    shown + ": mount type '" + type + "' is not one of cache, bind, tmpfs, secret");
    }
    std::vector<std::string> kept;
    bool has_id = false;
    std::string target, from;
    for (const auto& token : tokens) {
      size_t eq = token.find('=');
      std::string key = token.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : token.substr(eq + 1);
      std::string option = "option " + token;
      if (token.empty()) return Refuse(in, shown + ": an empty option (two commas in a row?)");
      if (!known->second.count(key)) {
        return Refuse(in, shown + ": " + option + " is not accepted for type=" + type +
                              " (accepted: cache/bind/tmpfs/secret options without z, Z, U or "
                              "shared propagation)");
      }
      if (key == "type") continue;
      if (kValueOptions.count(key) && (eq == std::string::npos || value.empty())) {
        return Refuse(in, shown + ": " + option + " needs a value (" + key + "=...)");
      }
      if (key == "bind-propagation" && value != "private" && value != "rprivate") {
        return Refuse(in, shown + ": " + option + ": only private propagation is accepted");
      }
      if (key == "sharing" && value != "shared") {
        return Refuse(in, shown + ": " + option +
                              ": only sharing=shared (buildah 1.28 hangs on a locked cache "
                              "mounted twice in one build)");
      }
      if ((key == "src" || key == "source" || key == "id") && HasDotDot(value)) {
        return Refuse(in, shown + ": " + option + ": '..' may not appear in a mount's " + key +
                              " (it would reach outside the " +
                              (key == "id" ? "build cache" : "build context or stage") +
                              " into the host); use a plain name such as " +
                              (key == "id" ? "id=npm" : "source=dir/in/context"));
      }
      if (key == "target" || key == "dst" || key == "destination") target = value;
      if (key == "from") from = value;
      if (key == "id" && type == "secret") {
        bool provided = std::find(policy_.secret_ids.begin(), policy_.secret_ids.end(), value) !=
                        policy_.secret_ids.end();
        if (!provided) {
          return Refuse(in, shown + ": " + option + ": the only build secret Ink provides is " +
                                (policy_.secret_ids.empty() ? std::string("none")
                                                            : "id=" + policy_.secret_ids[0]) +
                                " (the service's variables as a shell file)");
        }
      }
      if (key == "id" && type == "cache") {
        std::string id = CleanRelative(value);
        if (id.empty()) return Refuse(in, shown + ": " + option + " names no cache");
        kept.push_back("id=" + policy_.cache_namespace + "/" + id);
        has_id = true;
        continue;
      }
      kept.push_back(token);
    }
    if (target.empty() && type != "secret") {  // a secret defaults to /run/secrets/<id>
      return Refuse(in, shown + ": the mount has no target=<path>");
    }
    if (!from.empty() && type != "bind" && type != "cache") {
      return Refuse(in, shown + ": from= is only for bind and cache mounts");
    }
    if (!from.empty()) {
      auto stage = StageOrImage(in, shown + ": from=" + from, from);
      if (!stage.ok()) return stage.error();
      if (!*stage && type == "cache") {
        return Refuse(in, shown + ": a cache mount's from= must name an earlier build stage");
      }
    }
    if (type == "cache") {
      cache = true;
      if (!has_id) kept.push_back("id=" + policy_.cache_namespace + "/" + CleanRelative(target));
    }
    canonical = "type=" + type;
    for (const auto& token : kept) canonical += "," + token;
    return {};
  }

  Status CheckCopy(const DockerfileInstruction& in) {
    bool add = in.command == "add";
    std::string what = add ? "ADD" : "COPY";
    std::string from;
    for (const auto& flag : in.flags) {
      std::string name = flag.substr(0, flag.find('='));
      if (name == "--chown" || name == "--chmod") continue;
      if (name == "--from" && !add && flag.size() > 7) {
        from = flag.substr(7);
        if (from.find('$') != std::string::npos) {
          return Refuse(in, "COPY --from=" + from +
                                ": write the stage or image out, without "
                                "variables");
        }
        auto stage = StageOrImage(in, "COPY --from=" + from, from);
        if (!stage.ok()) return stage.error();
        continue;
      }
      return Refuse(in, what + " does not take " + name +
                            (add ? " (ADD takes --chown and --chmod)"
                                 : " (COPY takes --from, --chown and --chmod)"));
    }
    std::vector<std::string> words;
    if (!in.args.empty() && in.args[0] == '[') {
      if (!ParseJsonStringArray(in.args, words)) {
        return Refuse(in, what +
                              ": the arguments start with '[' but are not one JSON array of "
                              "strings");
      }
    } else {
      words = SplitWhitespace(in.args);
    }
    if (words.size() < 2) return Refuse(in, what + " needs a source and a destination");
    words.pop_back();              // the destination, inside the image
    if (!from.empty()) return {};  // sources are inside that stage or image
    for (const auto& src : words) {
      bool url = src.rfind("http://", 0) == 0 || src.rfind("https://", 0) == 0;
      if (src.find('$') != std::string::npos) {
        if (add) return Refuse(in, "ADD " + src + ": write ADD sources out, without variables");
        continue;  // COPY expands it at build time, inside the context
      }
      if (url) {
        if (!add) return Refuse(in, "COPY " + src + ": COPY cannot fetch URLs; use ADD or RUN");
        INK_RETURN_IF_ERROR(CheckUrl(in, src));
        continue;
      }
      if (EscapesRoot(src)) {
        return Refuse(in, what + " " + src +
                              ": the source climbs out of the build context "
                              "('..'); sources are paths inside the directory "
                              "you deploy");
      }
      if (!src.empty() && src[0] == '/' && !policy_.context_dir.empty() &&
          src.find_first_of("*?[") == std::string::npos) {
        struct stat st {};
        std::string inside = policy_.context_dir + "/" + CleanRelative(src);
        if (::lstat(inside.c_str(), &st) != 0) {
          return Refuse(in, what + " " + src + ": a host path outside the build context; " + what +
                                " sources are paths inside the directory you deploy (" + src +
                                " would be " + CleanRelative(src) + " in it)");
        }
      }
    }
    return {};
  }

  Status CheckUrl(const DockerfileInstruction& in, const std::string& url) {
    size_t start = url.find("://") + 3;
    size_t end = url.find_first_of("/?#", start);
    std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
    authority =
        authority.substr(authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1);
    std::string host;
    if (!authority.empty() && authority[0] == '[') {
      host = authority.substr(1, authority.find(']') - 1);
    } else {
      host = authority.substr(0, authority.find(':'));
    }
    if (host.empty()) return Refuse(in, "ADD " + url + ": the URL names no host");
    std::vector<std::string> addresses;
    in6_addr literal{};
    if (::inet_pton(AF_INET, host.c_str(), &literal) == 1 ||
        ::inet_pton(AF_INET6, host.c_str(), &literal) == 1) {
      addresses = {host};
    } else if (!policy_.resolve) {
      return Refuse(in, "ADD " + url +
                            ": this inkd does not fetch URLs for builds; download in "
                            "a RUN step instead");
    } else {
      auto resolved = policy_.resolve(host);
      if (!resolved.ok()) {
        return Refuse(in,
                      "ADD " + url + ": cannot resolve " + host + ": " + resolved.error().message);
      }
      addresses = *resolved;
    }
    for (const auto& address : addresses) {
      bool own = std::find(policy_.host_addresses.begin(), policy_.host_addresses.end(), address) !=
                 policy_.host_addresses.end();
      if (!IsPublicAddress(address) || own) {
        return Refuse(in, "ADD " + url + ": " + host +
                              (host == address ? "" : " (" + address + ")") +
                              " is not a public address (loopback, private, link-local such "
                              "as the metadata address 169.254.169.254, or this host); builds "
                              "may fetch only from the internet");
      }
    }
    return {};
  }

  Status CheckOnbuild(const DockerfileInstruction& in) {
    auto words = SplitWhitespace(in.args);
    std::string trigger = words.empty() ? "" : Lower(words[0]);
    if (!kInstructions.count(trigger) || trigger == "onbuild" || trigger == "from" ||
        trigger == "maintainer") {
      return Refuse(in, "ONBUILD " + (words.empty() ? std::string() : words[0]) +
                            " is not a trigger buildah accepts");
    }
    if (words.size() > 1 && words[1].rfind("--", 0) == 0) {
      return Refuse(in, "ONBUILD " + Upper(trigger) + " " + words[1] +
                            ": triggers with flags are not accepted (they would run unchecked "
                            "in a later build)");
    }
    return {};
  }

  const ParsedDockerfile& parsed_;
  std::map<int, std::string> rewritten_;  // first line → replacement logical line
  const DockerfilePolicy& policy_;
  CheckedDockerfile out_;
  std::vector<std::string> stages_;  // lower-case stage names ("" unnamed), in order
  std::vector<std::pair<std::string, std::string>> global_args_;
};

}  // namespace

Result<CheckedDockerfile> CheckDockerfile(std::string_view text, const DockerfilePolicy& policy) {
  if (policy.cache_namespace.empty() || !PlainValue(policy.cache_namespace) ||
      policy.cache_namespace.find_first_of("/,=") != std::string::npos) {
    return Internal("the Dockerfile policy has no usable cache namespace");
  }
  auto parsed = ParseDockerfile(text);
  if (!parsed.ok()) return parsed.error();
  Checker checker(*parsed, policy);
  auto checked = checker.Run();
  if (!checked.ok()) return checked.error();
  if (checked->text.empty()) checked->text = std::string(text);
  return checked;
}

}  // namespace ink::build
