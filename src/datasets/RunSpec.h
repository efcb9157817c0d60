//===- datasets/RunSpec.h - How to build and run a benchmark
//---------------===//
//
// What it takes to turn a benchmark's module into a program and run it: link
// flags, arguments, standard input, input files copied into the private run
// directory, and which outputs are compared to decide whether optimized code
// still behaves like the unoptimized program.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_RUNTIME_RUNSPEC_H
#define PASSGYM_RUNTIME_RUNSPEC_H

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace passgym {

class MessageReader;
class MessageWriter;

struct RunSpec {
  /// Arguments after the program name.
  std::vector<std::string> Args;
  /// Bytes fed to the program's standard input.
  std::string StandardInput;
  /// "NAME=value" entries added to (or replacing) the environment it runs in.
  std::vector<std::string> Environment;
  /// Files and directories (absolute paths) copied into the run directory
  /// before each run, under their base names (directories with all they
  /// hold).
  std::vector<std::string> InputFiles;
  /// Files (names relative to the run directory) the program writes and
  /// whose contents must match the unoptimized program's.
  std::vector<std::string> OutputFiles;
  /// Whether stdout must match the unoptimized program's (not for a program
  /// that prints timings, say; its output files still must).
  bool CompareStdout = true;
  /// The exit code of a run that works: the unoptimized program must end
  /// with it, or the benchmark is reported as failing.
  int ExpectedExitCode = 0;
  /// How many times one run calls the program's main, back to back (the
  /// reported time is per call): lets a program that runs for microseconds
  /// be timed above the noise of starting a process. Sound only when every
  /// call does what the first does; the harness restores the globals before
  /// each call, and a run whose calls print different output is an error.
  unsigned MainRepeat = 1;
  /// When above 0, a run calls main back to back (as MainRepeat does) until
  /// the timed calls add up to at least this many milliseconds, for programs
  /// whose run time is not known in advance (generated ones).
  unsigned MainRepeatMs = 0;
  /// Extra flags for the link step, e.g. {"-lm"}.
  std::vector<std::string> LinkFlags;
  /// A run taking longer is killed (with everything it started) and counts
  /// as a failure.
  std::chrono::milliseconds Timeout{std::chrono::seconds(10)};
  /// No file the program writes may grow beyond this (RLIMIT_FSIZE): a run
  /// that tries is killed by SIGXFSZ instead of filling the disk.
  uint64_t MaxFileBytes = 256 << 20;
  /// The program's address space may not grow beyond this (RLIMIT_AS): an
  /// allocation past it fails instead of exhausting the machine.
  uint64_t MaxMemoryBytes = uint64_t(4) << 30;
  /// The files in the run directory may not add up to more than this; it is
  /// checked while the program runs (every 50 ms) and when it ends.
  uint64_t MaxWrittenBytes = uint64_t(1) << 30;
};

/// Writes every field of \p Spec, for another process (keep in step with the
/// fields above).
void encodeRunSpec(MessageWriter &Out, const RunSpec &Spec);
RunSpec decodeRunSpec(MessageReader &In);

} // namespace passgym

#endif
