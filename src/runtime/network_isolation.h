// Firewall rules that keep Ink's project networks from reaching each other, the host and the
// metadata address.
//
// Ink keeps them in an nftables table of its own, `inet ink`, whose base chains hook forward and
// input at priority filter - 10. In nftables a drop or reject in any base chain is final while
// an accept only ends the chain that says it, so nothing netavark (or anyone) adds to the
// iptables FORWARD/INPUT chains can let traffic past these rules, whatever order the chains
// were set up in. (Ink's earlier iptables chains were jumped to first from FORWARD; netavark
// reinserts its own NETAVARK_FORWARD jump at the top when it rebuilds its chains, and its
// `-s <subnet> -j ACCEPT` then let every project reach every other one and 169.254.169.254: the
// CI failures of test_isolation, test_private_network and test_hostile_build. netavark 1.4's
// own `isolate` option is not enough either: tearing down any isolated network deletes the
// shared jump into its isolation chain.)
//
// The table holds:
//   - set `bridges`: the bridge interface of every project (and build) network, on this host,
//     of every inkd instance; set `same_bridge`: each of them paired with itself.
//   - chain `forward`: traffic from a project bridge to 169.254.0.0/16 (link-local: cloud
//     metadata at 169.254.169.254) is rejected; traffic that enters by a project bridge and
//     leaves by another project bridge is dropped, unless it is the same bridge. Everything
//     else (the outside, package mirrors) is left to the host's other rules.
//   - chain `input` -> `container_input`: what a project container sends to the host itself
//     (any of its addresses: the bridge gateway, the LAN address, loopback through the gateway)
//     is rejected, except replies to connections the host opened (the edge and health checks
//     connect to containers) and DNS (aardvark-dns answers on the gateway).
// Every change is one nft batch, applied atomically by the kernel: inkd instances side by side
// never see a half-built chain, and re-applying the fixed chains is idempotent. Adding a bridge
// adds set elements; forgetting it removes them.
#pragma once

#include <string>

#include "ink/common/result.h"

namespace ink {

// Ensures the table, its chains and the elements for `bridge` exist.
Status IsolateBridge(const std::string& bridge);
// Removes the elements for `bridge` (a missing element or table is not an error).
void ForgetBridge(const std::string& bridge);

namespace runtime_internal {

// The nft batch that (re)builds the table's sets and fixed chains.
std::string IsolationRuleset();
// The nft batch that adds (or, with `remove`, adds then deletes: nft 1.0.6 has no `destroy`,
// and a delete of a missing element fails the batch) `bridge`'s elements. InvalidArgument for
// a name that is not an interface name (1-15 of [A-Za-z0-9_.-]).
Result<std::string> BridgeElements(const std::string& bridge, bool remove);

}  // namespace runtime_internal
}  // namespace ink
