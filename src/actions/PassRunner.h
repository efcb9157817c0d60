//===- actions/PassRunner.h - Applying pipelines to a module --------------===//
//
// Runs `opt -passes=` texts in-process with LLVM's new pass manager, set up
// like `opt-19` (same TargetMachine, so the same TargetTransformInfo), guarded
// against crashes inside LLVM, and verifies what changed afterwards.
//
// A PassRunner serves one module for as long as it lives, as one opt process
// serves its input: the analysis managers (and the analyses the passes
// computed) stay alive from one pipeline to the next, and LLVM invalidates
// whatever a pass does not preserve. This is what makes a step on a large
// module cost what the pass costs, not what rebuilding dominator trees, loop
// info and alias analysis for every function costs.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ACTIONS_PASSRUNNER_H
#define PASSGYM_ACTIONS_PASSRUNNER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class PassBuilder;
} // namespace llvm

namespace passgym {

/// Why applying a pipeline failed. Only InvalidPipeline leaves the module as
/// it was; after a crash or invalid IR the module must be discarded.
enum class PassFailure { InvalidPipeline, Crashed, InvalidIR };

class PassError : public llvm::ErrorInfo<PassError> {
public:
  static char ID;
  PassError(PassFailure Kind, std::string Message)
      : Kind(Kind), Message(std::move(Message)) {}
  PassFailure kind() const { return Kind; }
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  PassFailure Kind;
  std::string Message;
};

/// Whether the pipeline reported a change (its PreservedAnalyses were not
/// "all"). Passes may report a change conservatively, never the reverse.
using Changed = bool;

struct PipelineRun {
  bool Changed = false;
  /// Wall time inside the pass manager, analyses the passes asked for
  /// included; the rest of a step (parsing the pipeline, verification) is
  /// the runner's own overhead.
  std::chrono::nanoseconds PassTime{0};
  /// Wall time of verifying what the pipeline changed.
  std::chrono::nanoseconds VerifyTime{0};
};

class PassRunner {
public:
  /// A runner for \p M, which must outlive it. Fails if no TargetMachine can
  /// be made for the module's triple.
  static llvm::Expected<std::unique_ptr<PassRunner>> create(llvm::Module &M);
  ~PassRunner();

  /// Applies \p Pipeline to the module. Fails with a PassError. After a
  /// Crashed or InvalidIR failure the module must be discarded, and the
  /// runner with it (it then leaks its analyses rather than destroy them).
  llvm::Expected<PipelineRun> run(llvm::StringRef Pipeline);

  /// The module's instruction count, kept per function from the first call
  /// on and recounted only for what each pipeline changed: counting walks
  /// every instruction of a linked list, which on a large module costs a
  /// share of a step.
  uint64_t instructionCount();

private:
  struct State;
  explicit PassRunner(std::unique_ptr<State> S);
  std::unique_ptr<State> S;
  bool Broken = false;
};

/// Applies \p Pipeline to \p M with a runner of its own. Fails with a
/// PassError.
llvm::Expected<Changed> runPipeline(llvm::Module &M, llvm::StringRef Pipeline);

/// \p Pipeline as LLVM prints what it parsed it into, for \p M's target:
/// `default<O3>` becomes the list of the passes it runs, with their
/// parameters, in text `opt -passes=` accepts.
llvm::Expected<std::string> expandPipeline(const llvm::Module &M,
                                           llvm::StringRef Pipeline);

/// Checks that \p Pipeline parses, without running it.
llvm::Error checkPipeline(llvm::StringRef Pipeline);

/// Lets a caller (tests, plugins) add passes to every PassBuilder passgym
/// creates, e.g. with registerPipelineParsingCallback. Not thread-safe: call
/// before environments run.
void addPassBuilderCallback(std::function<void(llvm::PassBuilder &)> Callback);

/// Loads an LLVM pass plugin (as `opt -load-pass-plugin`) and registers its
/// passes with every PassBuilder passgym creates, worker processes' included.
/// Loading the same path twice loads it once. Not thread-safe: call before
/// environments run.
llvm::Error addPassPlugin(llvm::StringRef Path);
/// The plugins loaded so far, in order.
const std::vector<std::string> &passPlugins();

} // namespace passgym

#endif
