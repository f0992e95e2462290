#include "src/api/webhook_delivery.h"

#include <cctype>

namespace ink {
namespace {

constexpr char kHow[] =
    "send X-GitHub-Delivery (GitHub does) or X-Ink-Timestamp: <Unix seconds> with "
    "X-Hub-Signature-256 = sha256=HMAC(secret, \"<timestamp>.<body>\")";

}  // namespace

Status WebhookDelivery::Validate() const {
  if (id.size() > 100) return InvalidArgument("X-GitHub-Delivery is longer than 100 characters");
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '-') {
      return InvalidArgument("X-GitHub-Delivery may hold only letters, digits and '-'");
    }
  }
  if (timestamp.empty()) return {};
  bool digits = timestamp.size() <= 12;
  for (unsigned char c : timestamp) digits = digits && std::isdigit(c);
  if (!digits) {
    return InvalidArgument("X-Ink-Timestamp must be the Unix time in seconds (e.g. 1700000000)");
  }
  return {};
}

Status WebhookDelivery::CheckFresh(int64_t now_millis, const Json* payload) const {
  if (id.empty() && timestamp.empty()) {
    return InvalidArgument(
        std::string("a webhook delivery must say which delivery it is, or nothing tells it "
                    "from a replay: ") +
        kHow + "; nothing was deployed");
  }
  int64_t now = now_millis / 1000;
  if (!timestamp.empty()) {
    int64_t skew = now - std::stoll(timestamp);
    if (skew > kTimestampWindow.count() || skew < -kTimestampWindow.count()) {
      return Unauthenticated(
          "X-Ink-Timestamp is " + std::to_string(skew < 0 ? -skew : skew) +
          " s away from Ink's clock (allowed: " + std::to_string(kTimestampWindow.count()) +
          " s): a delayed or replayed delivery; nothing was deployed");
    }
  }
  // GitHub signs no time, but a push payload says when the push happened.
  if (payload != nullptr && payload->is_object() && payload->contains("repository")) {
    const Json& repository = (*payload)["repository"];
    if (repository.is_object() && repository.contains("pushed_at") &&
        repository["pushed_at"].is_number_integer()) {
      int64_t age = now - repository["pushed_at"].get<int64_t>();
      int64_t memory = std::chrono::duration_cast<std::chrono::seconds>(kDeliveryMemory).count();
      if (age > memory) {
        return Unauthenticated("the push this delivery announces is " +
                               std::to_string(age / 86400) +
                               " days old, older than the deliveries Ink remembers (" +
                               std::to_string(memory / 86400) +
                               " days): it cannot be told from a replay; nothing was deployed");
      }
    }
  }
  return {};
}

std::string WebhookDelivery::Key(const std::string& signature) const {
  return id.empty() ? "sig:" + signature : "id:" + id;
}

std::string WebhookDelivery::Shown(const std::string& signature) const {
  return id.empty()
             ? "with timestamp " + timestamp + " and signature " + signature.substr(0, 19) + "..."
             : id;
}

}  // namespace ink
