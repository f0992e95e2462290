#include "ink/acme/jws.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

namespace ink::acme {
namespace {

// A throwaway key made for this test with `openssl ecparam -name prime256v1 -genkey`; the
// expected x, y, thumbprint and DNS-01 value were computed from `openssl ec -text` output with
// Python's hashlib and base64, independently of the code under test.
constexpr const char* kPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfw0kWuIiBEm/fDDz\n"
    "WfUQJh/SRhCNl4L8gZO208WwW1mhRANCAATedIwNrUvWakQ4VfsyGRaeJpVn2pFb\n"
    "iD4jGTrG+uc4lb4CNiHtD2OAjWYWtVDcWIu05gI8aXYCvar3WrxgnaYQ\n"
    "-----END PRIVATE KEY-----\n";

TEST(Base64UrlTest, RoundTripsWithoutPadding) {
  EXPECT_EQ(Base64Url(""), "");
  EXPECT_EQ(Base64Url("f"), "Zg");
  EXPECT_EQ(Base64Url("fo"), "Zm8");
  EXPECT_EQ(Base64Url("foo"), "Zm9v");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\x10 binary"}) {
    EXPECT_EQ(*Base64UrlDecode(Base64Url(s)), s);
  }
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
  EXPECT_FALSE(Base64UrlDecode("abcde").ok());
}

TEST(EcKeyTest, JwkThumbprintAndDns01MatchIndependentComputation) {
  auto key = EcKey::FromPem(kPem);
  ASSERT_TRUE(key.ok()) << key.error().message;
  Json jwk = key->Jwk();
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["x"], "3nSMDa1L1mpEOFX7MhkWniaVZ9qRW4g-Ixk6xvrnOJU");
  EXPECT_EQ(jwk["y"], "vgI2Ie0PY4CNZha1UNxYi7TmAjxpdgK9qvdavGCdphA");
  EXPECT_EQ(key->Thumbprint(), "IEJttfnrmbYQlwhFY5HpLXTkTwTRpYjK7cVuRny-yDo");
  std::string ka = KeyAuthorization("tok123", *key);
  EXPECT_EQ(ka, "tok123.IEJttfnrmbYQlwhFY5HpLXTkTwTRpYjK7cVuRny-yDo");
  EXPECT_EQ(Dns01Value(ka), "I6KB_IUEiJ4KxnsUZFccdhGA9FcFBZgpfw7OWBKbI90");
  // PEM round trip keeps the key.
  auto again = EcKey::FromPem(key->PrivatePem());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Thumbprint(), key->Thumbprint());
}

TEST(EcKeyTest, RefusesOtherKeys) {
  EXPECT_FALSE(EcKey::FromPem("not a key").ok());
  EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  ASSERT_NE(rsa, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, rsa, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  auto refused = EcKey::FromPem(std::string(data, static_cast<size_t>(n)));
  BIO_free(bio);
  EVP_PKEY_free(rsa);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("P-256"), std::string::npos);
}

// Verifies a JWS (flattened) with the public key of kPem, loaded by OpenSSL directly.
bool VerifyEs256(const Json& jws) {
  std::string input = jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>();
  std::string raw = *Base64UrlDecode(jws["signature"].get<std::string>());
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  BIO* bio = BIO_new_mem_buf(kPem, -1);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                             reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  OPENSSL_free(der);
  return ok;
}

TEST(SignRequestTest, JwkForNewAccountKidAfterAndAVerifiableSignature) {
  auto key = EcKey::FromPem(kPem);
  ASSERT_TRUE(key.ok());
  auto with_jwk = SignRequest(*key, "", "nonce-1", "https://ca.test/new-acct",
                              R"({"termsOfServiceAgreed":true})");
  ASSERT_TRUE(with_jwk.ok()) << with_jwk.error().message;
  Json jws = Json::parse(*with_jwk);
  Json header = Json::parse(*Base64UrlDecode(jws["protected"].get<std::string>()));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["nonce"], "nonce-1");
  EXPECT_EQ(header["url"], "https://ca.test/new-acct");
  EXPECT_EQ(header["jwk"], key->Jwk());
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(*Base64UrlDecode(jws["payload"].get<std::string>()), R"({"termsOfServiceAgreed":true})");
  EXPECT_TRUE(VerifyEs256(jws));
  // A tampered payload does not verify.
  Json tampered = jws;
  tampered["payload"] = Base64Url(R"({"termsOfServiceAgreed":false})");
  EXPECT_FALSE(VerifyEs256(tampered));

  auto with_kid = SignRequest(*key, "https://ca.test/acct/1", "nonce-2", "https://ca.test/order/7", "");
  ASSERT_TRUE(with_kid.ok());
  Json post_as_get = Json::parse(*with_kid);
  Json h2 = Json::parse(*Base64UrlDecode(post_as_get["protected"].get<std::string>()));
  EXPECT_EQ(h2["kid"], "https://ca.test/acct/1");
  EXPECT_FALSE(h2.contains("jwk"));
  EXPECT_EQ(post_as_get["payload"], "");  // POST-as-GET
  EXPECT_TRUE(VerifyEs256(post_as_get));
}

TEST(MakeCsrTest, NamesEveryDomainAndIsSignedByTheCertificateKey) {
  auto cert_key = EcKey::Generate();
  ASSERT_TRUE(cert_key.ok());
  auto csr = MakeCsr({"shop.example.test", "www.shop.example.test"}, *cert_key);
  ASSERT_TRUE(csr.ok()) << csr.error().message;
  std::string der = *Base64UrlDecode(*csr);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(req, nullptr);
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
  EXPECT_EQ(X509_REQ_verify(req, pub), 1);
  char cn[256] = "";
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "shop.example.test");
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
  std::vector<std::string> names;
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    auto* gens = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
    for (int j = 0; j < sk_GENERAL_NAME_num(gens); ++j) {
      GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, j);
      if (g->type == GEN_DNS) {
        names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                           ASN1_STRING_length(g->d.dNSName));
      }
    }
    GENERAL_NAMES_free(gens);
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  X509_REQ_free(req);
  EXPECT_EQ(names, (std::vector<std::string>{"shop.example.test", "www.shop.example.test"}));

  EXPECT_FALSE(MakeCsr({}, *cert_key).ok());
  // A name that is not canonical could smuggle extra SANs ("a.test,DNS:evil.test"): refused.
  auto smuggled = MakeCsr({"a.example.test,DNS:evil.test"}, *cert_key);
  ASSERT_FALSE(smuggled.ok());
  EXPECT_EQ(smuggled.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ink::acme
