#include "ink/runtime/fake_runtime.h"

namespace ink {

Status FakeRuntime::Enter(const std::string& call, const std::string& subject) {
  Hook hook;
  {
    std::lock_guard lock(mu_);
    ++calls_[call];
    ++total_calls_;
    hook = hook_;
  }
  return hook ? hook(call, subject) : Status{};
}

Status FakeRuntime::Ping() { return Enter("Ping", ""); }

Status FakeRuntime::EnsureNetwork(const std::string& name,
                                  const std::map<std::string, std::string>&) {
  INK_RETURN_IF_ERROR(Enter("EnsureNetwork", name));
  std::lock_guard lock(mu_);
  networks_.insert(name);
  return {};
}

Status FakeRuntime::RemoveNetwork(const std::string& name) {
  INK_RETURN_IF_ERROR(Enter("RemoveNetwork", name));
  std::lock_guard lock(mu_);
  networks_.erase(name);
  return {};
}

Status FakeRuntime::PullImage(const std::string& reference, const std::optional<RegistryAuth>&) {
  INK_RETURN_IF_ERROR(Enter("PullImage", reference));
  std::lock_guard lock(mu_);
  if (missing_images_.count(reference)) return NotFound("manifest unknown: " + reference);
  return {};
}

Status FakeRuntime::CheckRegistryImage(const std::string& reference,
                                       const std::optional<RegistryAuth>&) {
  INK_RETURN_IF_ERROR(Enter("CheckRegistryImage", reference));
  std::lock_guard lock(mu_);
  if (missing_images_.count(reference)) {
    return InvalidArgument("image '" + reference + "' was not found in its registry");
  }
  return {};
}

Result<bool> FakeRuntime::ImageExists(const std::string& reference) {
  INK_RETURN_IF_ERROR(Enter("ImageExists", reference));
  std::lock_guard lock(mu_);
  return !missing_images_.count(reference);
}

Result<std::string> FakeRuntime::CreateContainer(const ContainerSpec& spec) {
  INK_RETURN_IF_ERROR(Enter("CreateContainer", spec.name));
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : containers_) {
    if (c.name == spec.name) {
      return AlreadyExists("the container name \"" + spec.name + "\" is already in use");
    }
  }
  std::string id = "ctr" + std::to_string(++next_id_);
  ContainerInfo info;
  info.id = id;
  info.name = spec.name;
  info.image = spec.image;
  info.labels = spec.labels;
  info.state = "created";
  info.oci_runtime = spec.runtime_class == "runc" ? "crun" : "runsc-hostnet";
  containers_[id] = info;
  specs_[id] = spec;
  return id;
}

Status FakeRuntime::BringUpLoopback(const std::string& id) {
  INK_RETURN_IF_ERROR(Enter("BringUpLoopback", id));
  std::lock_guard lock(mu_);
  if (!containers_.count(id)) return NotFound("no such container " + id);
  return {};
}

Status FakeRuntime::StartContainer(const std::string& id) {
  INK_RETURN_IF_ERROR(Enter("StartContainer", id));
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return NotFound("no such container " + id);
  ContainerInfo& c = it->second;
  int n = std::stoi(id.substr(3));
  c.state = "running";
  c.ip_address = "10.88." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 2);
  c.pid = 1000 + n;
  c.started_at = 1;
  auto crash = crash_on_start_.find(c.image);
  if (crash != crash_on_start_.end()) {
    c.state = "exited";
    c.exit_code = crash->second;
    c.ip_address.clear();
  }
  return {};
}

Status FakeRuntime::StopContainer(const std::string& id, int) {
  INK_RETURN_IF_ERROR(Enter("StopContainer", id));
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return NotFound("no such container " + id);
  it->second.state = "exited";
  it->second.ip_address.clear();
  return {};
}

Status FakeRuntime::RemoveContainer(const std::string& id, bool) {
  INK_RETURN_IF_ERROR(Enter("RemoveContainer", id));
  std::lock_guard lock(mu_);
  containers_.erase(id);
  return {};
}

Result<std::vector<ContainerInfo>> FakeRuntime::ListContainers(
    const std::map<std::string, std::string>& label_filter) {
  INK_RETURN_IF_ERROR(Enter("ListContainers", ""));
  std::lock_guard lock(mu_);
  std::vector<ContainerInfo> out;
  for (const auto& [id, c] : containers_) {
    bool match = true;
    for (const auto& [k, v] : label_filter) {
      auto l = c.labels.find(k);
      match = match && l != c.labels.end() && l->second == v;
    }
    if (match) out.push_back(c);
  }
  return out;
}

Result<ContainerInfo> FakeRuntime::InspectContainer(const std::string& id) {
  INK_RETURN_IF_ERROR(Enter("InspectContainer", id));
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return NotFound("no such container " + id);
  return it->second;
}

Status FakeRuntime::StreamLogs(const std::string& id, const LogOptions&,
                               const LogLineCallback& on_line) {
  INK_RETURN_IF_ERROR(Enter("StreamLogs", id));
  std::vector<std::string> lines;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find(id);
    if (it != logs_.end()) lines = it->second;
  }
  for (const auto& line : lines) {
    if (!on_line("stdout", line)) break;
  }
  return {};
}

Result<ExecResult> FakeRuntime::Exec(const std::string& id, const ExecRequest& request) {
  INK_RETURN_IF_ERROR(Enter("Exec", id));
  ExecFunction exec;
  {
    std::lock_guard lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return NotFound("no such container " + id);
    if (it->second.state != "running") {
      return FailedPrecondition("container " + id + " is " + it->second.state + ", not running");
    }
    exec = exec_;
  }
  if (exec) return exec(id, request);
  ExecResult result;
  for (const auto& arg : request.argv) {
    result.stdout_data += (result.stdout_data.empty() ? "" : " ") + arg;
  }
  return result;
}

void FakeRuntime::SetExec(ExecFunction exec) {
  std::lock_guard lock(mu_);
  exec_ = std::move(exec);
}

void FakeRuntime::SetHook(Hook hook) {
  std::lock_guard lock(mu_);
  hook_ = std::move(hook);
}

void FakeRuntime::SetMissingImage(const std::string& reference) {
  std::lock_guard lock(mu_);
  missing_images_.insert(reference);
}

void FakeRuntime::Crash(const std::string& id, int exit_code, bool oom) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  it->second.state = "exited";
  it->second.exit_code = exit_code;
  it->second.oom_killed = oom;
  it->second.ip_address.clear();
}

void FakeRuntime::CrashOnStart(const std::string& image, int exit_code) {
  std::lock_guard lock(mu_);
  crash_on_start_[image] = exit_code;
}

void FakeRuntime::SetLogs(const std::string& id, std::vector<std::string> lines) {
  std::lock_guard lock(mu_);
  logs_[id] = std::move(lines);
}

std::map<std::string, ContainerInfo> FakeRuntime::containers() const {
  std::lock_guard lock(mu_);
  return containers_;
}

std::map<std::string, ContainerSpec> FakeRuntime::specs() const {
  std::lock_guard lock(mu_);
  return specs_;
}

std::set<std::string> FakeRuntime::networks() const {
  std::lock_guard lock(mu_);
  return networks_;
}

std::map<std::string, int> FakeRuntime::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

int FakeRuntime::total_calls() const {
  std::lock_guard lock(mu_);
  return total_calls_;
}

void Gate::Open() {
  std::lock_guard lock(mu_);
  open_ = true;
  cv_.notify_all();
}

void Gate::Close() {
  std::lock_guard lock(mu_);
  open_ = false;
}

void Gate::Pass() {
  std::unique_lock lock(mu_);
  ++waiting_;
  cv_.notify_all();
  cv_.wait(lock, [this] { return open_; });
  --waiting_;
  cv_.notify_all();
}

int Gate::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

void Gate::WaitForWaiting(int count) const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return waiting_ >= count; });
}

}  // namespace ink
