// Fuzz targets only: CHECK_PROPERTY aborts (a libFuzzer crash) naming the property that failed,
// so a reproducer's log says which invariant broke.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK_PROPERTY(condition)                                \
  do {                                                           \
    if (!(condition)) {                                          \
      std::fprintf(stderr, "property failed: %s\n", #condition); \
      std::abort();                                              \
    }                                                            \
  } while (0)
