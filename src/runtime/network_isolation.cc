#include "network_isolation.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <vector>

#include "ink/common/file_lock.h"
#include "ink/common/subprocess.h"

namespace ink {
namespace {

using Args = std::vector<std::string>;

Result<ProcessResult> Iptables(const Args& args) {
  Args argv = {"iptables", "-w", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, std::chrono::seconds(15));
}

Args WithComment(Args spec, const std::string& comment) {
  spec.insert(spec.end(), {"-m", "comment", "--comment", "ink: " + comment});
  return spec;
}

// True if `spec` is in `chain`.
Result<bool> HasRule(const std::string& chain, const Args& spec) {
  Args check = {"-C", chain};
  check.insert(check.end(), spec.begin(), spec.end());
  auto present = Iptables(check);
  if (!present.ok()) return present.error();
  return present->exit_code == 0;
}

Status AddRule(const std::string& chain, const Args& spec, bool first) {
  Args add = first ? Args{"-I", chain, "1"} : Args{"-A", chain};
  add.insert(add.end(), spec.begin(), spec.end());
  auto added = Iptables(add);
  if (!added.ok()) return added.error();
  if (added->exit_code != 0) {
    return Unavailable("cannot add the network isolation rule to " + chain + ": " + added->output);
  }
  return {};
}

// Adds `spec` to `chain` (first if `first`, else last) unless it is there.
Status EnsureRule(const std::string& chain, const Args& spec, bool first) {
  auto present = HasRule(chain, spec);
  if (!present.ok()) return present.error();
  return *present ? Status{} : AddRule(chain, spec, first);
}

Status EnsureChain(const std::string& chain) {
  auto listed = Iptables({"-n", "-L", chain});
  if (!listed.ok()) return listed.error();
  if (listed->exit_code == 0) return {};
  auto created = Iptables({"-N", chain});
  if (!created.ok()) return created.error();
  return {};
}

// Makes `chain` hold exactly `rules`, in order: they are the same for every bridge, and an
// ACCEPT behind a REJECT would be no ACCEPT at all, so a chain that lacks any rule is rebuilt.
Status EnsureFixedChain(const std::string& chain, const std::vector<Args>& rules) {
  INK_RETURN_IF_ERROR(EnsureChain(chain));
  bool complete = true;
  for (const auto& rule : rules) {
    auto present = HasRule(chain, rule);
    if (!present.ok()) return present.error();
    complete = complete && *present;
  }
  if (complete) return {};
  auto flushed = Iptables({"-F", chain});
  if (!flushed.ok()) return flushed.error();
  for (const auto& rule : rules) INK_RETURN_IF_ERROR(AddRule(chain, rule, false));
  return {};
}

// What a container may send to the host itself: replies, and DNS to aardvark-dns.
std::vector<Args> ContainerInputRules() {
  return {WithComment({"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
                      "replies to connections the host opened (edge, health checks)"),
          WithComment({"-p", "udp", "--dport", "53", "-j", "ACCEPT"}, "DNS (aardvark-dns)"),
          WithComment({"-p", "tcp", "--dport", "53", "-j", "ACCEPT"}, "DNS (aardvark-dns)"),
          WithComment({"-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"},
                      "no host service (inkd API, loopback, other addresses)"),
          WithComment({"-j", "REJECT", "--reject-with", "icmp-port-unreachable"},
                      "no host service (inkd API, loopback, other addresses)")};
}

// Where a container may not go through the host: link-local, i.e. the metadata address.
std::vector<Args> ContainerEgressRules() {
  return {
      WithComment({"-d", "169.254.0.0/16", "-j", "REJECT", "--reject-with", "icmp-net-unreachable"},
                  "no link-local or cloud metadata (169.254.169.254)")};
}

Args IsolationJump(const std::string& bridge) {
  return {"-i", bridge, "!", "-o", bridge, "-j", "INK-ISOLATION-2"};
}
Args IsolationDrop(const std::string& bridge) { return {"-o", bridge, "-j", "DROP"}; }
Args InputJump(const std::string& bridge) {
  return WithComment({"-i", bridge, "-j", "INK-CONTAINER-INPUT"}, "project network " + bridge);
}
Args EgressJump(const std::string& bridge) {
  return WithComment({"-i", bridge, "-j", "INK-CONTAINER-EGRESS"}, "project network " + bridge);
}

std::mutex g_mu;  // serialises check-then-add sequences within this process

// Several inkd instances share the host's tables: a chain rebuilt by two of them at once could
// end up with a REJECT before an ACCEPT, so check-then-change sequences also hold a host-wide
// lock.
Result<FileLock> HostLock() {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = ::access("/run/lock", W_OK) == 0
                         ? "/run/lock/ink-iptables.lock"
                         : std::string(tmp && *tmp ? tmp : "/tmp") + "/ink-iptables.lock";
  return FileLock::Acquire(path, FileLock::Mode::kExclusive);
}

}  // namespace

Status IsolateBridge(const std::string& bridge) {
  if (bridge.empty()) return Internal("network has no bridge interface to isolate");
  std::lock_guard lock(g_mu);
  auto host_lock = HostLock();
  if (!host_lock.ok()) return host_lock.error();
  for (const char* chain : {"INK-ISOLATION-1", "INK-ISOLATION-2", "INK-INPUT", "INK-EGRESS"}) {
    INK_RETURN_IF_ERROR(EnsureChain(chain));
  }
  INK_RETURN_IF_ERROR(EnsureFixedChain("INK-CONTAINER-INPUT", ContainerInputRules()));
  INK_RETURN_IF_ERROR(EnsureFixedChain("INK-CONTAINER-EGRESS", ContainerEgressRules()));
  INK_RETURN_IF_ERROR(EnsureRule("FORWARD", {"-j", "INK-ISOLATION-1"}, true));
  INK_RETURN_IF_ERROR(EnsureRule("FORWARD", {"-j", "INK-EGRESS"}, true));
  INK_RETURN_IF_ERROR(EnsureRule("INPUT", {"-j", "INK-INPUT"}, true));
  INK_RETURN_IF_ERROR(EnsureRule("INK-ISOLATION-1", IsolationJump(bridge), false));
  INK_RETURN_IF_ERROR(EnsureRule("INK-ISOLATION-2", IsolationDrop(bridge), false));
  INK_RETURN_IF_ERROR(EnsureRule("INK-INPUT", InputJump(bridge), false));
  return EnsureRule("INK-EGRESS", EgressJump(bridge), false);
}

void ForgetBridge(const std::string& bridge) {
  if (bridge.empty()) return;
  std::lock_guard lock(g_mu);
  auto host_lock = HostLock();  // removing without it is still right, only less orderly
  auto remove = [](const std::string& chain, Args spec) {
    spec.insert(spec.begin(), {"-D", chain});
    (void)Iptables(spec);
  };
  remove("INK-ISOLATION-1", IsolationJump(bridge));
  remove("INK-ISOLATION-2", IsolationDrop(bridge));
  remove("INK-INPUT", InputJump(bridge));
  remove("INK-EGRESS", EgressJump(bridge));
}

}  // namespace ink
