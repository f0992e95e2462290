// Test helper for the runtime's unit tests of podman's multiplexed streams (logs, exec output):
// builds one frame of Docker's "stdcopy" framing (log_frames.h describes it).
#pragma once

#include <cstdint>
#include <string>

namespace ink::runtime_test {

// One frame: the 8-byte header (stream type 1 = stdout, 2 = stderr; big-endian payload length)
// followed by `payload`.
inline std::string Frame(int stream, const std::string& payload) {
  std::string header(8, '\0');
  header[0] = static_cast<char>(stream);
  uint32_t n = static_cast<uint32_t>(payload.size());
  header[4] = static_cast<char>(n >> 24);
  header[5] = static_cast<char>(n >> 16);
  header[6] = static_cast<char>(n >> 8);
  header[7] = static_cast<char>(n);
  return header + payload;
}

}  // namespace ink::runtime_test
