// The certificate manager (ink/acme/certificate_manager.h).
#include "ink/acme/certificate_manager.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/atomic_file.h"
#include "ink/common/log.h"

namespace ink::acme {
namespace {

namespace fs = std::filesystem;

constexpr char kWildcardPrefix[] = "_wildcard.";
constexpr char kSuffix[] = ".pem";

Status MakePrivateDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Internal("cannot make " + dir + " private: " + std::strerror(errno));
  }
  return {};
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string FormatTime(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  char buf[32];
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

CertificatePlan PlanCertificates(const std::vector<std::string>& wanted,
                                 const std::map<std::string, HeldCertificate>& held,
                                 const std::map<std::string, CertificateState>& states,
                                 int64_t now_ms) {
  CertificatePlan plan;
  for (const auto& name : wanted) {
    auto h = held.find(name);
    const bool usable = h != held.end() && now_ms < h->second.renew_at_ms &&
                        now_ms < h->second.not_after_ms;
    if (usable) continue;
    auto s = states.find(name);
    if (s != states.end() && s->second.failures > 0 && now_ms < s->second.next_try_ms) continue;
    plan.issue.push_back(name);
  }
  for (const auto& [name, cert] : held) {
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) plan.remove.push_back(name);
  }
  return plan;
}

std::chrono::milliseconds FailureBackoff(int failures) {
  using std::chrono::minutes;
  if (failures <= 1) return minutes(1);
  const int doublings = std::min(failures - 1, 9);  // 2^9 min > 6 h
  return std::min<std::chrono::milliseconds>(minutes(1) * (1 << doublings), std::chrono::hours(6));
}

std::string CertificateFileName(const std::string& name) {
  if (name.rfind("*.", 0) == 0) return kWildcardPrefix + name.substr(2) + kSuffix;
  return name + kSuffix;
}

std::optional<std::string> CertificateNameOf(const std::string& file_name) {
  const std::string suffix = kSuffix;
  if (file_name.size() <= suffix.size() || !file_name.ends_with(suffix) ||
      file_name.front() == '.' || file_name == "_default.pem") {
    return std::nullopt;
  }
  std::string name = file_name.substr(0, file_name.size() - suffix.size());
  if (name.rfind(kWildcardPrefix, 0) == 0) return "*." + name.substr(sizeof kWildcardPrefix - 1);
  if (name.front() == '_') return std::nullopt;
  return name;
}

Result<std::unique_ptr<CertificateManager>> CertificateManager::Create(
    CertificateManagerOptions options, const SecretBox& secrets, Clock& clock, WantedNames wanted,
    Report report) {
  if (options.directory_url.rfind("https://", 0) != 0) {
    return InvalidArgument("the ACME directory URL must be https://, e.g. "
                           "https://acme-v02.api.letsencrypt.org/directory");
  }
  INK_RETURN_IF_ERROR(MakePrivateDir(options.tls_dir));
  INK_RETURN_IF_ERROR(MakePrivateDir(options.state_dir));
  const std::string key_path = options.state_dir + "/account.key.sealed";
  std::optional<EcKey> key;
  if (auto sealed = ReadFile(key_path); sealed.ok()) {
    auto pem = secrets.Open(*sealed);
    if (!pem.ok()) {
      return FailedPrecondition(key_path + " cannot be opened with inkd's secret key (" +
                                pem.error().message + "); move it away to register a new "
                                "ACME account");
    }
    auto loaded = EcKey::FromPem(*pem);
    if (!loaded.ok()) return loaded.error();
    key.emplace(std::move(*loaded));
  } else {
    auto made = EcKey::Generate();
    if (!made.ok()) return made.error();
    INK_RETURN_IF_ERROR(WriteFileAtomically(key_path, secrets.Seal(made->PrivatePem()), 0600));
    key.emplace(std::move(*made));
  }
  return std::unique_ptr<CertificateManager>(new CertificateManager(
      std::move(options), std::move(*key), clock, std::move(wanted), std::move(report)));
}

CertificateManager::CertificateManager(CertificateManagerOptions options, EcKey account_key,
                                       Clock& clock, WantedNames wanted, Report report)
    : options_(std::move(options)),
      account_key_(std::move(account_key)),
      clock_(clock),
      wanted_(std::move(wanted)),
      report_(std::move(report)) {
  transport_ = MakeHttpsTransport(options_.ca);
  client_ = std::make_unique<AcmeClient>(
      *transport_, account_key_, clock_,
      AcmeOptions{.directory_url = options_.directory_url,
                  .contact_email = options_.contact_email,
                  .http01 = options_.http01,
                  .dns = options_.dns,
                  .dns_zone = options_.dns_zone,
                  .order_timeout = options_.order_timeout});
}

CertificateManager::~CertificateManager() { Stop(); }

void CertificateManager::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      woken_ = false;
      lock.unlock();
      RunOnce();
      lock.lock();
      wake_.wait_for(lock, options_.interval, [this] { return stopping_ || woken_; });
    }
  });
}

void CertificateManager::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CertificateManager::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::optional<CertificateState> CertificateManager::State(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(name);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, HeldCertificate> CertificateManager::ReadHeld() {
  std::map<std::string, HeldCertificate> held;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.tls_dir, ec)) {
    auto name = CertificateNameOf(entry.path().filename().string());
    if (!name || !entry.is_regular_file()) continue;
    auto pem = ReadFile(entry.path().string());
    if (!pem.ok()) continue;
    auto validity = LeafValidity(*pem);
    if (!validity.ok()) continue;  // unusable: planned as missing, so it is issued again
    held[*name] = {validity->not_after_ms, RenewalTime(*validity)};
  }
  return held;
}

Status CertificateManager::Write(const std::string& name, const EcKey& key,
                                 const IssuedCertificate& issued) {
  return WriteFileAtomically(options_.tls_dir + "/" + CertificateFileName(name),
                      key.PrivatePem() + issued.chain_pem, 0600);
}

int CertificateManager::RunOnce() {
  std::lock_guard pass(pass_mu_);
  std::vector<std::string> wanted = wanted_();
  std::map<std::string, HeldCertificate> held = ReadHeld();
  std::map<std::string, CertificateState> states;
  {
    std::lock_guard lock(mu_);
    // Names no longer wanted are forgotten; held ones are shown as issued.
    for (auto it = states_.begin(); it != states_.end();) {
      it = std::find(wanted.begin(), wanted.end(), it->first) == wanted.end() ? states_.erase(it)
                                                                              : std::next(it);
    }
    for (const auto& name : wanted) {
      CertificateState& s = states_[name];
      auto h = held.find(name);
      if (h != held.end()) {
        s.not_after_ms = h->second.not_after_ms;
        s.renew_at_ms = h->second.renew_at_ms;
        if (s.failures == 0) s.status = "issued";
      } else if (s.status.empty()) {
        s.status = "pending";
      }
    }
    states = states_;
  }
  const int64_t now = clock_.NowMillis();
  CertificatePlan plan = PlanCertificates(wanted, held, states, now);
  for (const auto& name : plan.remove) {
    const std::string path = options_.tls_dir + "/" + CertificateFileName(name);
    if (::unlink(path.c_str()) == 0) LogInfo("acme", "removed the certificate of " + name);
  }
  int issued_count = 0;
  for (const auto& name : plan.issue) {
    auto key = EcKey::Generate();
    Result<IssuedCertificate> issued =
        key.ok() ? client_->Issue({name}, *key) : Result<IssuedCertificate>(key.error());
    Status written = issued.ok() ? Write(name, *key, *issued) : Status(issued.error());
    std::lock_guard lock(mu_);
    CertificateState& s = states_[name];
    if (written.ok()) {
      ++issued_count;
      const bool renewal = s.not_after_ms != 0;
      s = {.status = "issued",
           .error = "",
           .not_after_ms = issued->validity.not_after_ms,
           .renew_at_ms = issued->renew_at_ms};
      const std::string message = std::string(renewal ? "certificate renewed" : "certificate issued") +
                                  " for " + name + ", valid until " +
                                  FormatTime(issued->validity.not_after_ms) + ", renewed from " +
                                  FormatTime(issued->renew_at_ms);
      LogInfo("acme", message);
      if (report_) report_(name, "certificate_issued", message);
    } else {
      ++s.failures;
      s.status = s.not_after_ms != 0 && now < s.not_after_ms ? "issued" : "failed";
      s.error = written.error().message;
      s.next_try_ms = clock_.NowMillis() + FailureBackoff(s.failures).count();
      const std::string message =
          "certificate for " + name + " failed (attempt " + std::to_string(s.failures) +
          ", next in " + std::to_string(FailureBackoff(s.failures).count() / 60000) + " min" +
          (s.status == "issued" ? "; the current certificate is still served" : "") +
          "): " + s.error;
      LogWarn("acme", message);
      if (report_) report_(name, "certificate_failed", message);
    }
  }
  return issued_count;
}

}  // namespace ink::acme
