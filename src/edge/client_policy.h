// Internal to ink-edge: who a client is, for the two policies that depend on the socket peer.
//
// CidrSet holds the --trusted-proxies ranges: only a peer inside one of them may pass its own
// X-Forwarded-* values through. ClientConnectionLimiter caps concurrent connections per client
// address (IPv6 clients per /64, since one host usually owns a whole /64) across all workers.
//
// Threads: a CidrSet is immutable after Parse and read by every worker. The limiter is shared
// by all workers without a lock: a fixed table of atomic counters indexed by a keyed hash of the
// address (seeded at random per process, so a client cannot aim at another's slot). Two
// addresses that share a slot share one cap; with 65,536 slots that needs many concurrent
// clients and only makes the cap stricter for those two.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::edge::internal {

class CidrSet {
 public:
  // Entries such as "10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1". Errors name the bad entry.
  static Result<CidrSet> Parse(const std::vector<std::string>& entries);
  // True when `addr` (AF_INET or AF_INET6; IPv4-mapped IPv6 counts as IPv4) is in a range.
  bool Contains(const sockaddr_storage& addr) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    bool v4 = true;
    uint8_t bytes[16] = {};
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

class ClientConnectionLimiter {
 public:
  // `limit`: connections per client address; 0 means no limit.
  explicit ClientConnectionLimiter(int limit);
  // Counts a new connection from `addr`. Returns false (and counts nothing) when that client is
  // at its limit; otherwise *slot is what Release takes when the connection closes.
  bool TryAcquire(const sockaddr_storage& addr, uint32_t* slot);
  void Release(uint32_t slot);
  static constexpr uint32_t kNoSlot = 0xffffffffu;

 private:
  static constexpr uint32_t kSlots = 1u << 16;
  int limit_;
  uint64_t seed_;
  std::unique_ptr<std::atomic<uint32_t>[]> counts_;
};

}  // namespace ink::edge::internal
