#include "ink/acme/jws.h"

#include "ink/dns/dns_names.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ink::acme {

struct EcKey::Impl {
  EVP_PKEY* pkey = nullptr;
  ~Impl() { EVP_PKEY_free(pkey); }
};

namespace {

std::string OpenSslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

std::string Sha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

Result<std::string> Coordinate(EVP_PKEY* pkey, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
    return Internal(OpenSslError("reading the EC public key"));
  }
  std::string out(32, '\0');
  int n = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_free(bn);
  if (n != 32) return Internal("an EC coordinate does not fit 32 bytes");
  return out;
}

}  // namespace

std::string Base64Url(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t v = byte(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == data.size()) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (text.size() % 4 == 1) return InvalidArgument("base64url text has an impossible length");
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return InvalidArgument("base64url text has a character outside its alphabet");
    buffer = buffer << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

EcKey::EcKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EcKey::EcKey(EcKey&&) noexcept = default;
EcKey& EcKey::operator=(EcKey&&) noexcept = default;
EcKey::~EcKey() = default;

Result<EcKey> EcKey::Generate() {
  auto impl = std::make_unique<Impl>();
  impl->pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!impl->pkey) return Internal(OpenSslError("generating a P-256 key"));
  return EcKey(std::move(impl));
}

Result<EcKey> EcKey::FromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return Internal("out of memory reading a key");
  auto impl = std::make_unique<Impl>();
  impl->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!impl->pkey) {
    ERR_clear_error();
    return InvalidArgument("the key is not a PEM private key");
  }
  char group[64] = "";
  size_t len = 0;
  if (EVP_PKEY_get_base_id(impl->pkey) != EVP_PKEY_EC ||
      EVP_PKEY_get_utf8_string_param(impl->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &len) != 1 ||
      std::string(group) != "prime256v1") {
    ERR_clear_error();
    return InvalidArgument("the key is not an ECDSA P-256 key (ACME accounts here use ES256)");
  }
  return EcKey(std::move(impl));
}

std::string EcKey::PrivatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, impl_->pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

Json EcKey::Jwk() const {
  auto x = Coordinate(impl_->pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  auto y = Coordinate(impl_->pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  // A P-256 key always has both; an empty JWK would make every request fail visibly.
  return {{"crv", "P-256"},
          {"kty", "EC"},
          {"x", x.ok() ? Base64Url(*x) : ""},
          {"y", y.ok() ? Base64Url(*y) : ""}};
}

std::string EcKey::Thumbprint() const {
  Json jwk = Jwk();
  // RFC 7638: the required members in lexicographic order, no whitespace.
  std::string canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + jwk["x"].get<std::string>() +
                          "\",\"y\":\"" + jwk["y"].get<std::string>() + "\"}";
  return Base64Url(Sha256(canonical));
}

Result<std::string> EcKey::Sign(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return Internal("out of memory signing");
  std::string der(128, '\0');
  size_t der_len = der.size();
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, impl_->pkey) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &der_len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Internal(OpenSslError("signing with the account key"));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (!sig) return Internal(OpenSslError("reading an ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(64, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bool fits = BN_bn2binpad(r, bytes, 32) == 32 && BN_bn2binpad(s, bytes + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!fits) return Internal("an ECDSA signature part does not fit 32 bytes");
  return out;
}

Result<std::string> SignRequest(const EcKey& key, std::string_view kid, std::string_view nonce,
                                std::string_view url, std::string_view payload) {
  Json header = {{"alg", "ES256"}, {"nonce", std::string(nonce)}, {"url", std::string(url)}};
  if (kid.empty()) {
    header["jwk"] = key.Jwk();
  } else {
    header["kid"] = std::string(kid);
  }
  std::string protected64 = Base64Url(header.dump());
  std::string payload64 = Base64Url(payload);
  auto signature = key.Sign(protected64 + "." + payload64);
  if (!signature.ok()) return signature.error();
  Json jws = {{"protected", protected64}, {"payload", payload64}, {"signature", Base64Url(*signature)}};
  return jws.dump();
}

std::string KeyAuthorization(std::string_view token, const EcKey& account) {
  return std::string(token) + "." + account.Thumbprint();
}

std::string Dns01Value(std::string_view key_authorization) {
  return Base64Url(Sha256(key_authorization));
}

Result<std::string> MakeCsr(const std::vector<std::string>& domains, const EcKey& key) {
  if (domains.empty()) return InvalidArgument("a certificate request needs at least one domain");
  for (const auto& d : domains) {
    // Canonical names only: the SAN list below is text that a comma would extend.
    auto canonical = dns::CanonicalName(d, /*allow_wildcard=*/true);
    if (!canonical.ok() || *canonical != d) {
      return InvalidArgument("a certificate request names a domain that is not canonical: " +
                             (canonical.ok() ? "give it lowercase, without the trailing dot"
                                             : canonical.error().message));
    }
  }
  X509_REQ* req = X509_REQ_new();
  if (!req) return Internal("out of memory making a CSR");
  auto fail = [&](const std::string& what) -> Error {
    X509_REQ_free(req);
    return Internal(OpenSslError(what));
  };
  X509_NAME* name = X509_REQ_get_subject_name(req);
  if (X509_REQ_set_version(req, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(domains[0].c_str()), -1,
                                 -1, 0) != 1) {
    return fail("setting the CSR's subject");
  }
  std::string sans;
  for (const auto& d : domains) sans += (sans.empty() ? "DNS:" : ",DNS:") + d;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, sans.c_str());
  if (!ext) return fail("making the CSR's subjectAltName");
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  sk_X509_EXTENSION_push(exts, ext);
  int added = X509_REQ_add_extensions(req, exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  if (added != 1) return fail("adding the CSR's extensions");
  EVP_PKEY* pkey = key.impl().pkey;
  if (X509_REQ_set_pubkey(req, pkey) != 1 || X509_REQ_sign(req, pkey, EVP_sha256()) <= 0) {
    return fail("signing the CSR");
  }
  unsigned char* der = nullptr;
  int n = i2d_X509_REQ(req, &der);
  X509_REQ_free(req);
  if (n <= 0) return Internal(OpenSslError("encoding the CSR"));
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return Base64Url(out);
}

}  // namespace ink::acme
