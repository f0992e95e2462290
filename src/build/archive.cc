#include "src/build/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace ink::build {
namespace {

namespace fs = std::filesystem;

// The entry name as clean components ("a/./b//c" → {a,b,c}); errors for absolute paths and
// "..". An empty result is the root itself ("./").
Result<std::vector<std::string>> Components(const std::string& name, const std::string& what) {
  if (name.empty()) return InvalidArgument(what + " has an empty name");
  if (name.size() > 4096) return InvalidArgument(what + " has a name longer than 4096 bytes");
  if (name.front() == '/') {
    return InvalidArgument(what + " '" + name.substr(0, 200) +
                           "' is an absolute path; archives must hold relative paths only");
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    std::string part = name.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return InvalidArgument(what + " '" + name.substr(0, 200) +
                             "' contains '..' and would be written outside the source tree");
    }
    if (part.size() > 255) return InvalidArgument(what + " has a name component over 255 bytes");
    parts.push_back(part);
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// Checks that a symbolic link at `link` (components) with `target` stays inside the tree when
// read lexically.
Status CheckLinkTarget(const std::vector<std::string>& link, const std::string& target,
                       const std::string& shown) {
  if (target.empty()) return InvalidArgument("symbolic link '" + shown + "' has no target");
  if (target.front() == '/') {
    return InvalidArgument("symbolic link '" + shown + "' points to the absolute path '" +
                           target.substr(0, 200) + "', outside the source tree");
  }
  int depth = static_cast<int>(link.size()) - 1;  // the directory holding the link
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    if (slash == std::string::npos) slash = target.size();
    std::string part = target.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) {
      return InvalidArgument("symbolic link '" + shown + "' points to '" + target.substr(0, 200) +
                             "', outside the source tree");
    }
  }
  return {};
}

// libarchive's description of its last error; it may have none (NULL), e.g. for a gzip stream
// that ends inside its header.
std::string ErrorText(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unreadable data";
}

class Reader {
 public:
  ~Reader() {
    if (a_ != nullptr) archive_read_free(a_);
  }
  Status Open(const std::string& path) {
    a_ = archive_read_new();
    if (a_ == nullptr) return Internal("libarchive: out of memory");
    archive_read_support_filter_gzip(a_);
    archive_read_support_filter_bzip2(a_);
    archive_read_support_filter_xz(a_);
    archive_read_support_filter_zstd(a_);
    archive_read_support_format_tar(a_);
    archive_read_support_format_empty(a_);
    if (archive_read_open_filename(a_, path.c_str(), 1 << 16) != ARCHIVE_OK) {
      return InvalidArgument(std::string("the upload is not a tar archive (plain or gzip): ") +
                             ErrorText(a_));
    }
    return {};
  }
  // Next entry, nullptr at the end.
  Result<archive_entry*> Next() {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(a_, &entry);
    if (rc == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
    if (rc < ARCHIVE_WARN) {
      return InvalidArgument(std::string("the archive is damaged or not a tar archive: ") +
                             ErrorText(a_));
    }
    return entry;
  }
  archive* get() { return a_; }

 private:
  archive* a_ = nullptr;
};

std::string EntryName(archive_entry* e) {
  const char* name = archive_entry_pathname(e);
  return name ? name : "";
}

// What the checks of Inspect and Extract share: the entry kind and its cleaned path.
struct CheckedEntry {
  enum Kind { kFile, kDir, kSymlink, kHardlink, kSkip } kind = kSkip;
  std::vector<std::string> parts;
  std::vector<std::string> hardlink_parts;
  std::string symlink_target;
  int64_t size = 0;
};

Result<CheckedEntry> Check(archive_entry* e) {
  CheckedEntry out;
  std::string name = EntryName(e);
  auto parts = Components(name, "archive entry");
  if (!parts.ok()) return parts.error();
  out.parts = *parts;
  const char* hardlink = archive_entry_hardlink(e);
  if (hardlink != nullptr) {
    auto target = Components(hardlink, "hard link target of '" + name.substr(0, 200) + "'");
    if (!target.ok()) return target.error();
    if (target->empty() || out.parts.empty()) {
      return InvalidArgument("hard link '" + name.substr(0, 200) + "' is not valid");
    }
    out.kind = CheckedEntry::kHardlink;
    out.hardlink_parts = *target;
    return out;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      out.kind = CheckedEntry::kFile;
      out.size = archive_entry_size(e);
      break;
    case AE_IFDIR:
      out.kind = CheckedEntry::kDir;
      break;
    case AE_IFLNK: {
      out.kind = CheckedEntry::kSymlink;
      const char* target = archive_entry_symlink(e);
      out.symlink_target = target ? target : "";
      INK_RETURN_IF_ERROR(CheckLinkTarget(out.parts, out.symlink_target, name.substr(0, 200)));
      break;
    }
    case AE_IFCHR:
    case AE_IFBLK:
      return InvalidArgument("archive entry '" + name.substr(0, 200) +
                             "' is a device file; source archives may hold only files, "
                             "directories and links");
    default:
      return InvalidArgument("archive entry '" + name.substr(0, 200) +
                             "' is a FIFO, socket or unknown kind; source archives may hold only "
                             "files, directories and links");
  }
  if (out.parts.empty()) {
    if (out.kind != CheckedEntry::kDir) {
      return InvalidArgument("archive entry '" + name.substr(0, 200) + "' names the root");
    }
    out.kind = CheckedEntry::kSkip;
  }
  return out;
}

Error TooMany(const ArchiveLimits& limits) {
  return {ErrorCode::kPayloadTooLarge,
          "the source has more than " + std::to_string(limits.max_files) +
              " files (the limit of this Ink); leave build outputs and dependencies out "
              "(.inkignore / .gitignore)"};
}
Error TooBig(const ArchiveLimits& limits) {
  return {ErrorCode::kPayloadTooLarge,
          "the source holds more than " + std::to_string(limits.max_bytes) +
              " bytes (the limit of this Ink); leave build outputs and dependencies out "
              "(.inkignore / .gitignore)"};
}

// Opens the directory `parts[0..count)` under `root_fd` without following any symbolic link,
// creating missing directories when `create`. Returns an fd the caller closes.
Result<int> OpenDirectory(int root_fd, const std::vector<std::string>& parts, size_t count,
                          bool create) {
  int fd = ::dup(root_fd);
  for (size_t i = 0; i < count; ++i) {
    if (create && ::mkdirat(fd, parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
      int err = errno;
      ::close(fd);
      return InvalidArgument("cannot create directory '" + Join(parts, i + 1) +
                             "': " + std::strerror(err));
    }
    int next = ::openat(fd, parts[i].c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_RDONLY);
    int err = errno;
    ::close(fd);
    if (next < 0) {
      if (err == ELOOP || err == ENOTDIR) {
        return InvalidArgument("archive entry below '" + Join(parts, i + 1) +
                               "' would be written through a symbolic link or a file; Ink does "
                               "not follow links while unpacking");
      }
      return InvalidArgument("cannot open directory '" + Join(parts, i + 1) +
                             "': " + std::strerror(err));
    }
    fd = next;
  }
  return fd;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<ArchiveSummary> InspectArchive(const std::string& archive_path,
                                      const ArchiveLimits& limits) {
  Reader reader;
  INK_RETURN_IF_ERROR(reader.Open(archive_path));
  ArchiveSummary summary;
  while (true) {
    auto entry = reader.Next();
    if (!entry.ok()) return entry.error();
    if (*entry == nullptr) break;
    auto checked = Check(*entry);
    if (!checked.ok()) return checked.error();
    if (++summary.files > limits.max_files) return TooMany(limits);
    summary.bytes += checked->size;
    if (summary.bytes > limits.max_bytes) return TooBig(limits);
    archive_read_data_skip(reader.get());
  }
  return summary;
}

Result<ArchiveSummary> ExtractArchive(const std::string& archive_path, const std::string& dest,
                                      const ArchiveLimits& limits) {
  Reader reader;
  INK_RETURN_IF_ERROR(reader.Open(archive_path));
  int root = ::open(dest.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (root < 0) return Internal("cannot open " + dest + ": " + std::strerror(errno));
  FdCloser root_closer{root};
  ArchiveSummary summary;
  std::vector<char> buf(1 << 16);
  while (true) {
    auto entry = reader.Next();
    if (!entry.ok()) return entry.error();
    if (*entry == nullptr) break;
    auto checked = Check(*entry);
    if (!checked.ok()) return checked.error();
    if (++summary.files > limits.max_files) return TooMany(limits);
    const auto& parts = checked->parts;
    if (checked->kind == CheckedEntry::kSkip) continue;
    std::string shown = Join(parts, parts.size()).substr(0, 200);
    auto parent = OpenDirectory(root, parts, parts.size() - 1, true);
    if (!parent.ok()) return parent.error();
    FdCloser parent_closer{*parent};
    const char* leaf = parts.back().c_str();
    switch (checked->kind) {
      case CheckedEntry::kDir:
        if (::mkdirat(*parent, leaf, 0755) != 0 && errno != EEXIST) {
          return InvalidArgument("cannot create directory '" + shown +
                                 "': " + std::strerror(errno));
        }
        break;
      case CheckedEntry::kSymlink:
        if (::symlinkat(checked->symlink_target.c_str(), *parent, leaf) != 0) {
          return InvalidArgument("cannot create symbolic link '" + shown + "': " +
                                 std::strerror(errno) + " (is the entry in the archive twice?)");
        }
        break;
      case CheckedEntry::kHardlink: {
        const auto& target = checked->hardlink_parts;
        auto target_dir = OpenDirectory(root, target, target.size() - 1, false);
        if (!target_dir.ok()) return target_dir.error();
        FdCloser target_closer{*target_dir};
        struct stat st {};
        if (::fstatat(*target_dir, target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode)) {
          return InvalidArgument("hard link '" + shown + "' points to '" +
                                 Join(target, target.size()).substr(0, 200) +
                                 "', which is not a file unpacked before it");
        }
        if (::linkat(*target_dir, target.back().c_str(), *parent, leaf, 0) != 0) {
          return InvalidArgument("cannot create hard link '" + shown +
                                 "': " + std::strerror(errno));
        }
        break;
      }
      case CheckedEntry::kFile: {
        mode_t mode = (archive_entry_perm(*entry) & 0755) | 0600;
        int fd =
            ::openat(*parent, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
          return InvalidArgument("cannot write '" + shown + "': " + std::strerror(errno) +
                                 (errno == ELOOP ? " (a symbolic link has that name)" : ""));
        }
        FdCloser file_closer{fd};
        while (true) {
          la_ssize_t got = archive_read_data(reader.get(), buf.data(), buf.size());
          if (got == 0) break;
          if (got < 0) {
            return InvalidArgument("the archive is damaged at '" + shown +
                                   "': " + ErrorText(reader.get()));
          }
          summary.bytes += got;
          if (summary.bytes > limits.max_bytes) return TooBig(limits);
          for (la_ssize_t off = 0; off < got;) {
            ssize_t w = ::write(fd, buf.data() + off, static_cast<size_t>(got - off));
            if (w < 0) {
              if (errno == EINTR) continue;
              return Internal("writing '" + shown + "' failed: " + std::strerror(errno));
            }
            off += w;
          }
        }
        ::fchmod(fd, mode);
        timespec times[2] = {{archive_entry_mtime(*entry), 0}, {archive_entry_mtime(*entry), 0}};
        ::futimens(fd, times);
        break;
      }
      case CheckedEntry::kSkip:
        break;
    }
  }
  auto tree = CheckTree(dest, limits);
  if (!tree.ok()) return tree.error();
  return summary;
}

Result<ArchiveSummary> CheckTree(const std::string& root, const ArchiveLimits& limits) {
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return Internal("cannot resolve " + root + ": " + ec.message());
  std::string base_text = base.string();
  ArchiveSummary summary;
  fs::recursive_directory_iterator it(base, fs::directory_options::none, ec);
  if (ec) return Internal("cannot read " + root + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Internal("cannot read " + root + ": " + ec.message());
    if (++summary.files > limits.max_files) return TooMany(limits);
    auto status = it->symlink_status(ec);
    if (ec) continue;
    std::string rel = it->path().lexically_relative(base).string();
    if (fs::is_symlink(status)) {
      fs::path target = fs::read_symlink(it->path(), ec);
      fs::path resolved = fs::canonical(it->path(), ec);
      if (!ec) {
        std::string r = resolved.string();
        if (r != base_text && r.rfind(base_text + "/", 0) != 0) {
          return InvalidArgument("symbolic link '" + rel.substr(0, 200) + "' points to '" +
                                 target.string().substr(0, 200) + "', outside the source tree");
        }
      } else {
        std::vector<std::string> parts;
        for (const auto& p : fs::path(rel)) parts.push_back(p.string());
        INK_RETURN_IF_ERROR(CheckLinkTarget(parts, target.string(), rel.substr(0, 200)));
      }
    } else if (fs::is_regular_file(status)) {
      summary.bytes += static_cast<int64_t>(it->file_size(ec));
      if (summary.bytes > limits.max_bytes) return TooBig(limits);
    } else if (!fs::is_directory(status)) {
      return InvalidArgument("'" + rel.substr(0, 200) +
                             "' is a device file, FIFO or socket; the source may hold only "
                             "files, directories and links");
    }
  }
  return summary;
}

}  // namespace ink::build
