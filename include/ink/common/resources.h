// Resource sizes as people write them: the one parser of memory limits, used by the API (deploy,
// update_service), the CLI's client-side check and inkd's --default-memory/--max-memory flags,
// so all of them accept and refuse the same text with the same words.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

// Smallest memory limit a container starts with, and the largest one accepted at all.
inline constexpr int64_t kMinMemoryLimitBytes = int64_t{6} << 20;
inline constexpr int64_t kMaxMemoryLimitBytes = int64_t{1} << 40;

// Parses "256m", "1g", "512Mi", "1.5G", "2GiB", "1t" or a whole byte count ("67108864"); units
// are binary (k = 1024) and case-insensitive (b, k, kb, ki, kib, m…, g…, t…). InvalidArgument
// saying what is wrong and giving examples for anything else, for less than 6m or more than 1t.
Result<int64_t> ParseMemoryLimit(std::string_view text);

// "512m", "1.5g", "2048k" or "123b": the shortest exact form in the largest unit that fits.
std::string FormatMemory(int64_t bytes);

}  // namespace ink
