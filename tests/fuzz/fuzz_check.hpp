#pragma once
// What the fuzz targets share: an invariant check that aborts (libFuzzer
// then saves the input as a crash) with the condition that failed.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace switchboard::fuzz {

[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace switchboard::fuzz

// A macro so that the message carries the condition's text and line.
#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::switchboard::fuzz::check_failed(#cond, __FILE__, __LINE__))
