// What a service asks for, as people write it: memory limits, CPU cores, replica counts and the
// port its app listens on. One rule each, used by the operation schemas of deploy, update_service
// and plan (so the CLI's client-side check is the same rule), the API's handlers, the build's
// plan and Containerfile, and inkd's --default-memory/--max-memory/--default-cpu/--max-cpu
// flags, so all of them accept and refuse the same values with the same words.
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

// Volume sizes: the same forms as memory ("512Mi", "1Gi", "1.5g", a byte count), from 16 MiB
// (an ext4 filesystem with its journal needs room) to 1 TiB per volume, a fixed ceiling rather
// than the host's free disk, which the volume host checks on its own at creation.
inline constexpr int64_t kMinVolumeBytes = int64_t{16} << 20;
inline constexpr int64_t kMaxVolumeBytes = int64_t{1} << 40;
Result<int64_t> ParseVolumeSize(std::string_view text);

// "512m", "1.5g", "2048k" or "123b": the shortest exact form in the largest unit that fits.
std::string FormatMemory(int64_t bytes);

// CPU limits in cores. 0 stands for inkd's --default-cpu; any other limit is 0.01 to 64 in steps
// of 0.01 (podman turns 0.01 into 1 ms of CPU time per 100 ms period, the kernel's smallest
// quota). The schemas carry these as minimum, maximum and multipleOf.
inline constexpr double kMinCpuCores = 0.01;
inline constexpr int kMaxCpuCores = 64;  // an int: the schema says "maximum": 64
inline constexpr double kCpuCoresStep = 0.01;

// OK for 0 (the default) and 0.01-64 in steps of 0.01; else InvalidArgument naming `what`
// ("cpu", "--max-cpu") and the rule.
Status ValidateCpuCores(double cores, std::string_view what = "cpu");
// Parses a flag's number of cores ("0.5", "2") and checks it with ValidateCpuCores; 0 refused.
Result<double> ParseCpuCores(std::string_view text, std::string_view what);
// "0.5", "2", "0.01": the shortest form.
std::string FormatCpuCores(double cores);

// Replicas a service runs.
inline constexpr int kMinReplicas = 1;
inline constexpr int kMaxReplicas = 20;

// The port an app listens on inside its container (not a listen port of Ink's own, where 0
// means "any").
inline constexpr int kMinAppPort = 1;
inline constexpr int kMaxAppPort = 65535;
// OK for 1-65535; else InvalidArgument "<what> 70000 is out of range 1-65535".
Status ValidateAppPort(int64_t port, std::string_view what = "port");

}  // namespace ink
