#include "tls.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <time.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "worker.h"

namespace ink::edge::internal {
namespace {

int64_t MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

// The SSL ex-data slot that points at the TlsServerContext (the ticket callback has no argument).
int ServerIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned int in_len, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kAlpnHttp11, sizeof kAlpnHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no http/1.1 offered: carry on without ALPN
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Chooses the certificate by SNI from the accepting worker's snapshot; none → fatal alert.
int ServerName(SSL* ssl, int* alert, void*) {
  const char* sent = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  char name[256];
  size_t length = 0;
  if (sent != nullptr) {
    for (; sent[length] != '\0'; ++length) {
      if (length + 1 >= sizeof name) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
      }
      char c = sent[length];
      name[length] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (length > 0 && name[length - 1] == '.') --length;
  }
  auto* certificates =
      static_cast<const std::shared_ptr<const CertificateSet>*>(SSL_get_app_data(ssl));
  SSL_CTX* chosen = nullptr;
  if (certificates != nullptr && *certificates != nullptr) {
    chosen = (*certificates)->Find(std::string_view(name, length));
  }
  if (chosen == nullptr) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, chosen);
  return SSL_TLSEXT_ERR_OK;
}

// The socket BIO: BIO data is the Connection (its fd and tls_drained).
int BioWrite(BIO* bio, const char* data, size_t length, size_t* written) {
  auto* c = static_cast<Connection*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t n = ::send(c->fd, data, length, MSG_NOSIGNAL);
    if (n >= 0) {
      *written = static_cast<size_t>(n);
      return 1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
    return 0;
  }
}

int BioRead(BIO* bio, char* data, size_t length, size_t* read) {
  auto* c = static_cast<Connection*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t n = ::recv(c->fd, data, length, 0);
    if (n > 0) {
      *read = static_cast<size_t>(n);
      if (static_cast<size_t>(n) < length) c->tls_drained = true;
      return 1;
    }
    if (n == 0) return 0;  // end of stream
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c->tls_drained = true;
      BIO_set_retry_read(bio);
    }
    return 0;
  }
}

long BioControl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

int BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* SocketBioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ink-edge socket");
    if (m == nullptr) return m;
    BIO_meth_set_write_ex(m, BioWrite);
    BIO_meth_set_read_ex(m, BioRead);
    BIO_meth_set_ctrl(m, BioControl);
    BIO_meth_set_create(m, BioCreate);
    return m;
  }();
  return method;
}

int TicketKeyShim(SSL* ssl, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                  EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  auto* server = static_cast<TlsServerContext*>(SSL_get_ex_data(ssl, ServerIndex()));
  if (server == nullptr) return -1;
  return server->TicketKey(name, iv, cipher, mac, encrypt);
}

}  // namespace

void ConfigureServerContext(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // TLS 1.2: forward-secret AEAD suites only (TLS 1.3's are all of that kind).
  SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
  // Partial writes: SSL_write returns per record, so the worker's byte accounting matches what
  // went out; moving buffer: a retried write may come from another buffer with the same bytes;
  // release buffers: an idle keep-alive connection holds no record buffers (42 → 33 kB RSS per
  // idle TLS connection with 2,000 of them; no CPU difference bench/proxy/tls.sh could see).
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // Read as much as the socket has in one recv (not a 5-byte header and then the record).
  SSL_CTX_set_read_ahead(ctx, 1);
  static const unsigned char kSessionContext[] = "ink-edge";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  // Stateless tickets only: no server-side session cache to lock or to grow.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_timeout(ctx, TlsServerContext::kTicketKeyLifetimeSeconds);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
}

Result<std::unique_ptr<TlsServerContext>> TlsServerContext::Create() {
  std::unique_ptr<TlsServerContext> server(new TlsServerContext());
  server->ctx_ = SSL_CTX_new(TLS_server_method());
  if (server->ctx_ == nullptr) return Internal("SSL_CTX_new failed (out of memory?)");
  ConfigureServerContext(server->ctx_);
  SSL_CTX_set_tlsext_servername_callback(server->ctx_, ServerName);
  if (SSL_CTX_set_tlsext_ticket_key_evp_cb(server->ctx_, TicketKeyShim) != 1) {
    return Internal("cannot install the session-ticket key callback");
  }
  int64_t now = MonotonicSeconds();
  if (!server->NewKey(&server->current_, now)) {
    return Internal("cannot generate a session-ticket key (RAND_bytes failed)");
  }
  return server;
}

TlsServerContext::~TlsServerContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  OPENSSL_cleanse(&current_, sizeof current_);
  OPENSSL_cleanse(&previous_, sizeof previous_);
}

SSL* TlsServerContext::NewConnection(
    Connection* c, const std::shared_ptr<const CertificateSet>* certificates) const {
  BIO_METHOD* method = SocketBioMethod();
  if (method == nullptr) return nullptr;
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio == nullptr) {
    SSL_free(ssl);
    return nullptr;
  }
  BIO_set_data(bio, c);
  SSL_set_bio(ssl, bio, bio);  // one reference, owned by the SSL
  SSL_set_accept_state(ssl);
  SSL_set_app_data(ssl, const_cast<std::shared_ptr<const CertificateSet>*>(certificates));
  SSL_set_ex_data(ssl, ServerIndex(), const_cast<TlsServerContext*>(this));
  return ssl;
}

bool TlsServerContext::NewKey(KeyMaterial* key, int64_t now) {
  if (RAND_bytes(key->name.data(), static_cast<int>(key->name.size())) != 1 ||
      RAND_bytes(key->aes.data(), static_cast<int>(key->aes.size())) != 1 ||
      RAND_bytes(key->hmac.data(), static_cast<int>(key->hmac.size())) != 1) {
    return false;
  }
  key->created = now;
  return true;
}

void TlsServerContext::RotateIfDue(int64_t now) {
  if (now - current_.created < kTicketKeyLifetimeSeconds) return;
  KeyMaterial next;
  if (!NewKey(&next, now)) return;  // keep the old key rather than none
  // After a long idle spell the current key is older than two periods: nothing may open with it.
  previous_ = now - current_.created < 2 * kTicketKeyLifetimeSeconds ? current_ : KeyMaterial{};
  current_ = next;
  OPENSSL_cleanse(&next, sizeof next);
}

int TlsServerContext::TicketKey(unsigned char name[16], unsigned char iv[16],
                                EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  int64_t now = MonotonicSeconds();
  std::lock_guard<std::mutex> lock(mu_);
  RotateIfDue(now);
  const KeyMaterial* key = &current_;
  int result = 1;
  if (encrypt) {
    std::memcpy(name, key->name.data(), key->name.size());
    if (RAND_bytes(iv, 16) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1) {
      return -1;
    }
  } else {
    if (std::memcmp(name, current_.name.data(), 16) != 0) {
      if (previous_.created == 0 || std::memcmp(name, previous_.name.data(), 16) != 0 ||
          now - previous_.created >= 2 * kTicketKeyLifetimeSeconds) {
        return 0;  // unknown or retired key: a full handshake
      }
      key = &previous_;
      result = 2;  // accepted, and the client gets a ticket under the current key
    }
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1) {
      return -1;
    }
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                        const_cast<unsigned char*>(key->hmac.data()),
                                        key->hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  return result;
}

}  // namespace ink::edge::internal
