//===- runtime/Runtime.h - Measuring how fast a module runs ---------------===//
//
// A module becomes a program in-process: its `main` is renamed, LLVM's codegen
// (-O2, the level clang uses for -O2 builds) emits an object, and gold links it
// with a small harness whose `main` times the call to the program's own main
// on a monotonic clock, so process start-up and dynamic loading are not part
// of the measurement. A run may call main several times (RunSpec::MainRepeat)
// and report the time per call, for programs too short to time one call. Each
// run happens in a private temporary directory with a timeout that kills the
// run's whole process group.
//
// A measurement is runs until three of them agree with the fastest within 1%
// (or a cap on runs is reached); the estimate reports the minimum, the median
// and the median's 95% confidence interval. Every run's behaviour (exit code,
// stdout, declared output files) is compared with a reference, normally the
// unoptimized program's: a mismatch, crash or timeout makes the measurement
// an error that says why, never a number.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_RUNTIME_RUNTIME_H
#define PASSGYM_RUNTIME_RUNTIME_H

#include "datasets/RunSpec.h"
#include "support/TempDir.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

/// Names a directory that outlives every process of a session of worker
/// processes (the environment sets it for them): the harness object is
/// compiled into it once and shared.
inline constexpr const char *kSessionDirectoryVariable = "PASSGYM_SESSION_DIR";

/// What a run did, as far as validation is concerned.
struct ProgramBehaviour {
  int ExitCode = 0;
  /// What one call of main printed: a run that calls main several times
  /// (RunSpec::MainRepeat, MainRepeatMs) must print the same on every call.
  std::string StandardOutput;
  /// Calls of main in the run; never compared.
  long Calls = 1;
  /// Kept to report a failing run; never compared.
  std::string StandardError;
  /// (name, contents) of RunSpec::outputFiles, in the spec's order; a missing
  /// file has no entry.
  std::vector<std::pair<std::string, std::string>> OutputFiles;
};

/// The program does not behave as its reference: a different exit code,
/// output or output file, or a crash or timeout where the reference ran fine.
/// Other failures (building the program, running the reference) are plain
/// errors.
class BehaviourDifference : public llvm::ErrorInfo<BehaviourDifference> {
public:
  static char ID;
  explicit BehaviourDifference(std::string Message)
      : Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  std::string Message;
};

/// Why \p Actual is not \p Reference's behaviour (first difference only, a
/// BehaviourDifference), or success.
llvm::Error compareBehaviour(const ProgramBehaviour &Reference,
                             const ProgramBehaviour &Actual,
                             const RunSpec &Spec);

struct MeasurementOptions {
  /// None by default: the estimate is the fastest run, which a slow, cold
  /// first run does not move.
  unsigned WarmupRuns = 0;
  unsigned MinRuns = 3;
  /// The cap on measured runs; an estimate that stops here says
  /// converged = false.
  unsigned MaxRuns = 20;
  /// Measuring stops once this many runs are within \c agreement of the
  /// fastest: the floor the program runs at has been seen more than once, so
  /// the minimum is not a fluke, and a burst of load on the machine (which
  /// only slows runs down) makes the measurement go on instead of deciding.
  unsigned AgreeingRuns = 3;
  double Agreement = 0.01;
  /// Pin every run to this CPU; none: let the kernel choose.
  std::optional<unsigned> Cpu;
};

struct RuntimeEstimate {
  /// Milliseconds of each measured run (warm-up excluded), in run order.
  std::vector<double> Samples;
  double Minimum = 0, Median = 0, Lower = 0, Upper = 0;
  /// Whether the stopping rule was met before the cap on runs.
  bool Converged = false;

  double relativeHalfWidth() const {
    return Median > 0 ? (Upper - Lower) / 2 / Median : 0;
  }
};

/// The harness's source, which decides how a run is timed: measurements by
/// another version of it are not comparable.
llvm::StringRef harnessSource();

/// The stopping rule: enough runs, and \c AgreeingRuns of them within
/// \c Agreement of the fastest.
bool floorConfirmed(const std::vector<double> &Samples,
                    const MeasurementOptions &Options);

/// The distribution-free 95% confidence interval of the median of \p Samples
/// from order statistics (normal approximation to the binomial); the whole
/// range below six samples.
std::pair<double, double> medianInterval(std::vector<double> Samples);

/// A linked, runnable program in its own temporary directory.
class Program {
public:
  /// Compiles and links \p M (it is not modified). Fails if the module has no
  /// `main`, codegen crashes, or the link fails.
  static llvm::Expected<Program> build(const llvm::Module &M,
                                       const RunSpec &Spec);

  /// Runs once in a fresh run directory: its behaviour and the time of the
  /// program's main in milliseconds. A crash, a timeout or a missing timing
  /// report is an error naming what happened.
  llvm::Expected<std::pair<ProgramBehaviour, double>>
  run(const RunSpec &Spec, const std::optional<unsigned> &Cpu = {}) const;

  /// Warm-up and measured runs under \p Options, each validated against
  /// \p Reference.
  llvm::Expected<RuntimeEstimate>
  measure(const RunSpec &Spec, const ProgramBehaviour &Reference,
          const MeasurementOptions &Options) const;

  const std::string &executable() const { return Executable; }

private:
  llvm::Expected<std::pair<ProgramBehaviour, double>>
  runIn(const TempDir &RunDir, const RunSpec &Spec,
        const std::optional<unsigned> &Cpu) const;

  Program(TempDir Dir, std::string Executable)
      : Dir(std::move(Dir)), Executable(std::move(Executable)) {}
  TempDir Dir;
  std::string Executable;
};

} // namespace passgym

#endif
