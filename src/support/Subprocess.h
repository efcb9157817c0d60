//===- support/Subprocess.h - Running another program ---------------------===//
//
// Runs a program with a timeout in its own process group, so a timeout kills
// everything it started, and captures its output. A confined program also
// gets a PID namespace of its own where the kernel allows one (as root): it
// is process 1 there, so every process it starts, even one that left its
// process group, dies with it, and it cannot name (or signal) its parent. A
// confined program dies with the thread that started it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_SUBPROCESS_H
#define PASSGYM_SUPPORT_SUBPROCESS_H

#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

struct SubprocessOptions {
  /// argv[0] is the program; it is looked up on PATH when it has no '/'.
  std::vector<std::string> Argv;
  /// Working directory of the child; the caller's is never changed.
  std::string WorkingDirectory;
  std::string StandardInput;
  /// "NAME=value" entries added to (or replacing) the caller's environment.
  std::vector<std::string> Environment;
  std::chrono::milliseconds Timeout{std::chrono::minutes(5)};
  /// Output beyond this many bytes per stream is discarded (and flagged).
  size_t MaxOutputBytes = 64 << 20;
  /// Run in a PID namespace of its own where possible, and die with the
  /// caller.
  bool Confine = false;
  /// Called every CheckInterval while the program runs, and once after it
  /// ends: a reason stops the program (SIGKILL) and is reported.
  std::function<std::optional<std::string>()> Check;
  std::chrono::milliseconds CheckInterval{50};
};

struct SubprocessResult {
  /// Exit code when the program exited normally.
  std::optional<int> ExitCode;
  /// Signal number when it was killed by a signal (the timeout's included).
  std::optional<int> Signal;
  bool TimedOut = false;
  /// Why Check stopped the program; empty if it did not.
  std::string Stopped;
  /// Whether the program had a PID namespace of its own.
  bool Contained = false;
  bool OutputTruncated = false;
  std::string StandardOutput;
  std::string StandardError;
  std::chrono::nanoseconds WallTime{0};

  bool succeeded() const { return ExitCode && *ExitCode == 0; }
  /// "exit code 3", "killed by signal 11 (Segmentation fault)", "timed out
  /// after 5000 ms".
  std::string describeFailure() const;
};

/// Fails only when the program could not be started at all; a program that
/// runs and fails is described by the result.
llvm::Expected<SubprocessResult>
runSubprocess(const SubprocessOptions &Options);

/// The first line of a compiler's or linker's diagnostics that says
/// "error:", else the first line: one readable line instead of pages.
std::string firstErrorLine(llvm::StringRef Diagnostics);

/// Whether confined programs get a PID namespace here (tried once).
bool pidNamespacesAvailable();

/// A pidfd of process \p Pid (pidfd_open), or -1: signals sent through it
/// reach that process even after its pid is reused.
int openPidFd(int Pid);
/// Sends \p Signal through a pidfd; false if the process is gone.
bool signalPidFd(int PidFd, int Signal);

/// Runs a command that must succeed; the error quotes its stderr.
llvm::Error runChecked(const SubprocessOptions &Options);

} // namespace passgym

#endif
