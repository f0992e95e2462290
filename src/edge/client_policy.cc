#include "client_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <random>

namespace ink::edge::internal {
namespace {

// The address bytes of `addr` (4 for IPv4 and IPv4-mapped IPv6, else 16), or 0 bytes.
int AddressBytes(const sockaddr_storage& addr, uint8_t out[16]) {
  if (addr.ss_family == AF_INET) {
    std::memcpy(out, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, 4);
    return 4;
  }
  if (addr.ss_family == AF_INET6) {
    const auto* a = &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
      std::memcpy(out, a->s6_addr + 12, 4);
      return 4;
    }
    std::memcpy(out, a->s6_addr, 16);
    return 16;
  }
  return 0;
}

bool PrefixMatches(const uint8_t* a, const uint8_t* b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a, b, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

Result<CidrSet> CidrSet::Parse(const std::vector<std::string>& entries) {
  CidrSet set;
  for (const std::string& entry : entries) {
    std::string address = entry;
    int prefix = -1;
    size_t slash = entry.find('/');
    if (slash != std::string::npos) {
      address = entry.substr(0, slash);
      std::string bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 ||
          bits.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgument("trusted proxy \"" + entry +
                               "\": the prefix length after '/' must be a number");
      }
      prefix = std::stoi(bits);
    }
    Range r;
    if (inet_pton(AF_INET, address.c_str(), r.bytes) == 1) {
      r.v4 = true;
      if (prefix < 0) prefix = 32;
      if (prefix > 32) {
        return InvalidArgument("trusted proxy \"" + entry + "\": an IPv4 prefix is 0-32 bits");
      }
    } else if (inet_pton(AF_INET6, address.c_str(), r.bytes) == 1) {
      r.v4 = false;
      if (prefix < 0) prefix = 128;
      if (prefix > 128) {
        return InvalidArgument("trusted proxy \"" + entry + "\": an IPv6 prefix is 0-128 bits");
      }
    } else {
      return InvalidArgument("trusted proxy \"" + entry +
                             "\" is not an IP address or CIDR range (e.g. 10.0.0.0/8, ::1)");
    }
    r.prefix = prefix;
    set.ranges_.push_back(r);
  }
  return set;
}

bool CidrSet::Contains(const sockaddr_storage& addr) const {
  uint8_t bytes[16];
  int n = AddressBytes(addr, bytes);
  if (n == 0) return false;
  for (const Range& r : ranges_) {
    if (r.v4 == (n == 4) && PrefixMatches(bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

ClientConnectionLimiter::ClientConnectionLimiter(int limit)
    : limit_(limit), counts_(std::make_unique<std::atomic<uint32_t>[]>(kSlots)) {
  std::random_device rd;
  seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  for (uint32_t i = 0; i < kSlots; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

bool ClientConnectionLimiter::TryAcquire(const sockaddr_storage& addr, uint32_t* slot) {
  *slot = kNoSlot;
  if (limit_ <= 0) return true;
  uint8_t bytes[16];
  int n = AddressBytes(addr, bytes);
  if (n == 16) n = 8;  // IPv6: the /64
  // FNV-1a over the seed and the address bytes: a keyed hash, cheap and good enough to spread.
  uint64_t h = 1469598103934665603ull ^ seed_;
  for (int i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  h ^= h >> 29;
  uint32_t index = static_cast<uint32_t>(h) & (kSlots - 1);
  uint32_t previous = counts_[index].fetch_add(1, std::memory_order_relaxed);
  if (previous >= static_cast<uint32_t>(limit_)) {
    counts_[index].fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  *slot = index;
  return true;
}

void ClientConnectionLimiter::Release(uint32_t slot) {
  if (slot != kNoSlot) counts_[slot].fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace ink::edge::internal
