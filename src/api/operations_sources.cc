// Source credentials: the workspace's ssh deploy key (create_deploy_key, get_deploy_key,
// delete_deploy_key).
//
// ssh:// and git@host:path sources are fetched with this key and nothing else (never the host's
// own keys, agent or ssh config: src/build/source_policy.h). The key pair is made by ssh-keygen
// (ed25519) in a private scratch directory that is removed at once; the private key is sealed
// with SecretBox like env values and never leaves inkd again (the build pipeline writes it to a
// 0600 file for the length of one fetch). Only the public key is ever returned.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/subprocess.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

namespace fs = std::filesystem;

constexpr char kHowToUse[] =
    "add public_key to the repository as a read-only deploy key (GitHub: Settings > Deploy "
    "keys; GitLab: Settings > Repository > Deploy keys), then deploy its ssh URL, e.g. "
    "git@github.com:org/repo.git";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A new ed25519 key pair (private key in OpenSSH format, public key line, fingerprint).
Result<DeployKey> GenerateKey(const std::string& workspace_id) {
  std::string pattern = (fs::temp_directory_path() / "ink-deploy-key-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return Internal("cannot create a scratch directory");
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{pattern};
  std::string key = pattern + "/key";
  auto made = RunProcess({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                          "ink-deploy-key-" + workspace_id, "-f", key},
                         std::chrono::seconds(30));
  if (!made.ok()) return Internal("cannot run ssh-keygen: " + made.error().message);
  if (made->exit_code != 0) return Internal("ssh-keygen failed: " + made->output.substr(0, 300));
  auto listed = RunProcess({"ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"},
                           std::chrono::seconds(30));
  if (!listed.ok() || listed->exit_code != 0) return Internal("ssh-keygen -l failed");
  DeployKey out;
  out.workspace_id = workspace_id;
  out.public_key = Trimmed(ReadAll(key + ".pub"));
  std::istringstream fields(listed->output);  // "256 SHA256:... comment (ED25519)"
  std::string bits;
  fields >> bits >> out.fingerprint;
  std::string private_key = ReadAll(key);
  if (out.public_key.rfind("ssh-ed25519 ", 0) != 0 || private_key.empty() ||
      out.fingerprint.rfind("SHA256:", 0) != 0) {
    return Internal("ssh-keygen wrote no usable key");
  }
  out.sealed_private_key = private_key;  // sealed by the caller
  return out;
}

Json KeyJson(const DeployKey& key) {
  return {{"deploy_key",
           {{"public_key", key.public_key},
            {"fingerprint", key.fingerprint},
            {"created_at", key.created_at},
            {"how_to_use", kHowToUse}}}};
}

}  // namespace

void RegisterSourceOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "create_deploy_key", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto existing = deps.store.GetDeployKey(c.workspace_id);
        if (existing.ok() && !in.value("replace", false)) {
          return AlreadyExists("this workspace already has a deploy key (" + existing->fingerprint +
                               "); show it with `ink deploy-key show`, or make a new one with "
                               "`ink deploy-key create --replace` (the old key stops working)");
        }
        auto key = GenerateKey(c.workspace_id);
        if (!key.ok()) return key.error();
        key->sealed_private_key = deps.secrets.Seal(key->sealed_private_key);
        auto saved = deps.store.PutDeployKey(*key);
        if (!saved.ok()) return saved.error();
        return KeyJson(*saved);
      }}));
  table.Add(Implement("get_deploy_key",
                      {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                        auto key = deps.store.GetDeployKey(c.workspace_id);
                        if (!key.ok()) return key.error();
                        return KeyJson(*key);
                      }}));
  table.Add(Implement("delete_deploy_key",
                      {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                        INK_RETURN_IF_ERROR(deps.store.DeleteDeployKey(c.workspace_id));
                        return Json{{"deleted", true}};
                      }}));
}

}  // namespace ink::api_internal
