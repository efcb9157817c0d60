#include "actions/PassRunner.h"

#include "actions/StandardPieces.h"
#include "support/CrashRecovery.h"
#include "support/Target.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/Analysis/LazyCallGraph.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <vector>

namespace passgym {

char PassError::ID = 0;

void PassError::log(llvm::raw_ostream &OS) const { OS << Message; }

std::error_code PassError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

namespace {

using Clock = std::chrono::steady_clock;

/// passgym's own passes come first, so that every PassBuilder it creates
/// (worker processes' included) parses the built-in action spaces.
std::vector<std::function<void(llvm::PassBuilder &)>> &callbacks() {
  static std::vector<std::function<void(llvm::PassBuilder &)>> Callbacks = {
      registerStandardPipelinePasses};
  return Callbacks;
}

/// Pass managers, adaptors and wrappers report the union of what the passes
/// inside them did; the passes themselves say where.
bool isContainer(llvm::StringRef PassID) {
  return llvm::isSpecialPass(
      PassID, {"PassManager", "PassAdaptor", "AnalysisManagerProxy",
               "DevirtSCCRepeatedPass", "ModuleInlinerWrapperPass",
               "RequireAnalysisPass", "InvalidateAnalysisPass"});
}

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

/// Declared in this order so that they are destroyed in the reverse: the
/// analysis managers before the builder whose analyses they registered, the
/// module analysis manager (whose proxies reach the others) first.
struct PassRunner::State {
  llvm::Module &M;
  std::unique_ptr<llvm::TargetMachine> Machine;
  llvm::PassInstrumentationCallbacks Instrumentation;
  llvm::PassBuilder Builder;
  llvm::LoopAnalysisManager LAM;
  llvm::FunctionAnalysisManager FAM;
  llvm::CGSCCAnalysisManager CGAM;
  llvm::ModuleAnalysisManager MAM;

  /// What the current pipeline changed: the functions that function, loop
  /// and CGSCC passes changed, or the whole module when a module pass changed
  /// anything. CGSCC passes may also delete functions (the inliner, dead
  /// callees) and replace them (argument promotion): a pointer here may be
  /// stale, so it is only ever compared, never followed.
  llvm::SmallPtrSet<const llvm::Function *, 16> ChangedFunctions;
  bool ModuleChanged = false;
  bool FunctionsAddedOrDeleted = false;

  /// Instructions per function, and their sum over the module; counted
  /// from the first instructionCount() on (most rewards never ask).
  llvm::DenseMap<const llvm::Function *, unsigned> Instructions;
  uint64_t InstructionTotal = 0;
  bool Counting = false;

  State(llvm::Module &M, std::unique_ptr<llvm::TargetMachine> Machine)
      : M(M), Machine(std::move(Machine)),
        Builder(this->Machine.get(), llvm::PipelineTuningOptions(),
                std::nullopt, &Instrumentation) {
    for (auto &Callback : callbacks())
      Callback(Builder);
    Instrumentation.registerAfterPassCallback(
        [this](llvm::StringRef PassID, llvm::Any IR,
               const llvm::PreservedAnalyses &PA) {
          if (!PA.areAllPreserved() && !isContainer(PassID))
            noteChange(IR);
        });
    Instrumentation.registerAfterPassInvalidatedCallback(
        [this](llvm::StringRef PassID, const llvm::PreservedAnalyses &) {
          if (!isContainer(PassID))
            ModuleChanged = true;
        });
    Builder.registerModuleAnalyses(MAM);
    Builder.registerCGSCCAnalyses(CGAM);
    Builder.registerFunctionAnalyses(FAM);
    Builder.registerLoopAnalyses(LAM);
    Builder.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  }

  void countAllInstructions() {
    Instructions.clear();
    InstructionTotal = 0;
    for (const llvm::Function &F : M)
      InstructionTotal += Instructions[&F] = F.getInstructionCount();
  }

  /// Function and loop passes neither add nor delete functions, so only the
  /// changed ones need a recount unless a CGSCC or module pass changed
  /// anything.
  void recountChangedInstructions() {
    if (!Counting)
      return;
    if (ModuleChanged || FunctionsAddedOrDeleted) {
      countAllInstructions();
      return;
    }
    for (const llvm::Function *F : ChangedFunctions) {
      unsigned &Count = Instructions[F];
      InstructionTotal -= Count;
      Count = F->getInstructionCount();
      InstructionTotal += Count;
    }
  }

  void noteChange(const llvm::Any &IR) {
    if (const auto *F = llvm::any_cast<const llvm::Function *>(&IR)) {
      ChangedFunctions.insert(*F);
      return;
    }
    if (const auto *L = llvm::any_cast<const llvm::Loop *>(&IR)) {
      ChangedFunctions.insert((*L)->getHeader()->getParent());
      return;
    }
    if (const auto *C = llvm::any_cast<const llvm::LazyCallGraph::SCC *>(&IR)) {
      noteChange(**C);
      return;
    }
    ModuleChanged = true;
  }

  /// A CGSCC pass changes the functions of its SCC and, when it rewrites
  /// their signatures (argument promotion), the calls to them; it changes no
  /// global. Calls are the only uses that such a rewrite allows.
  void noteChange(const llvm::LazyCallGraph::SCC &C) {
    FunctionsAddedOrDeleted = true;
    for (const llvm::LazyCallGraph::Node &N : C) {
      const llvm::Function &F = N.getFunction();
      ChangedFunctions.insert(&F);
      for (const llvm::User *U : F.users())
        if (const auto *Call = llvm::dyn_cast<llvm::Instruction>(U))
          ChangedFunctions.insert(Call->getFunction());
    }
  }

  /// Verifies what the pipeline changed; the verifier's complaint, or empty.
  std::string verifyChanges() const {
    std::string Problems;
    llvm::raw_string_ostream Stream(Problems);
    if (ModuleChanged) {
      llvm::verifyModule(M, &Stream);
      return Problems;
    }
    // The module's functions, not the set's pointers: those may be stale.
    for (const llvm::Function &F : M)
      if (ChangedFunctions.contains(&F) && llvm::verifyFunction(F, &Stream))
        break;
    return Problems;
  }
};

PassRunner::PassRunner(std::unique_ptr<State> S) : S(std::move(S)) {}

PassRunner::~PassRunner() {
  // After a crash or invalid IR, the analyses may point into half-rewritten
  // IR: destroying them could crash again, outside any recovery.
  if (Broken)
    (void)S.release();
}

llvm::Expected<std::unique_ptr<PassRunner>>
PassRunner::create(llvm::Module &M) {
  auto Machine = createTargetMachineFor(M);
  if (!Machine)
    return Machine.takeError();
  return std::unique_ptr<PassRunner>(
      new PassRunner(std::make_unique<State>(M, std::move(*Machine))));
}

llvm::Expected<PipelineRun> PassRunner::run(llvm::StringRef Pipeline) {
  auto MPM = std::make_unique<llvm::ModulePassManager>();
  if (llvm::Error E = S->Builder.parsePassPipeline(*MPM, Pipeline))
    return pipelineError(Pipeline, std::move(E));
  S->ChangedFunctions.clear();
  S->ModuleChanged = false;
  S->FunctionsAddedOrDeleted = false;

  PipelineRun Run;
  bool AllPreserved = false;
  std::string Problems;
  auto Start = Clock::now();
  auto Verified = Start;
  // Broken IR can crash the verifier too (printing it, say), so verification
  // runs under the same recovery as the passes.
  bool Completed = runWithCrashRecovery([&] {
    AllPreserved = MPM->run(S->M, S->MAM).areAllPreserved();
    Verified = Clock::now();
    Problems = S->verifyChanges();
  });
  Run.PassTime = Verified - Start;
  Run.VerifyTime = Clock::now() - Verified;
  if (!Completed) {
    Broken = true;
    (void)MPM.release();
    return llvm::make_error<PassError>(
        PassFailure::Crashed, "LLVM crashed while running '" + Pipeline.str() +
                                  "' on '" + S->M.getModuleIdentifier() + "'");
  }
  if (!Problems.empty()) {
    Broken = true;
    return llvm::make_error<PassError>(
        PassFailure::InvalidIR,
        "'" + Pipeline.str() + "' produced invalid IR on '" +
            S->M.getModuleIdentifier() + "': " + firstLines(Problems, 5));
  }
  Run.Changed = !AllPreserved;
  S->recountChangedInstructions();
  return Run;
}

uint64_t PassRunner::instructionCount() {
  if (!S->Counting) {
    S->countAllInstructions();
    S->Counting = true;
  }
  return S->InstructionTotal;
}

void addPassBuilderCallback(std::function<void(llvm::PassBuilder &)> Callback) {
  callbacks().push_back(std::move(Callback));
}

namespace {
std::vector<std::string> &pluginPaths() {
  static std::vector<std::string> Paths;
  return Paths;
}
} // namespace

llvm::Error addPassPlugin(llvm::StringRef Path) {
  if (llvm::is_contained(pluginPaths(), Path))
    return llvm::Error::success();
  auto Plugin = llvm::PassPlugin::Load(Path.str());
  if (!Plugin)
    return llvm::createStringError("cannot load pass plugin '" + Path +
                                   "': " + llvm::toString(Plugin.takeError()));
  // Plugins stay loaded for the life of the process, as in opt.
  auto Loaded = std::make_shared<llvm::PassPlugin>(std::move(*Plugin));
  addPassBuilderCallback([Loaded](llvm::PassBuilder &PB) {
    Loaded->registerPassBuilderCallbacks(PB);
  });
  pluginPaths().push_back(Path.str());
  return llvm::Error::success();
}

const std::vector<std::string> &passPlugins() { return pluginPaths(); }

llvm::Error checkPipeline(llvm::StringRef Pipeline) {
  llvm::PassBuilder Builder;
  for (auto &Callback : callbacks())
    Callback(Builder);
  llvm::ModulePassManager MPM;
  if (llvm::Error E = Builder.parsePassPipeline(MPM, Pipeline))
    return pipelineError(Pipeline, std::move(E));
  return llvm::Error::success();
}

llvm::Expected<std::string> expandPipeline(const llvm::Module &M,
                                           llvm::StringRef Pipeline) {
  auto Machine = createTargetMachineFor(M);
  if (!Machine)
    return Machine.takeError();
  llvm::PassInstrumentationCallbacks Instrumentation;
  llvm::PassBuilder Builder(Machine->get(), llvm::PipelineTuningOptions(),
                            std::nullopt, &Instrumentation);
  for (auto &Callback : callbacks())
    Callback(Builder);
  llvm::ModulePassManager MPM;
  if (llvm::Error E = Builder.parsePassPipeline(MPM, Pipeline))
    return pipelineError(Pipeline, std::move(E));
  std::string Text;
  llvm::raw_string_ostream Out(Text);
  MPM.printPipeline(Out, [&](llvm::StringRef ClassName) {
    llvm::StringRef Name = Instrumentation.getPassNameForClassName(ClassName);
    return Name.empty() ? ClassName : Name;
  });
  return Text;
}

llvm::Expected<Changed> runPipeline(llvm::Module &M, llvm::StringRef Pipeline) {
  auto Runner = PassRunner::create(M);
  if (!Runner)
    return Runner.takeError();
  auto Run = (*Runner)->run(Pipeline);
  if (!Run)
    return Run.takeError();
  return Run->Changed;
}

} // namespace passgym
