// Certificates for ink-edge's TLS listener: the directory contract, the immutable snapshot the
// workers choose from by SNI, and the watcher that rebuilds it when files change.
//
// The directory (ink-edge --tls-dir, inkd passes DATA/tls, mode 0700) holds one file per
// certificate, written by inkd's certificate manager with temp + rename so a reader never sees
// half of one:
//   <name>.pem          the private key (PEM, any OpenSSL reads: PKCS#8, EC, RSA) and the
//                       certificate chain (PEM, leaf first, then intermediates), in one file,
//                       mode 0600 (a file readable by group or others is refused);
//   <name>              the host name it serves, lowercase ASCII (punycode for IDNs), e.g.
//                       app.example.com.pem; "_wildcard.<zone>" for "*.<zone>"
//                       (_wildcard.apps.example.com.pem serves x.apps.example.com); "_default"
//                       for the certificate served when no name matches (only if an operator
//                       puts one there: without it such a handshake fails);
//   anything else       ignored: names starting with '.' or not ending in ".pem" (temp files
//                       such as .app.example.com.pem.tmp).
// Key and chain in one file make a renewal one rename: there is never a new certificate beside
// an old key. A file is refused (and reported) when it cannot be read, holds no key or no
// certificate, the key does not match the leaf, the leaf has expired, or the leaf does not cover
// the file's name (X509_check_host; for "_wildcard.<zone>" a SAN of exactly "*.<zone>"). A
// refused file's name keeps the certificate it had in the previous snapshot, if any, so a bad
// renewal never takes a working name down.
//
// Threads: a CertificateSet is never modified after it is built and is shared as
// shared_ptr<const CertificateSet>; CertificateSetHolder publishes one to the workers (generation
// polled lock-free, like RouteTableHolder). CertificateWatcher has one background thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ink/common/result.h"
#include "ink/edge/directory_watch.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace ink::edge {

class EdgeStatusFile;

// The host name a certificate file serves: "app.example.com.pem" → "app.example.com",
// "_wildcard.example.com.pem" → "*.example.com", "_default.pem" → "_default"; "" when the file
// is not a certificate file (ignored) or its name is not a valid lowercase host name.
std::string CertificateNameForFile(std::string_view file_name);

class CertificateSet {
 public:
  struct Entry {
    std::string name;  // "app.example.com", "*.example.com" or "_default"
    std::string file;  // base name in the directory
    std::shared_ptr<ssl_ctx_st> context;
    int64_t not_after = 0;  // the leaf's expiry, Unix seconds
    // Identity of the file it was loaded from (unchanged files are not parsed again).
    uint64_t dev = 0, ino = 0;
    int64_t size = 0, mtime_ns = 0;
  };
  CertificateSet() = default;
  explicit CertificateSet(std::vector<Entry> entries);

  // The context for an SNI name (lowercase, no trailing dot): the exact name, else the wildcard
  // one label up ("a.b.c" → "*.b.c"), else the "_default" certificate; null when none (the
  // handshake is then refused).
  ssl_ctx_st* Find(std::string_view server_name) const;
  // True when `host` (normalized) has its own certificate, exact or wildcard; the default one
  // does not count. Plain HTTP to such a host is redirected to https, and HSTS is sent.
  bool Covers(std::string_view host) const;
  const Entry* Get(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  const Entry* Match(std::string_view host) const;
  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, size_t> by_name_;  // keys point into entries_
};

struct RejectedCertificate {
  std::string file;
  std::string reason;
  bool kept_previous = false;  // the name keeps the certificate of the previous snapshot
};

struct CertificateLoad {
  std::shared_ptr<const CertificateSet> set;
  std::vector<RejectedCertificate> rejected;
};

// Reads every certificate file of `dir` into a new set (see the contract above); entries of
// `previous` whose file is unchanged are reused, and a refused file keeps its name's previous
// entry. `now_unix` decides expiry. An unreadable directory is an error (nothing changes).
Result<CertificateLoad> LoadCertificateDirectory(const std::string& dir,
                                                 const CertificateSet* previous, int64_t now_unix);

// Publishes the current CertificateSet to the workers.
class CertificateSetHolder {
 public:
  CertificateSetHolder() : set_(std::make_shared<const CertificateSet>()) {}
  void Publish(std::shared_ptr<const CertificateSet> set);
  // The current set. Thread-safe.
  std::shared_ptr<const CertificateSet> Get() const;
  // Increases by one on every Publish. Thread-safe, lock-free.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const CertificateSet> set_;  // guarded by mu_
  std::atomic<uint64_t> generation_{1};
};

// Keeps a CertificateSetHolder in step with the directory: inotify on it plus a rescan every
// `poll_interval` (which also notices expiry). After each load it reports, under the key
// "certificates" of the status file (edge-status.json, shared with the RouteWatcher):
//   {"dir": "...", "loaded": [{"name", "file", "not_after"}], "rejected": [{"file", "reason",
//    "kept_previous"}], "dir_error": ""}
// Start/Stop from the owning thread only.
class CertificateWatcher {
 public:
  // `status` may be null (no report).
  CertificateWatcher(std::string dir, CertificateSetHolder& holder,
                     std::shared_ptr<EdgeStatusFile> status,
                     std::chrono::milliseconds poll_interval = std::chrono::milliseconds(1000));
  ~CertificateWatcher();
  CertificateWatcher(const CertificateWatcher&) = delete;
  CertificateWatcher& operator=(const CertificateWatcher&) = delete;

  // Loads the directory once and starts the watch thread.
  Status Start();
  // Stops and joins the watch thread. Idempotent.
  void Stop();
  // Rescans now; publishes a new set when something changed (true). Public for tests.
  bool Reload();

 private:
  void Report();

  std::string dir_;
  CertificateSetHolder& holder_;
  std::shared_ptr<EdgeStatusFile> status_;
  std::chrono::milliseconds poll_interval_;
  DirectoryWatch watch_;
  // Watch thread only (or Start before it runs).
  std::vector<RejectedCertificate> rejected_;
  std::string dir_error_;
  std::string last_report_;
};

}  // namespace ink::edge
