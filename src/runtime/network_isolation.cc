#include "network_isolation.h"

#include <mutex>
#include <vector>

#include "ink/common/subprocess.h"

namespace ink {
namespace {

using Args = std::vector<std::string>;

Result<ProcessResult> Iptables(const Args& args) {
  Args argv = {"iptables", "-w", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, std::chrono::seconds(15));
}

// Adds `spec` to `chain` (first if `first`, else last) unless `iptables -C` finds it there.
Status EnsureRule(const std::string& chain, const Args& spec, bool first) {
  Args check = {"-C", chain};
  check.insert(check.end(), spec.begin(), spec.end());
  auto present = Iptables(check);
  if (!present.ok()) return present.error();
  if (present->exit_code == 0) return {};
  Args add = first ? Args{"-I", chain, "1"} : Args{"-A", chain};
  add.insert(add.end(), spec.begin(), spec.end());
  auto added = Iptables(add);
  if (!added.ok()) return added.error();
  if (added->exit_code != 0) {
    return Unavailable("cannot add the network isolation rule to " + chain + ": " + added->output);
  }
  return {};
}

std::mutex g_mu;  // serialises check-then-add sequences within this process

}  // namespace

Status IsolateBridge(const std::string& bridge) {
  if (bridge.empty()) return Internal("network has no bridge interface to isolate");
  std::lock_guard lock(g_mu);
  for (const char* chain : {"INK-ISOLATION-1", "INK-ISOLATION-2"}) {
    auto listed = Iptables({"-n", "-L", chain});
    if (!listed.ok()) return listed.error();
    if (listed->exit_code != 0) {
      auto created = Iptables({"-N", chain});
      if (!created.ok()) return created.error();
    }
  }
  INK_RETURN_IF_ERROR(EnsureRule("FORWARD", {"-j", "INK-ISOLATION-1"}, true));
  INK_RETURN_IF_ERROR(EnsureRule(
      "INK-ISOLATION-1", {"-i", bridge, "!", "-o", bridge, "-j", "INK-ISOLATION-2"}, false));
  return EnsureRule("INK-ISOLATION-2", {"-o", bridge, "-j", "DROP"}, false);
}

void ForgetBridge(const std::string& bridge) {
  if (bridge.empty()) return;
  std::lock_guard lock(g_mu);
  (void)Iptables(
      {"-D", "INK-ISOLATION-1", "-i", bridge, "!", "-o", bridge, "-j", "INK-ISOLATION-2"});
  (void)Iptables({"-D", "INK-ISOLATION-2", "-o", bridge, "-j", "DROP"});
}

}  // namespace ink
