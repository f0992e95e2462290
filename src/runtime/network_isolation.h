// Firewall rules that keep Ink's project networks from reaching each other, the host and the
// metadata address.
//
// netavark 1.4's own `isolate` option is not enough on its own: tearing down any isolated
// network deletes the shared FORWARD jump into its isolation chain, which silently opens every
// other network (seen on this host). Ink therefore keeps chains of its own, each jumped to
// first and holding one rule per project bridge:
//   - INK-ISOLATION-1 (from FORWARD) sends traffic that enters from a project bridge and leaves
//     by another interface to INK-ISOLATION-2, which drops it if that interface is another
//     project bridge: projects do not reach each other.
//   - INK-INPUT (from INPUT) sends everything a project container addresses to the host itself
//     (any of its addresses: the bridge gateway, the LAN address, docker0, ...) to
//     INK-CONTAINER-INPUT, which accepts replies to connections the host opened (the edge and
//     health checks connect to containers) and DNS (aardvark-dns answers on the gateway), and
//     rejects the rest: containers reach neither inkd's API, nor host loopback services
//     through the gateway, nor anything else listening on the host.
//   - INK-EGRESS (from FORWARD) sends traffic from a project bridge to INK-CONTAINER-EGRESS,
//     which rejects link-local destinations (169.254.0.0/16: cloud metadata at
//     169.254.169.254). Everything else (the outside, the host's DNS resolver reached through
//     aardvark from the host side) stays reachable.
// Rules are added idempotently (iptables -C first) and carry a comment naming Ink. Only IPv4:
// project networks have no IPv6. Thread-safe: iptables serialises with its own lock (-w), and
// check-then-add sequences of this process with a mutex.
#pragma once

#include <string>

#include "ink/common/result.h"

namespace ink {

// Ensures the chains, their jumps and the rules for `bridge` exist.
Status IsolateBridge(const std::string& bridge);
// Removes the rules for `bridge` (missing rules are not an error).
void ForgetBridge(const std::string& bridge);

}  // namespace ink
