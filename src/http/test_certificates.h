// Test support: certificates made with the openssl command for tests that need a TLS server
// (src/http/tls_client_test.cc, the ACME client's Pebble test). Never linked into a program.
//
// Thread contract: plain functions over files; call them from the test's thread.
#pragma once

#include <filesystem>
#include <string>

#include "ink/common/result.h"

namespace ink::http::testing {

// A self-signed CA (ECDSA P-256, CA:TRUE, valid two days): DIR/NAME.pem and DIR/NAME.key.
Status MakeTestCa(const std::filesystem::path& dir, const std::string& name);

// A server certificate signed by the CA `ca` made above: DIR/NAME.pem (the leaf) and
// DIR/NAME.key, with `subject_alt_names` in openssl's syntax ("DNS:localhost,IP:127.0.0.1").
Status MakeTestServerCert(const std::filesystem::path& dir, const std::string& ca,
                          const std::string& name, const std::string& subject_alt_names);

// A chain (leaf PEM, then its CA's) for `subject_alt_names`, made under `dir` (created) by the
// two functions above: for code that reads certificates rather than serving them.
Result<std::string> MakeTestChain(const std::filesystem::path& dir,
                                  const std::string& subject_alt_names);

}  // namespace ink::http::testing
