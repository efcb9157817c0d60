//===- support/tests/TestHelpers.h - Shared by the unit tests -------------===//
#ifndef PASSGYM_SUPPORT_TESTS_TESTHELPERS_H
#define PASSGYM_SUPPORT_TESTS_TESTHELPERS_H

#include "datasets/Benchmark.h"

#include "llvm/Support/Error.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

namespace passgym::testing {

/// The value of \p V; a failure throws, which GoogleTest reports as the
/// test's failure with LLVM's message.
template <typename T> T take(llvm::Expected<T> V) {
  if (!V)
    throw std::runtime_error(llvm::toString(V.takeError()));
  return std::move(*V);
}

inline void check(llvm::Error E) {
  if (E)
    throw std::runtime_error(llvm::toString(std::move(E)));
}

/// The message of \p V's error; fails the test if \p V holds a value.
template <typename T> std::string errorOf(llvm::Expected<T> V) {
  if (V) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return llvm::toString(V.takeError());
}

inline std::string errorOf(llvm::Error E) {
  if (!E) {
    ADD_FAILURE() << "expected an error";
    return "";
  }
  return llvm::toString(std::move(E));
}

/// A built-in benchmark by name, e.g. "crc32".
inline BenchmarkPtr builtin(const std::string &Name) {
  return take(loadBenchmark("benchmark://builtin-v0/" + Name));
}

/// Live processes (not zombies waiting to be reaped) called \p Name.
inline int liveProcessesNamed(const std::string &Name) {
  int Count = 0;
  for (const auto &Entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream Stat(Entry.path() / "stat");
    std::string Line;
    if (!std::getline(Stat, Line))
      continue;
    size_t Open = Line.find('('), Close = Line.rfind(')');
    if (Open == std::string::npos || Close == std::string::npos ||
        Close + 2 >= Line.size())
      continue;
    if (Line.substr(Open + 1, Close - Open - 1) == Name &&
        Line[Close + 2] != 'Z')
      ++Count;
  }
  return Count;
}

inline std::string testData(const std::string &Name) {
  return std::string(PASSGYM_TEST_DATA_DIR) + "/" + Name;
}

} // namespace passgym::testing

#endif
