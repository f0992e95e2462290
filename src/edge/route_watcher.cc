#include "ink/edge/route_watcher.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "ink/common/json.h"
#include "ink/common/log.h"
#include "ink/edge/edge_status.h"

namespace ink::edge {
namespace {

constexpr std::string_view kComponent = "edge.routes";

bool ReadWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RouteWatcher::RouteWatcher(std::string path, RouteTableHolder& holder,
                           std::chrono::milliseconds poll_interval, std::string status_path)
    : path_(std::move(path)),
      status_path_(std::move(status_path)),
      holder_(holder),
      poll_interval_(poll_interval) {
  size_t slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  if (status_path_.empty()) status_path_ = dir_ + "/edge-status.json";
  status_ = std::make_shared<EdgeStatusFile>(status_path_);
}

RouteWatcher::~RouteWatcher() { Stop(); }

bool RouteWatcher::ReloadIfChanged() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    FileId missing;
    if (!(last_ == missing) || loaded_at_ == 0) {
      std::string why = "route file " + path_ + " is missing (" + std::strerror(errno) + ")";
      if (!(last_ == missing)) LogWarn(kComponent, why + "; keeping the last good table");
      last_ = missing;
      if (file_error_ != why) {
        file_error_ = why;
        WriteStatus();
      }
    }
    return false;
  }
  FileId id{static_cast<unsigned long>(st.st_dev), static_cast<unsigned long>(st.st_ino),
            static_cast<long>(st.st_size),
            static_cast<long>(st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec)};
  if (id == last_) return false;
  last_ = id;
  std::string text;
  if (!ReadWholeFile(path_, &text)) {
    file_error_ = "cannot read route file " + path_ + ": " + std::strerror(errno);
    LogWarn(kComponent, file_error_ + "; keeping the last good table");
    WriteStatus();
    return false;
  }
  auto file = ParseRouteFile(text);
  if (!file.ok()) {
    file_error_ = "route file " + path_ + " rejected: " + file.error().message;
    LogError(kComponent, file_error_ + "; keeping the last good table");
    WriteStatus();
    return false;
  }
  // A skipped entry's host keeps serving what it served before rather than turning into a 404.
  std::shared_ptr<const RouteTable> table = std::move(file->table);
  std::vector<Rejection> rejected;
  std::vector<Route> kept;
  auto previous = holder_.Get();
  for (auto& r : file->rejected) {
    Rejection rejection{std::move(r), false};
    char buf[256];
    std::string_view host = NormalizeHost(rejection.route.host, buf, sizeof buf);
    if (!host.empty() && table->Find(host) == nullptr) {
      const Route* before = previous->Find(host);
      bool already =
          std::any_of(kept.begin(), kept.end(), [&](const Route& k) { return k.host == host; });
      if (before != nullptr && !already) {
        kept.push_back(*before);
        rejection.kept_previous = true;
      }
    }
    LogError(kComponent,
             "route file " + path_ + ": skipped " + rejection.route.reason +
                 (rejection.kept_previous ? " (the host keeps its previous route)" : ""));
    rejected.push_back(std::move(rejection));
  }
  if (!kept.empty()) {
    std::vector<Route> routes = table->routes();
    for (auto& k : kept) routes.push_back(std::move(k));
    table = std::make_shared<const RouteTable>(table->version(), std::move(routes));
  }
  LogInfo(kComponent, "loaded route table version " + std::to_string(table->version()) + " (" +
                          std::to_string(table->routes().size()) + " routes, " +
                          std::to_string(rejected.size()) + " entries skipped)");
  loaded_version_ = table->version();
  loaded_routes_ = table->routes().size();
  loaded_at_ = NowMillis();
  rejected_ = std::move(rejected);
  file_error_.clear();
  holder_.Publish(std::move(table));
  WriteStatus();
  return true;
}

void RouteWatcher::WriteStatus() {
  Json rejected = Json::array();
  for (const auto& r : rejected_) {
    rejected.push_back({{"index", r.route.index},
                        {"host", r.route.host},
                        {"reason", r.route.reason},
                        {"kept_previous", r.kept_previous}});
    if (rejected.size() >= 1000) break;  // the count below still says how many
  }
  status_->Update(
      {{"routes_file", path_},
       {"loaded",
        {{"version", loaded_version_}, {"routes", loaded_routes_}, {"loaded_at", loaded_at_}}},
       {"rejected", rejected},
       {"rejected_count", rejected_.size()},
       {"file_error", file_error_}});
}

void EdgeStatusFile::Update(const Json& fields) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = fields.begin(); it != fields.end(); ++it) current_[it.key()] = it.value();
  current_["pid"] = static_cast<int64_t>(::getpid());
  current_["updated_at"] = NowMillis();
  // invalid UTF-8 from a hostile file must not throw: replace it.
  std::string text = current_.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  for (size_t off = 0; ok && off < text.size();) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    off += ok ? static_cast<size_t>(n) : 0;
  }
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    LogWarn(kComponent, "cannot write status file " + path_ + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
  }
}

Status RouteWatcher::Start() {
  ReloadIfChanged();
  return watch_.Start(
      dir_, poll_interval_, kComponent, [this](std::string_view name) { return name == base_; },
      [this] { ReloadIfChanged(); });
}

void RouteWatcher::Stop() { watch_.Stop(); }

}  // namespace ink::edge
