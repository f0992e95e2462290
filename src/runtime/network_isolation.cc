#include "network_isolation.h"

#include <vector>

#include "ink/common/subprocess.h"

namespace ink {
namespace runtime_internal {

std::string IsolationRuleset() {
  const std::string t = "inet ink";
  std::string s;
  auto cmd = [&s](const std::string& line) { s += line + ";\n"; };
  cmd("add table " + t);
  cmd("add set " + t + " bridges { type ifname; }");
  cmd("add set " + t + " same_bridge { type ifname . ifname; }");
  cmd("add chain " + t + " forward { type filter hook forward priority -10; policy accept; }");
  cmd("add chain " + t + " input { type filter hook input priority -10; policy accept; }");
  cmd("add chain " + t + " container_input");
  for (const char* chain : {"forward", "input", "container_input"}) {
    cmd("flush chain " + t + " " + chain);
  }
  cmd("add rule " + t +
      " forward iifname @bridges ip daddr 169.254.0.0/16 counter reject with icmp type "
      "net-unreachable comment \"ink: no link-local or cloud metadata (169.254.169.254)\"");
  cmd("add rule " + t + " forward iifname . oifname @same_bridge accept");
  cmd("add rule " + t +
      " forward iifname @bridges oifname @bridges counter drop comment \"ink: no project "
      "reaches another\"");
  cmd("add rule " + t + " input iifname @bridges jump container_input");
  cmd("add rule " + t +
      " container_input ct state established,related accept comment \"ink: replies to "
      "connections the host opened (edge, health checks)\"");
  cmd("add rule " + t +
      " container_input meta l4proto { tcp, udp } th dport 53 accept comment \"ink: DNS "
      "(aardvark-dns)\"");
  cmd("add rule " + t +
      " container_input meta l4proto tcp counter reject with tcp reset comment \"ink: no host "
      "service (inkd API, loopback, other addresses)\"");
  cmd("add rule " + t +
      " container_input counter reject with icmpx type port-unreachable comment \"ink: no host "
      "service (inkd API, loopback, other addresses)\"");
  return s;
}

Result<std::string> BridgeElements(const std::string& bridge, bool remove) {
  bool valid = !bridge.empty() && bridge.size() <= 15;
  for (char c : bridge) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-');
  }
  if (!valid) {
    return InvalidArgument("network bridge '" + bridge +
                           "' is not an interface name (1-15 of A-Z a-z 0-9 _ . -)");
  }
  const std::string q = "\"" + bridge + "\"";
  std::string s = "add element inet ink bridges { " + q + " };\n" +
                  "add element inet ink same_bridge { " + q + " . " + q + " };\n";
  if (remove) {
    s += "delete element inet ink bridges { " + q + " };\n" +
         "delete element inet ink same_bridge { " + q + " . " + q + " };\n";
  }
  return s;
}

}  // namespace runtime_internal

namespace {

// Applies one nft batch (atomic: all of it or none).
Status Nft(const std::string& batch) {
  ProcessSpec spec;
  spec.argv = {"nft", "-f", "-"};
  spec.stdin_data = batch;
  spec.deadline = std::chrono::seconds(15);
  auto result = SystemProcessRunner().Run(spec);
  if (!result.ok()) return result.error();
  if (!result->ok()) {
    return Unavailable("cannot apply Ink's network isolation rules (nft): " + result->output);
  }
  return {};
}

}  // namespace

Status IsolateBridge(const std::string& bridge) {
  auto elements = runtime_internal::BridgeElements(bridge, false);
  if (!elements.ok()) return elements.error();
  return Nft(runtime_internal::IsolationRuleset() + *elements);
}

void ForgetBridge(const std::string& bridge) {
  auto elements = runtime_internal::BridgeElements(bridge, true);
  if (elements.ok()) (void)Nft(*elements);
}

}  // namespace ink
