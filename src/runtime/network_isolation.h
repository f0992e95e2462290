// Firewall rules that keep Ink's project networks from reaching each other.
//
// netavark 1.4's own `isolate` option is not enough on its own: tearing down any isolated
// network deletes the shared FORWARD jump into its isolation chain, which silently opens every
// other network (seen on this host). Ink therefore keeps two chains of its own, like
// netavark's: INK-ISOLATION-1 (jumped to first from FORWARD) sends traffic that enters from a
// project bridge and leaves by another interface to INK-ISOLATION-2, which drops it if that
// interface is another project bridge. Rules are added idempotently (iptables -C first).
// Thread-safe: iptables serialises with its own lock (-w).
#pragma once

#include <string>

#include "ink/common/result.h"

namespace ink {

// Ensures the chains, the FORWARD jump and the pair of rules for `bridge` exist.
Status IsolateBridge(const std::string& bridge);
// Removes the pair of rules for `bridge` (missing rules are not an error).
void ForgetBridge(const std::string& bridge);

}  // namespace ink
