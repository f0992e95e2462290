// Uploaded source archives: DATA/archives/<id>.tar (the bytes as sent) and <id>.json (owner,
// sizes). Written under a temporary name and renamed only once the body was read to its end
// within the bound and every header passed the checks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ink/common/clock.h"
#include "ink/common/names.h"
#include "src/build/pipeline_impl.h"

namespace ink {

Json ArchiveInfo::ToJson() const {
  return {{"id", id},
          {"upload_bytes", upload_bytes},
          {"files", files},
          {"bytes", bytes},
          {"created_at", created_at}};
}

Result<ArchiveInfo> BuildPipeline::Impl::ReceiveArchive(const std::string& workspace_id,
                                                        const BodyReader& body) {
  ArchiveInfo info;
  info.id = NewId("arc");
  info.workspace_id = workspace_id;
  info.created_at = SystemClock().NowMillis();
  std::string final_path = ArchivePath(info.id);
  std::string partial = final_path + ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot store the upload: " + std::string(std::strerror(errno)));
  struct Cleanup {
    std::string path;
    int fd;
    bool keep = false;
    ~Cleanup() {
      if (fd >= 0) ::close(fd);
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{partial, fd};
  std::vector<char> buf(1 << 16);
  while (true) {
    auto got = body(buf.data(), buf.size());
    if (!got.ok()) return got.error();
    if (*got == 0) break;
    info.upload_bytes += static_cast<int64_t>(*got);
    if (info.upload_bytes > options_.max_upload_bytes) {
      return Error{ErrorCode::kPayloadTooLarge,
                   "the archive is larger than the upload limit of " +
                       std::to_string(options_.max_upload_bytes) +
                       " bytes of this Ink (inkd --max-upload-bytes); leave build outputs and "
                       "dependencies out (.inkignore / .gitignore)"};
    }
    for (size_t off = 0; off < *got;) {
      ssize_t w = ::write(fd, buf.data() + off, *got - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Internal("cannot store the upload: " + std::string(std::strerror(errno)));
      }
      off += static_cast<size_t>(w);
    }
  }
  ::close(fd);
  cleanup.fd = -1;
  if (info.upload_bytes == 0) {
    return InvalidArgument("the upload is empty; send a tar or tar.gz archive as the body");
  }
  auto summary = build::InspectArchive(partial, SourceLimits());
  if (!summary.ok()) return summary.error();
  info.files = summary->files;
  info.bytes = summary->bytes;
  Json meta = {{"workspace_id", workspace_id}, {"info", info.ToJson()}};
  {
    std::ofstream out(ArchivesDir() + "/" + info.id + ".json", std::ios::trunc);
    out << meta.dump() << "\n";
    if (!out) return Internal("cannot store the upload's metadata");
  }
  if (std::rename(partial.c_str(), final_path.c_str()) != 0) {
    return Internal("cannot store the upload: " + std::string(std::strerror(errno)));
  }
  cleanup.keep = true;
  return info;
}

Result<ArchiveInfo> BuildPipeline::Impl::GetArchive(const std::string& workspace_id,
                                                    const std::string& id) const {
  INK_RETURN_IF_ERROR(ValidateArchiveId(id));
  auto not_found = [&] {
    return NotFound("archive '" + id + "' does not exist (archives are kept for " +
                    std::to_string(options_.archive_ttl.count()) +
                    " hours); upload the directory again with `ink deploy DIR`");
  };
  std::ifstream in(ArchivesDir() + "/" + id + ".json");
  if (!in || !std::filesystem::exists(ArchivePath(id))) return not_found();
  std::stringstream text;
  text << in.rdbuf();
  auto meta = ParseJson(text.str());
  if (!meta.ok() || !meta->is_object()) return not_found();
  if (meta->value("workspace_id", "") != workspace_id) return not_found();
  const Json& j = (*meta)["info"];
  ArchiveInfo info;
  info.id = id;
  info.workspace_id = workspace_id;
  info.upload_bytes = j.value("upload_bytes", int64_t{0});
  info.files = j.value("files", int64_t{0});
  info.bytes = j.value("bytes", int64_t{0});
  info.created_at = j.value("created_at", int64_t{0});
  return info;
}

}  // namespace ink
