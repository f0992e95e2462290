#include "ink/edge/certificates.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "ink/common/json.h"
#include "ink/common/log.h"
#include "ink/edge/edge_status.h"
#include "tls.h"

namespace ink::edge {
namespace {

constexpr std::string_view kComponent = "edge.tls";
constexpr size_t kMaxFileBytes = 1 << 20;

bool IsHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    ++label;
  }
  return true;
}

// A password callback that refuses: an encrypted key is refused rather than prompting on a tty.
int NoPassword(char*, int, int, void*) { return -1; }

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

int64_t ToUnix(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The DNS names of `leaf`'s subjectAltName, for error messages and wildcard checks.
std::vector<std::string> DnsNames(X509* leaf) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr,
                                                            nullptr));
  if (sans == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
  }
  GENERAL_NAMES_free(sans);
  return names;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Parses one certificate file into `entry` (name, file and identity already set). "" on
// success, else why it was refused.
std::string LoadEntry(const std::string& text, int64_t now_unix, CertificateSet::Entry* entry) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return "no certificate (a PEM \"BEGIN CERTIFICATE\" block) in the file";
  }
  std::vector<X509Ptr> chain;
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr)) {
    chain.emplace_back(extra);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  std::unique_ptr<BIO, BioFree> key_bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr));
  if (!key) {
    ERR_clear_error();
    return "no private key (an unencrypted PEM \"BEGIN PRIVATE KEY\" block) in the file";
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    return "the private key does not match the certificate";
  }
  entry->not_after = ToUnix(X509_get0_notAfter(leaf.get()));
  if (entry->not_after <= now_unix) {
    return "the certificate expired at " + FormatUtc(entry->not_after);
  }
  if (entry->name.starts_with("*.")) {
    std::vector<std::string> names = DnsNames(leaf.get());
    bool covered = std::any_of(names.begin(), names.end(),
                               [&](const std::string& n) { return EqualsIgnoreCase(n, entry->name); });
    if (!covered) {
      std::string listed;
      for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
      return "the certificate does not name " + entry->name + " (its DNS names: " +
             (listed.empty() ? "none" : listed) + ")";
    }
  } else if (entry->name != "_default" &&
             X509_check_host(leaf.get(), entry->name.data(), entry->name.size(), 0, nullptr) != 1) {
    std::string listed;
    for (const auto& n : DnsNames(leaf.get())) listed += (listed.empty() ? "" : ", ") + n;
    return "the certificate does not cover " + entry->name + " (its DNS names: " +
           (listed.empty() ? "none" : listed) + ")";
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return "SSL_CTX_new failed: " + OpenSslError();
  std::shared_ptr<SSL_CTX> context(ctx, SSL_CTX_free);
  internal::ConfigureServerContext(ctx);
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return "the certificate is not usable: " + OpenSslError();
  }
  for (auto& extra : chain) {
    if (SSL_CTX_add1_chain_cert(ctx, extra.get()) != 1) {
      return "a chain certificate is not usable: " + OpenSslError();
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return "the private key is not usable: " + OpenSslError();
  }
  entry->context = std::move(context);
  return "";
}

// Reads `path` (a regular file, never a link, at most 1 MiB, not readable by group or others).
std::string ReadCertificateFile(const std::string& path, struct stat* st, std::string* text) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) return "is a symbolic link (write the file itself, with temp + rename)";
    return std::string("cannot be read: ") + std::strerror(errno);
  }
  std::string why;
  if (::fstat(fd, st) != 0) {
    why = std::string("cannot be read: ") + std::strerror(errno);
  } else if (!S_ISREG(st->st_mode)) {
    why = "is not a regular file";
  } else if ((st->st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st->st_mode & 07777));
    why = std::string("holds a private key but is readable by group or others (mode ") + mode +
          "); write it with mode 0600";
  } else if (static_cast<size_t>(st->st_size) > kMaxFileBytes) {
    why = "is larger than 1 MiB";
  } else {
    text->resize(static_cast<size_t>(st->st_size));
    size_t got = 0;
    while (got < text->size()) {
      ssize_t n = ::read(fd, text->data() + got, text->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    text->resize(got);
  }
  ::close(fd);
  return why;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string CertificateNameForFile(std::string_view file) {
  if (file.empty() || file.front() == '.' || !file.ends_with(".pem")) return "";
  std::string_view stem = file.substr(0, file.size() - 4);
  if (stem == "_default") return "_default";
  constexpr std::string_view kWildcard = "_wildcard.";
  bool wildcard = stem.starts_with(kWildcard);
  if (wildcard) stem.remove_prefix(kWildcard.size());
  if (!IsHostName(stem)) return "";
  return wildcard ? "*." + std::string(stem) : std::string(stem);
}

CertificateSet::CertificateSet(std::vector<Entry> entries) : entries_(std::move(entries)) {
  for (size_t i = 0; i < entries_.size(); ++i) by_name_.emplace(entries_[i].name, i);
}

const CertificateSet::Entry* CertificateSet::Get(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

const CertificateSet::Entry* CertificateSet::Match(std::string_view host) const {
  if (host.empty() || host.size() > 253) return nullptr;
  if (const Entry* exact = Get(host)) return exact;
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot + 1 >= host.size()) return nullptr;
  char wildcard[256] = {'*'};
  std::memcpy(wildcard + 1, host.data() + dot, host.size() - dot);
  return Get(std::string_view(wildcard, host.size() - dot + 1));
}

ssl_ctx_st* CertificateSet::Find(std::string_view server_name) const {
  const Entry* entry = Match(server_name);
  if (entry == nullptr) entry = Get("_default");
  return entry == nullptr ? nullptr : entry->context.get();
}

bool CertificateSet::Covers(std::string_view host) const { return Match(host) != nullptr; }

Result<CertificateLoad> LoadCertificateDirectory(const std::string& dir,
                                                 const CertificateSet* previous,
                                                 int64_t now_unix) {
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) {
    return Unavailable("cannot read certificate directory " + dir + ": " + std::strerror(errno));
  }
  std::vector<std::string> files;
  while (dirent* e = ::readdir(listing)) {
    if (!CertificateNameForFile(e->d_name).empty()) files.emplace_back(e->d_name);
  }
  ::closedir(listing);
  std::sort(files.begin(), files.end());
  CertificateLoad load;
  std::vector<CertificateSet::Entry> entries;
  for (const std::string& file : files) {
    CertificateSet::Entry entry;
    entry.name = CertificateNameForFile(file);
    entry.file = file;
    std::string path = dir + "/" + file;
    struct stat st {};
    std::string why;
    const CertificateSet::Entry* before = previous ? previous->Get(entry.name) : nullptr;
    // An unchanged file is not parsed again (only its expiry is checked).
    if (before != nullptr && ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & 077) == 0 && before->file == file &&
        before->dev == static_cast<uint64_t>(st.st_dev) &&
        before->ino == static_cast<uint64_t>(st.st_ino) && before->size == st.st_size &&
        before->mtime_ns == st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec) {
      if (before->not_after > now_unix) {
        entries.push_back(*before);
        continue;
      }
      why = "the certificate expired at " + FormatUtc(before->not_after);
    } else {
      std::string text;
      why = ReadCertificateFile(path, &st, &text);
      if (why.empty()) {
        entry.dev = static_cast<uint64_t>(st.st_dev);
        entry.ino = static_cast<uint64_t>(st.st_ino);
        entry.size = st.st_size;
        entry.mtime_ns = st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec;
        why = LoadEntry(text, now_unix, &entry);
        OPENSSL_cleanse(text.data(), text.size());
      }
      if (why.empty()) {
        entries.push_back(std::move(entry));
        continue;
      }
    }
    RejectedCertificate rejected{file, why, false};
    if (before != nullptr && before->not_after > now_unix) {
      entries.push_back(*before);  // a bad renewal must not take a working name down
      rejected.kept_previous = true;
    }
    load.rejected.push_back(std::move(rejected));
  }
  load.set = std::make_shared<const CertificateSet>(std::move(entries));
  return load;
}

void CertificateSetHolder::Publish(std::shared_ptr<const CertificateSet> set) {
  std::lock_guard<std::mutex> lock(mu_);
  set_ = std::move(set);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<const CertificateSet> CertificateSetHolder::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return set_;
}

CertificateWatcher::CertificateWatcher(std::string dir, CertificateSetHolder& holder,
                                       std::shared_ptr<EdgeStatusFile> status,
                                       std::chrono::milliseconds poll_interval)
    : dir_(std::move(dir)),
      holder_(holder),
      status_(std::move(status)),
      poll_interval_(poll_interval) {}

CertificateWatcher::~CertificateWatcher() { Stop(); }

namespace {

bool SameEntries(const CertificateSet& a, const CertificateSet& b) {
  if (a.entries().size() != b.entries().size()) return false;
  for (size_t i = 0; i < a.entries().size(); ++i) {
    if (a.entries()[i].context != b.entries()[i].context) return false;
  }
  return true;
}

bool SameRejections(const std::vector<RejectedCertificate>& a,
                    const std::vector<RejectedCertificate>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.file == y.file && x.reason == y.reason && x.kept_previous == y.kept_previous;
  });
}

}  // namespace

bool CertificateWatcher::Reload() {
  auto previous = holder_.Get();
  auto load = LoadCertificateDirectory(dir_, previous.get(), NowMillis() / 1000);
  if (!load.ok()) {
    if (dir_error_ != load.error().message) {
      dir_error_ = load.error().message;
      LogWarn(kComponent, dir_error_ + "; keeping the certificates loaded before");
      Report();
    }
    return false;
  }
  bool changed = !SameEntries(*load->set, *previous);
  bool rejections_changed = !SameRejections(load->rejected, rejected_);
  if (!changed && !rejections_changed && dir_error_.empty()) return false;
  for (const auto& r : load->rejected) {
    bool new_reason = std::none_of(rejected_.begin(), rejected_.end(), [&](const auto& old) {
      return old.file == r.file && old.reason == r.reason;
    });
    if (new_reason) {
      LogError(kComponent, "certificate " + dir_ + "/" + r.file + " skipped: " + r.reason +
                               (r.kept_previous ? " (the name keeps its previous certificate)" : ""));
    }
  }
  rejected_ = std::move(load->rejected);
  dir_error_.clear();
  if (changed) {
    LogInfo(kComponent, "loaded " + std::to_string(load->set->entries().size()) +
                            " certificates from " + dir_ + " (" + std::to_string(rejected_.size()) +
                            " skipped)");
    holder_.Publish(load->set);
  }
  Report();
  return changed;
}

void CertificateWatcher::Report() {
  if (status_ == nullptr) return;
  auto set = holder_.Get();
  Json loaded = Json::array();
  for (const auto& e : set->entries()) {
    loaded.push_back({{"name", e.name}, {"file", e.file}, {"not_after", e.not_after}});
  }
  Json rejected = Json::array();
  for (const auto& r : rejected_) {
    rejected.push_back({{"file", r.file}, {"reason", r.reason}, {"kept_previous", r.kept_previous}});
  }
  status_->Update({{"certificates",
                    {{"dir", dir_}, {"loaded", loaded}, {"rejected", rejected},
                     {"dir_error", dir_error_}}}});
}

Status CertificateWatcher::Start() {
  Reload();
  Report();
  return watch_.Start(dir_, poll_interval_, kComponent, nullptr, [this] { Reload(); });
}

void CertificateWatcher::Stop() { watch_.Stop(); }

}  // namespace ink::edge
