// CertificateManager: keeps a certificate for every name Ink serves over HTTPS, in the directory
// ink-edge loads them from (ink-edge --tls-dir; the contract is in docs/ARCHITECTURE.md: one
// file DIR/<name>.pem holding the key and the chain, leaf first, mode 0600, written with temp +
// rename; `_wildcard.<zone>.pem` for "*.<zone>").
//
// Which names: a function the owner passes (inkd: its verified domains, and the platform's
// wildcard when it has a DNS provider for DNS-01). Certificates are only ever requested for
// those names, never for whatever SNI a client sends. Each pass (every `interval`, or at once
// after Wake) plans with PlanCertificates (pure, below): a wanted name without a usable
// certificate, or past its renewal time (2/3 of the validity), is issued through AcmeClient;
// a failure backs off (1 min doubling to 6 h) and keeps the old certificate served; a file of a
// name no longer wanted is removed. Outcomes go to `report` (inkd: events on the domain's
// service, with the CA's problem document) and to State() (list_domains shows it).
//
// At rest: the ACME account key is sealed with inkd's SecretBox (DATA/acme/account.key.sealed);
// a certificate's key exists only in its edge file (0600 in a 0700 directory), which the edge
// must read in clear, so sealing it would only move the clear copy.
//
// Thread contract: Start/Stop/Wake from any thread; one pass at a time on the manager's thread
// (RunOnce is for tests that drive passes themselves instead of Start); State() any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ink/acme/acme_client.h"
#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "ink/common/secret_box.h"

namespace ink::acme {

struct CertificateState {
  std::string status;  // "pending" (not issued yet), "issued", "failed" (see error)
  std::string error;   // the last failure, with the CA's problem; "" after a success
  int64_t not_after_ms = 0;  // of the certificate served (0: none)
  int64_t renew_at_ms = 0;
  int failures = 0;          // in a row
  int64_t next_try_ms = 0;   // after a failure: not before
};

// What a certificate on disk says about itself.
struct HeldCertificate {
  int64_t not_after_ms = 0;
  int64_t renew_at_ms = 0;
};

struct CertificatePlan {
  std::vector<std::string> issue;   // wanted names to (re)issue now, in wanted order
  std::vector<std::string> remove;  // held names no longer wanted
};

// Pure: what a pass does at `now_ms`. A wanted name is issued when it has no held certificate,
// or the held one is past renew_at or expired, unless a failure's next_try_ms is still ahead.
CertificatePlan PlanCertificates(const std::vector<std::string>& wanted,
                                 const std::map<std::string, HeldCertificate>& held,
                                 const std::map<std::string, CertificateState>& states,
                                 int64_t now_ms);
// After `failures` failures in a row: 1 min, 2, 4, ... at most 6 h.
std::chrono::milliseconds FailureBackoff(int failures);
// "www.example.com" → "www.example.com.pem"; "*.apps.example.com" → "_wildcard.apps.example.com.pem".
std::string CertificateFileName(const std::string& name);
// The reverse for a file the manager wrote; nullopt for any other file (temp files, _default).
std::optional<std::string> CertificateNameOf(const std::string& file_name);

struct CertificateManagerOptions {
  std::string tls_dir;    // ink-edge's --tls-dir (created 0700)
  std::string state_dir;  // the sealed account key (created 0700)
  std::string directory_url;
  std::string contact_email;
  http::TlsOptions ca;    // whom to trust for the ACME server's HTTPS
  Http01Responder* http01 = nullptr;
  dns::DnsProvider* dns = nullptr;  // DNS-01 for names in dns_zone (and wildcards)
  std::string dns_zone;
  std::chrono::seconds interval{30};
  std::chrono::minutes order_timeout{3};
};

class CertificateManager {
 public:
  using WantedNames = std::function<std::vector<std::string>()>;
  // kind: "certificate_issued" or "certificate_failed".
  using Report =
      std::function<void(const std::string& name, const std::string& kind, const std::string& message)>;

  // Loads (or creates and seals) the account key and makes the directories.
  static Result<std::unique_ptr<CertificateManager>> Create(CertificateManagerOptions options,
                                                            const SecretBox& secrets, Clock& clock,
                                                            WantedNames wanted, Report report);
  ~CertificateManager();

  void Start();
  void Stop();
  void Wake();  // a pass soon (a domain was verified or removed)
  // One pass now, on the caller's thread; returns how many certificates were issued.
  int RunOnce();
  std::optional<CertificateState> State(const std::string& name) const;

 private:
  CertificateManager(CertificateManagerOptions options, EcKey account_key, Clock& clock,
                     WantedNames wanted, Report report);
  std::map<std::string, HeldCertificate> ReadHeld();
  Status Write(const std::string& name, const EcKey& key, const IssuedCertificate& issued);

  CertificateManagerOptions options_;
  EcKey account_key_;
  Clock& clock_;
  WantedNames wanted_;
  Report report_;
  std::unique_ptr<AcmeTransport> transport_;
  std::unique_ptr<AcmeClient> client_;  // the loop's (one thread at a time)

  mutable std::mutex mu_;
  std::map<std::string, CertificateState> states_;  // guarded by mu_
  std::condition_variable wake_;
  bool stopping_ = false, woken_ = false;  // guarded by mu_
  std::mutex pass_mu_;  // one pass at a time
  std::thread thread_;
};

}  // namespace ink::acme
