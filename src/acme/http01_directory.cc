// The HTTP-01 responder ink-edge reads (ink/acme/acme_client.h, MakeDirectoryHttp01Responder):
// files in a directory, one per token.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ink/acme/acme_client.h"
#include "ink/common/atomic_file.h"
#include "ink/common/log.h"

namespace ink::acme {
namespace {

// What ink-edge accepts as a token (src/edge/exchange.cc): base64url, at most 128 characters.
bool IsToken(const std::string& token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

class DirectoryResponder : public Http01Responder {
 public:
  explicit DirectoryResponder(std::string dir) : dir_(std::move(dir)) {}

  Status Publish(const std::string& token, const std::string& key_authorization) override {
    if (!IsToken(token)) {
      return InvalidArgument("the CA's HTTP-01 token is not base64url; it cannot be served");
    }
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Internal("cannot create " + dir_ + ": " + ec.message());
    // Mode 0644: the answer is public by design.
    return WriteFileAtomically(dir_ + "/" + token, key_authorization, 0644);
  }

  void Withdraw(const std::string& token) override {
    if (!IsToken(token)) return;
    const std::string path = dir_ + "/" + token;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      LogWarn("acme", "cannot remove " + path + ": " + std::strerror(errno));
    }
  }

 private:
  std::string dir_;
};

}  // namespace

std::unique_ptr<Http01Responder> MakeDirectoryHttp01Responder(std::string dir) {
  return std::make_unique<DirectoryResponder>(std::move(dir));
}

}  // namespace ink::acme
