#include "src/api/pkt_line.h"

namespace ink::git {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsObjectId(std::string_view id) {
  if (id.size() != 40 && id.size() != 64) return false;
  for (char c : id) {
    if (Hex(c) < 0 || (c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

// A ref name as a push may name it: "refs/..." without control characters, spaces or the
// characters git forbids in refs; git itself checks the rest (check-ref-format).
bool IsRefName(std::string_view ref) {
  if (ref.size() < 6 || ref.size() > 1024 || ref.substr(0, 5) != "refs/") return false;
  for (unsigned char c : ref) {
    if (c <= 0x20 || c == 0x7f || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' ||
        c == '[' || c == '\\') {
      return false;
    }
  }
  return ref.find("..") == std::string_view::npos && ref.back() != '/';
}

std::string_view WithoutNewline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

Result<RefUpdate> ParseCommand(std::string_view line) {
  // "<old> <new> <ref>"
  size_t first = line.find(' ');
  size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) {
    return InvalidArgument("push command is not '<old id> <new id> <ref>'");
  }
  RefUpdate update{std::string(line.substr(0, first)),
                   std::string(line.substr(first + 1, second - first - 1)),
                   std::string(line.substr(second + 1))};
  if (!IsObjectId(update.old_id) || !IsObjectId(update.new_id) ||
      update.old_id.size() != update.new_id.size()) {
    return InvalidArgument("push command has an invalid object id");
  }
  if (!IsRefName(update.ref)) {
    return InvalidArgument(
        "push command names an invalid ref (refs/... without spaces, "
        "control characters or ~^:?*[\\)");
  }
  return update;
}

}  // namespace

Result<std::optional<Pkt>> ReadPktLine(std::string_view data) {
  if (data.size() < 4) return std::optional<Pkt>();
  size_t length = 0;
  for (size_t i = 0; i < 4; ++i) {
    int digit = Hex(data[i]);
    if (digit < 0) return InvalidArgument("pkt-line length is not 4 hex digits");
    length = length * 16 + static_cast<size_t>(digit);
  }
  Pkt pkt;
  pkt.size = 4;
  if (length == 0) pkt.kind = PktKind::kFlush;
  if (length == 1) pkt.kind = PktKind::kDelim;
  if (length == 2) pkt.kind = PktKind::kResponseEnd;
  if (length <= 2) return std::optional<Pkt>(pkt);
  if (length == 3) return InvalidArgument("pkt-line length 3 is invalid");
  if (length > kMaxPktLine) return InvalidArgument("pkt-line is longer than 65520 bytes");
  if (data.size() < length) return std::optional<Pkt>();
  pkt.payload = data.substr(4, length - 4);
  pkt.size = length;
  return std::optional<Pkt>(pkt);
}

Result<std::optional<PushCommands>> ParsePushCommands(std::string_view body) {
  PushCommands out;
  size_t offset = 0;
  // A signed push ("push-cert\0caps" first) carries its commands inside the certificate:
  // header lines, a blank line, the commands, the signature, then "push-cert-end".
  enum class Cert { kNone, kHeaders, kCommands, kSignature, kDone } cert = Cert::kNone;
  bool first = true;
  auto add = [&](std::string_view line) -> Status {
    auto update = ParseCommand(line);
    if (!update.ok()) return update.error();
    if (out.updates.size() >= kMaxRefUpdates) {
      return InvalidArgument("push updates more than 10000 refs at once");
    }
    out.updates.push_back(std::move(*update));
    return {};
  };
  while (true) {
    auto pkt = ReadPktLine(body.substr(offset));
    if (!pkt.ok()) return pkt.error();
    if (!pkt->has_value()) return std::optional<PushCommands>();
    const Pkt& p = **pkt;
    offset += p.size;
    if (p.kind != PktKind::kData) {
      bool cert_open = cert != Cert::kNone && cert != Cert::kDone;
      if (p.kind != PktKind::kFlush || cert_open) {
        return InvalidArgument("push commands end with a flush-pkt");
      }
      if (out.updates.empty()) return InvalidArgument("push carries no command");
      out.consumed = offset;
      return std::optional<PushCommands>(std::move(out));
    }
    std::string_view line = WithoutNewline(p.payload);
    if (cert == Cert::kHeaders) {
      if (line.empty()) cert = Cert::kCommands;
      if (line == "push-cert-end") return InvalidArgument("push certificate has no commands");
      continue;
    }
    if (cert == Cert::kCommands || cert == Cert::kSignature) {
      if (line == "push-cert-end") {
        cert = Cert::kDone;
      } else if (line.substr(0, 5) == "-----") {
        cert = Cert::kSignature;
      } else if (cert == Cert::kCommands) {
        INK_RETURN_IF_ERROR(add(line));
      }
      continue;
    }
    if (first && line.substr(0, 8) == "shallow ") {
      if (!IsObjectId(line.substr(8))) return InvalidArgument("push has an invalid shallow line");
      continue;
    }
    if (first) {
      first = false;
      size_t nul = line.find('\0');
      if (nul != std::string_view::npos) {
        out.capabilities = std::string(line.substr(nul + 1));
        line = line.substr(0, nul);
      }
      if (line == "push-cert") {
        cert = Cert::kHeaders;
        continue;
      }
    }
    if (cert == Cert::kDone) return InvalidArgument("push has commands after its certificate");
    if (line.find('\0') != std::string_view::npos) {
      return InvalidArgument("push command holds a NUL byte after the first command");
    }
    INK_RETURN_IF_ERROR(add(line));
  }
}

}  // namespace ink::git
