// The cryptography of an ACME client (RFC 8555), apart from any I/O: the account key (ECDSA
// P-256, "ES256"), its JWK and thumbprint (RFC 7638), JWS requests in flattened JSON
// serialization (RFC 8555 section 6.2: "jwk" for newAccount, "kid" after), key authorizations
// and their DNS-01 TXT value (section 8.1, 8.4), and the CSR of an order (section 7.4).
//
// The ACME client (next to this file) sends what these functions build; tests verify the
// signatures with OpenSSL independently. Keys are held in OpenSSL objects and leave this module
// only as PEM (sealed at rest by the caller).
//
// Thread contract: an EcKey is immutable after creation and may be used from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::acme {

// base64url without padding (RFC 4648 section 5), as JOSE uses it.
std::string Base64Url(std::string_view data);
Result<std::string> Base64UrlDecode(std::string_view text);

// An ECDSA P-256 key pair.
class EcKey {
 public:
  static Result<EcKey> Generate();
  // From a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY"); refuses other curves and types.
  static Result<EcKey> FromPem(std::string_view pem);

  EcKey(EcKey&&) noexcept;
  EcKey& operator=(EcKey&&) noexcept;
  ~EcKey();

  std::string PrivatePem() const;  // PKCS#8
  // {"crv":"P-256","kty":"EC","x":...,"y":...}: the public key as a JWK.
  Json Jwk() const;
  // base64url(SHA-256(the JWK's members crv, kty, x, y in that order, no spaces)): RFC 7638.
  std::string Thumbprint() const;
  // ES256 of `data`: the 64-byte r || s form JWS uses (not DER).
  Result<std::string> Sign(std::string_view data) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit EcKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A signed ACME request body. `kid` empty: the JWK goes in the header (newAccount, revokeCert by
// key); else the account URL. `payload` is the JSON text; "" for POST-as-GET.
Result<std::string> SignRequest(const EcKey& key, std::string_view kid, std::string_view nonce,
                                std::string_view url, std::string_view payload);

// token "." thumbprint: what an HTTP-01 challenge serves at
// /.well-known/acme-challenge/<token>.
std::string KeyAuthorization(std::string_view token, const EcKey& account);
// base64url(SHA-256(key authorization)): the TXT value of _acme-challenge.<domain> for DNS-01.
std::string Dns01Value(std::string_view key_authorization);

// A PKCS#10 CSR (DER, base64url as finalize wants it) for `domains` (the first is the subject's
// CN; all are subjectAltNames), signed with `key` (the certificate's key, not the account's).
Result<std::string> MakeCsr(const std::vector<std::string>& domains, const EcKey& key);

}  // namespace ink::acme
