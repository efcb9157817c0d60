//===- actions/PassRunner.h - Applying a pipeline to a module -------------===//
//
// Runs `opt -passes=` texts in-process with LLVM's new pass manager, set up
// like `opt-19` (same TargetMachine, so the same TargetTransformInfo), guarded
// against crashes inside LLVM, and verifies the module afterwards.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ACTIONS_PASSRUNNER_H
#define PASSGYM_ACTIONS_PASSRUNNER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>

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

/// Applies \p Pipeline to \p M. Fails with a PassError.
llvm::Expected<Changed> runPipeline(llvm::Module &M, llvm::StringRef Pipeline);

/// Checks that \p Pipeline parses, without running it.
llvm::Error checkPipeline(llvm::StringRef Pipeline);

/// Lets a caller (tests, plugins) add passes to every PassBuilder passgym
/// creates, e.g. with registerPipelineParsingCallback. Not thread-safe: call
/// before environments run.
void addPassBuilderCallback(std::function<void(llvm::PassBuilder &)> Callback);

} // namespace passgym

#endif
