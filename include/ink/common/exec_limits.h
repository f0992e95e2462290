// The bounds of the exec operation (one-off commands in a running replica), shared by its
// catalog entry, its handler and the CLI.
#pragma once

#include <cstddef>

namespace ink {

inline constexpr int kDefaultExecTimeoutSeconds = 60;
inline constexpr int kMaxExecTimeoutSeconds = 600;
inline constexpr size_t kMaxExecStdinBytes = 1 << 20;
inline constexpr size_t kMaxExecOutputBytes = 1 << 20;  // per stream
inline constexpr int kMaxExecArgs = 256;
inline constexpr size_t kMaxExecArgBytes = 64 << 10;

}  // namespace ink
