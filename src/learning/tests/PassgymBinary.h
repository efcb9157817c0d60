//===- learning/tests/PassgymBinary.h - Tests that run passgym --*- C++ -*-===//
#ifndef PASSGYM_LEARNING_TESTS_PASSGYMBINARY_H
#define PASSGYM_LEARNING_TESTS_PASSGYMBINARY_H

#include "support/Subprocess.h"
#include "support/tests/TestHelpers.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace passgym::learning {

inline std::string readFile(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

struct Outcome {
  int ExitCode = -1;
  std::string Out, Err;
};

/// Runs the passgym binary of this build with \p Args (in \p Directory, if
/// given).
inline Outcome passgym(std::vector<std::string> Args,
                       const std::string &Directory = "") {
  SubprocessOptions Options;
  Options.WorkingDirectory = Directory;
  Options.Argv = std::move(Args);
  Options.Argv.insert(Options.Argv.begin(), PASSGYM_BINARY);
  Options.Timeout = std::chrono::seconds(300);
  SubprocessResult R = testing::take(runSubprocess(Options));
  return {R.ExitCode.value_or(-1), R.StandardOutput, R.StandardError};
}

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TESTS_PASSGYMBINARY_H
