// Replay protection for push webhooks: what makes one delivery distinct and fresh.
//
// A signed delivery proves who sent it, not when: anyone who captured one could send it again.
// GitHub names each delivery (X-GitHub-Delivery, a GUID); other senders may sign a timestamp
// into the HMAC instead (X-Ink-Timestamp: Unix seconds, signature over "<timestamp>.<body>",
// accepted within kTimestampWindow of Ink's clock). GitRemote records each delivery's key in
// the store for kDeliveryMemory and acts on a key once; a delivery older than that memory
// (by its timestamp, or a GitHub push payload's repository.pushed_at) is refused, so a replay
// is always either remembered or too old. A delivery with neither header is refused.
//
// Pure functions: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink {

inline constexpr std::chrono::milliseconds kDeliveryMemory = std::chrono::hours(24 * 7);
inline constexpr std::chrono::seconds kTimestampWindow{300};

struct WebhookDelivery {
  std::string id;         // X-GitHub-Delivery
  std::string timestamp;  // X-Ink-Timestamp (decimal Unix seconds), signed into the HMAC

  // InvalidArgument for a malformed header (before the signature is checked).
  Status Validate() const;
  // After the signature matched: InvalidArgument when neither header is given, Unauthenticated
  // when the delivery is outside the window/memory. `payload` may be null (not JSON).
  Status CheckFresh(int64_t now_millis, const Json* payload) const;
  // The key recorded in the store: the delivery id, else the (timestamped) signature.
  std::string Key(const std::string& signature) const;
  // How the delivery is named in messages.
  std::string Shown(const std::string& signature) const;
};

}  // namespace ink
