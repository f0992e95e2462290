// Bringing up the loopback interface of a container's network namespace.
//
// podman gives a container with network "none" a namespace whose `lo` is down, and gVisor
// (runsc-hostnet: it uses the kernel's stack inside that namespace, RUNTIME-NOTES) then answers
// "Network is unreachable" even for 127.0.0.1, so a sandbox cannot run a server and a client
// of it. PodmanRuntime::BringUpLoopback calls this after the container started.
//
// Thread-safe: the namespace is entered by a short-lived thread of its own, never the caller's.
#pragma once

#include "ink/common/result.h"

namespace ink::runtime_internal {

// Sets IFF_UP on `lo` in the network namespace of process `pid` (/proc/PID/ns/net). Errors say
// which step failed (opening the namespace, entering it, the ioctl).
Status BringUpLoopback(int pid);

}  // namespace ink::runtime_internal
