// Certificates for tests, made by the openssl command (Debian's openssl package).
#include "src/http/test_certificates.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "ink/common/subprocess.h"

namespace ink::http::testing {
namespace {

Status Openssl(const std::filesystem::path& dir, const std::string& script) {
  auto run =
      RunProcess({"sh", "-c", "cd '" + dir.string() + "' && " + script}, std::chrono::seconds(30));
  if (!run.ok()) return run.error();
  if (!run->ok()) return Internal("openssl failed (is it installed?): " + run->output);
  return {};
}

}  // namespace

Status MakeTestCa(const std::filesystem::path& dir, const std::string& name) {
  return Openssl(dir,
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                 " -keyout " +
                     name + ".key -out " + name + ".pem -days 2 -subj '/CN=" + name +
                     " test CA' -addext basicConstraints=critical,CA:TRUE"
                     " -addext keyUsage=critical,keyCertSign,cRLSign 2>&1");
}

Status MakeTestServerCert(const std::filesystem::path& dir, const std::string& ca,
                          const std::string& name, const std::string& subject_alt_names) {
  return Openssl(
      dir, "printf 'subjectAltName=" + subject_alt_names + "\\nextendedKeyUsage=serverAuth\\n' > " +
               name +
               ".ext"
               " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
               name + ".key -out " + name + ".csr -subj '/CN=" + name +
               "' 2>&1 && openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -days 2 -extfile " + name + ".ext -out " + name + ".pem 2>&1");
}

Result<std::string> MakeTestChain(const std::filesystem::path& dir,
                                  const std::string& subject_alt_names) {
  std::filesystem::create_directories(dir);
  INK_RETURN_IF_ERROR(MakeTestCa(dir, "chain-ca"));
  INK_RETURN_IF_ERROR(MakeTestServerCert(dir, "chain-ca", "chain-leaf", subject_alt_names));
  std::stringstream chain;
  chain << std::ifstream(dir / "chain-leaf.pem").rdbuf()
        << std::ifstream(dir / "chain-ca.pem").rdbuf();
  return chain.str();
}

}  // namespace ink::http::testing
