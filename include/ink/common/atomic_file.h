// WriteFileAtomically: replaces a file so that a reader sees the old content or the new, never a
// part: the data goes to a temp file beside it (".<name>.tmp", so directory watchers that skip
// dot files never load it), written with `mode`, fsynced, then renamed over `path`. The temp
// file is opened with O_NOFOLLOW and removed on failure. Any thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

Status WriteFileAtomically(const std::string& path, std::string_view data, mode_t mode);

}  // namespace ink
