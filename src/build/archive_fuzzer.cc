// libFuzzer target: arbitrary bytes as an uploaded source archive. Each run writes the bytes to
// a file, inspects and unpacks them into a fresh directory beside a sentinel directory, then
// asserts that nothing landed outside the destination: the scratch root holds only the upload,
// the destination and the (still empty) sentinel, and no symbolic link in the destination
// resolves outside it. Everything is removed after each run. Limits are small to stay fast.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "src/build/archive.h"

namespace {

namespace fs = std::filesystem;

const fs::path& Scratch() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "ink-archive-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(Scratch(), ec);
    });
    return fs::path(pattern);
  }();
  return dir;
}

[[noreturn]] void Escaped(const std::string& what) {
  std::fprintf(stderr, "archive escaped its destination: %s\n", what.c_str());
  std::abort();
}

bool Inside(const fs::path& path, const fs::path& root) {
  auto rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& root = Scratch();
  const fs::path upload = root / "upload.tar";
  const fs::path dest = root / "dest";
  const fs::path sentinel = root / "outside";
  std::error_code ec;
  fs::create_directories(dest, ec);
  fs::create_directories(sentinel, ec);
  {
    std::ofstream out(upload, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const ink::build::ArchiveLimits limits{1 << 20, 256};
  (void)ink::build::InspectArchive(upload.string(), limits);
  auto extracted = ink::build::ExtractArchive(upload.string(), dest.string(), limits);

  for (const auto& entry : fs::directory_iterator(root, ec)) {
    auto name = entry.path().filename();
    if (name != "upload.tar" && name != "dest" && name != "outside") {
      Escaped("created " + entry.path().string());
    }
  }
  if (!fs::is_empty(sentinel, ec)) Escaped("wrote into the sibling directory");
  if (fs::is_symlink(dest, ec)) Escaped("replaced the destination with a link");
  const fs::path real_dest = fs::canonical(dest, ec);
  if (extracted.ok()) {
    // A successful unpack promises that every link stays inside the tree.
    for (auto it = fs::recursive_directory_iterator(dest, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_symlink(ec)) continue;
      fs::path target = fs::weakly_canonical(it->path(), ec);
      if (!ec && !Inside(target, real_dest) && target != real_dest) {
        Escaped("link " + it->path().string() + " resolves to " + target.string());
      }
    }
  }
  fs::remove_all(dest, ec);
  fs::remove(upload, ec);
  return 0;
}
