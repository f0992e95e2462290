// Internal to ink-edge: the TLS side of the listener (OpenSSL).
//
// One TlsServerContext per EdgeServer holds the SSL_CTX every TLS connection starts from: it
// carries no certificate, only the protocol settings (TLS 1.2 and 1.3, forward-secret ciphers,
// no renegotiation, no compression), the SNI callback and the session-ticket keys. The SNI
// callback looks the name up in the CertificateSet snapshot of the worker that accepted the
// connection (SSL app data points at that worker's cached snapshot) and switches the
// connection to that certificate's SSL_CTX; no match fails the handshake with an
// unrecognized_name alert, so one tenant's certificate is never shown for another's name.
// Because tickets are sealed and opened with the base context's keys (OpenSSL uses the initial
// context for them), resumption survives certificate swaps.
//
// Ticket keys (AES-256-CBC + HMAC-SHA256, RFC 5077 layout) live in memory only: a new key every
// `kTicketKeyLifetimeSeconds`, the previous one still accepted (and its tickets renewed), so a ticket
// lives at most two periods and a restart of ink-edge forgets them all. The key ring has a mutex:
// a handshake takes it once or twice, which is noise next to the handshake itself.
//
// Threads: the context is built before the workers start and then only read; OpenSSL's SSL_CTX
// is safe to use from several threads for new connections. Each SSL* belongs to one worker.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

#include "ink/common/result.h"
#include "ink/edge/certificates.h"

namespace ink::edge::internal {

struct Connection;

// Applies the protocol settings every server context shares (versions, ciphers, options, ALPN
// http/1.1, session id context) to `ctx`: the base context and each certificate's.
void ConfigureServerContext(SSL_CTX* ctx);

class TlsServerContext {
 public:
  static Result<std::unique_ptr<TlsServerContext>> Create();
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // A new server-side SSL for the accepted socket c->fd; `certificates` is the accepting
  // worker's snapshot pointer, read by the SNI callback (the worker owns both, so it outlives
  // the handshake). The SSL talks to the socket through a BIO of ours: send() with
  // MSG_NOSIGNAL (OpenSSL's socket BIO uses write(), and a peer gone mid-handshake would raise
  // SIGPIPE in a process that has not ignored it), and a short recv() sets c->tls_drained, so
  // the worker knows the socket is empty without another recv() that returns EAGAIN.
  // Null when OpenSSL fails (out of memory).
  SSL* NewConnection(Connection* c,
                     const std::shared_ptr<const CertificateSet>* certificates) const;

  // Ticket-key callback (OpenSSL 3 EVP form); public for the C callback shim.
  int TicketKey(unsigned char name[16], unsigned char iv[16], EVP_CIPHER_CTX* cipher,
                EVP_MAC_CTX* mac, int encrypt);

  static constexpr int64_t kTicketKeyLifetimeSeconds = 3600;

 private:
  TlsServerContext() = default;
  struct KeyMaterial {
    std::array<unsigned char, 16> name{};
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 32> hmac{};
    int64_t created = 0;  // CLOCK_MONOTONIC seconds
  };
  bool NewKey(KeyMaterial* key, int64_t now);
  void RotateIfDue(int64_t now);  // holds mu_

  SSL_CTX* ctx_ = nullptr;
  std::mutex mu_;
  KeyMaterial current_;   // guarded by mu_
  KeyMaterial previous_;  // guarded by mu_; created == 0: none
};

}  // namespace ink::edge::internal
