#include "actions/PassRunner.h"

#include "support/CrashRecovery.h"
#include "support/Target.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace passgym {

char PassError::ID = 0;

void PassError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code PassError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

namespace {

std::vector<std::function<void(llvm::PassBuilder &)>> &callbacks() {
  static std::vector<std::function<void(llvm::PassBuilder &)>> Callbacks;
  return Callbacks;
}

/// The analysis managers and builder for one pipeline run. Fresh per run: a
/// run that crashed may leave them inconsistent, and analyses cached across
/// steps would tie their lifetime to the module's.
struct PassSetup {
  llvm::LoopAnalysisManager LAM;
  llvm::FunctionAnalysisManager FAM;
  llvm::CGSCCAnalysisManager CGAM;
  llvm::ModuleAnalysisManager MAM;
  llvm::PassBuilder Builder;

  explicit PassSetup(llvm::TargetMachine *Machine) : Builder(Machine) {
    for (auto &Callback : callbacks())
      Callback(Builder);
    Builder.registerModuleAnalyses(MAM);
    Builder.registerCGSCCAnalyses(CGAM);
    Builder.registerFunctionAnalyses(FAM);
    Builder.registerLoopAnalyses(LAM);
    Builder.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  }
};

llvm::Error pipelineError(llvm::StringRef Pipeline, llvm::Error E) {
  return llvm::make_error<PassError>(PassFailure::InvalidPipeline,
                                     "invalid pipeline '" + Pipeline.str() +
                                         "': " + llvm::toString(std::move(E)));
}

std::string firstLines(llvm::StringRef Text, int Count) {
  size_t End = 0;
  for (int I = 0; I < Count && End != llvm::StringRef::npos; ++I)
    End = Text.find('\n', End + 1);
  if (End == llvm::StringRef::npos)
    return Text.rtrim().str();
  return Text.take_front(End).str() + " ...";
}

} // namespace

void addPassBuilderCallback(std::function<void(llvm::PassBuilder &)> Callback) {
  callbacks().push_back(std::move(Callback));
}

llvm::Error checkPipeline(llvm::StringRef Pipeline) {
  PassSetup Setup(nullptr);
  llvm::ModulePassManager MPM;
  if (llvm::Error E = Setup.Builder.parsePassPipeline(MPM, Pipeline))
    return pipelineError(Pipeline, std::move(E));
  return llvm::Error::success();
}

llvm::Expected<Changed> runPipeline(llvm::Module &M, llvm::StringRef Pipeline) {
  auto Machine = targetMachineFor(M);
  if (!Machine)
    return Machine.takeError();
  auto Setup = std::make_unique<PassSetup>(*Machine);
  auto MPM = std::make_unique<llvm::ModulePassManager>();
  if (llvm::Error E = Setup->Builder.parsePassPipeline(*MPM, Pipeline))
    return pipelineError(Pipeline, std::move(E));

  bool AllPreserved = false;
  bool Completed = runWithCrashRecovery(
      [&] { AllPreserved = MPM->run(M, Setup->MAM).areAllPreserved(); });
  if (!Completed) {
    // The crash left the passes and cached analyses in an unknown state;
    // destroying them could crash again outside the recovery context.
    (void)Setup.release();
    (void)MPM.release();
    return llvm::make_error<PassError>(
        PassFailure::Crashed, "LLVM crashed while running '" + Pipeline.str() +
                                  "' on '" + M.getModuleIdentifier() + "'");
  }

  std::string Problems;
  llvm::raw_string_ostream ProblemStream(Problems);
  if (llvm::verifyModule(M, &ProblemStream))
    return llvm::make_error<PassError>(
        PassFailure::InvalidIR,
        "'" + Pipeline.str() + "' produced invalid IR on '" +
            M.getModuleIdentifier() + "': " + firstLines(Problems, 5));
  return !AllPreserved;
}

} // namespace passgym
