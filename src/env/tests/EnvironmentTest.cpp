#include "env/Environment.h"

#include "actions/PassRunner.h"
#include "optimize/Pipeline.h"
#include "support/ModuleHash.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"

#include <gtest/gtest.h>
#include <random>

namespace passgym {
namespace {

using testing::errorOf;
using testing::take;

using testing::builtin;

std::unique_ptr<Environment> started(const BenchmarkPtr &B,
                                     EnvironmentOptions Options = {}) {
  auto Env = take(Environment::create(std::move(Options)));
  take(Env->reset(B));
  return Env;
}

std::string hashOf(const Environment &Env) {
  return std::get<std::string>(take(Env.observe("IrHash")));
}

std::vector<size_t> randomSequence(size_t Length, size_t Actions,
                                   uint64_t Seed) {
  std::mt19937_64 Random(Seed);
  std::vector<size_t> Sequence;
  for (size_t I = 0; I < Length; ++I)
    Sequence.push_back(Random() % Actions);
  return Sequence;
}

void applyAll(Environment &Env, const std::vector<size_t> &Sequence) {
  for (size_t Action : Sequence) {
    StepResult Step = take(Env.step(Action));
    ASSERT_FALSE(Step.Done) << Step.Info.Error;
  }
}

TEST(EnvironmentTest, EveryActionOnEveryBuiltinProgramLeavesAValidModule) {
  std::vector<std::string> Names = take(builtinBenchmarkNames());
  ASSERT_GE(Names.size(), 5u);
  for (const std::string &Name : Names) {
    auto Root = started(builtin(Name));
    for (size_t Action = 0; Action < Root->actions().size(); ++Action) {
      auto Env = take(Root->fork());
      StepResult Step = take(Env->step(Action));
      ASSERT_FALSE(Step.Done) << Name << ": " << Step.Info.Error;
      // runPipeline verifies too; this checks what the environment holds.
      ASSERT_FALSE(llvm::verifyModule(take(Env->module()), &llvm::errs()))
          << Name << " after " << Root->actions()[Action].Name;
    }
  }
}

TEST(EnvironmentTest, SameSequenceTwiceGivesTheSameIrHash) {
  BenchmarkPtr B = builtin("crc32");
  auto Sequence = randomSequence(40, ActionSpace::builtin().size(), 7);
  auto First = started(B);
  auto Second = started(B);
  applyAll(*First, Sequence);
  applyAll(*Second, Sequence);
  EXPECT_EQ(hashOf(*First), hashOf(*Second));
  EXPECT_EQ(First->actionHistory(), Sequence);
  // And the hash does see changes.
  EXPECT_NE(hashOf(*First), hashOf(*started(B)));
}

TEST(EnvironmentTest, ForksAreIndependent) {
  auto Env = started(builtin("qsort"));
  size_t Sroa = *Env->actions().find("sroa");
  size_t Inline = *Env->actions().find("inline");
  applyAll(*Env, {Sroa});
  std::string Before = hashOf(*Env);
  auto Fork = take(Env->fork());
  EXPECT_EQ(hashOf(*Fork), Before);
  EXPECT_EQ(Fork->actionHistory(), Env->actionHistory());

  applyAll(*Fork, {Inline});
  EXPECT_NE(hashOf(*Fork), Before);
  EXPECT_EQ(hashOf(*Env), Before);
  EXPECT_EQ(Env->actionHistory().size(), 1u);
  EXPECT_EQ(Fork->actionHistory().size(), 2u);
  EXPECT_NE(&take(Fork->module()).getContext(),
            &take(Env->module()).getContext());

  // The original outlives its fork and still works.
  Fork.reset();
  applyAll(*Env, {Inline});
  EXPECT_NE(hashOf(*Env), Before);
}

/// An episode of random actions on \p B, ended early where an action
/// fails (its sequence then stops before that action).
std::unique_ptr<Environment> randomEpisode(BenchmarkPtr B, uint64_t Seed) {
  auto Env = started(B);
  for (size_t Action : randomSequence(50, Env->actions().size(), Seed)) {
    auto Fork = take(Env->fork());
    if (take(Fork->step(Action)).Done)
      continue;
    applyAll(*Env, {Action});
  }
  return Env;
}

TEST(EnvironmentTest, CommandlineReproducesTheModuleWithOpt) {
  auto Dir = take(TempDir::create("passgym-test"));
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    auto Env = randomEpisode(B, 11);
    ASSERT_GT(Env->actionHistory().size(), 30u) << Name;

    std::string Input = Dir.file("input.bc"), Output = Dir.file("output.bc");
    {
      std::error_code EC;
      llvm::raw_fd_ostream Out(Input, EC);
      ASSERT_FALSE(EC);
      Out << B->bitcode().getBuffer();
    }
    SubprocessOptions Opt;
    Opt.Argv = {"/usr/bin/opt-19", "-passes=" + Env->pipeline(), Input, "-o",
                Output};
    testing::check(runChecked(Opt));
    EXPECT_EQ(Env->commandline(Input, Output), "opt-19 -passes='" +
                                                   Env->pipeline() + "' " +
                                                   Input + " -o " + Output);

    llvm::LLVMContext Context;
    auto Buffer = llvm::MemoryBuffer::getFile(Output);
    ASSERT_TRUE(Buffer);
    auto FromOpt = take(parseModule(**Buffer, Context));
    FromOpt->setModuleIdentifier(take(Env->module()).getModuleIdentifier());
    EXPECT_EQ(irHash(*FromOpt), hashOf(*Env))
        << Name << ": " << Env->pipeline();
  }
}

TEST(EnvironmentTest, MultistepGivesWhatStepByStepGives) {
  // A multistep verifies once, after its last action, and computes one
  // reward: the module, the history and the episode's reward must still be
  // those of the same actions stepped one by one.
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    auto Stepped = randomEpisode(B, 17);
    auto Batched = started(B);
    StepResult Step = take(Batched->multistep(Stepped->actionHistory()));
    ASSERT_FALSE(Step.Done) << Name << ": " << Step.Info.Error;
    EXPECT_EQ(hashOf(*Batched), hashOf(*Stepped)) << Name;
    EXPECT_EQ(Batched->actionHistory(), Stepped->actionHistory());
    EXPECT_EQ(Batched->pipeline(), Stepped->pipeline());
    EXPECT_EQ(Batched->reward().currentCost(), Stepped->reward().currentCost());
    EXPECT_NEAR(Step.Reward, Stepped->episodeReward(), 1e-9) << Name;
    EXPECT_NEAR(Batched->episodeReward(), Stepped->episodeReward(), 1e-9);
  }
}

TEST(EnvironmentTest, StepPipelineAppliesAnyTextAndRecordsIt) {
  for (const std::string &Name : {"qsort", "sha256", "dijkstra"}) {
    BenchmarkPtr B = builtin(Name);
    llvm::LLVMContext Context;
    auto Whole = take(B->load(Context));
    // default<O3> as the pass builder prints it: the printed text leaves out
    // what it cannot spell (the inliner's thresholds for O3), so it is
    // compared with itself, applied by a runner of its own.
    std::string Expanded = take(expandPipeline(*Whole, "default<O3>"));
    take(runPipeline(*Whole, Expanded));

    auto Env = take(Environment::create());
    take(Env->reset(B));
    StepResult Step = take(Env->stepPipeline(Expanded));
    ASSERT_FALSE(Step.Done) << Name << ": " << Step.Info.Error;
    EXPECT_TRUE(Env->actionHistory().empty());
    EXPECT_EQ(Env->pipeline(), Expanded);
    Whole->setModuleIdentifier(take(Env->module()).getModuleIdentifier());
    EXPECT_EQ(irHash(*Whole), hashOf(*Env)) << Name;
    EXPECT_GT(splitPipeline(Expanded).size(), 20u) << Expanded;
  }
}

TEST(EnvironmentTest, KeptAnalysesGiveTheModuleThatFreshOnesGive) {
  // runPipeline builds its analyses afresh and verifies the whole module, as
  // every step did before the environment kept its analyses between steps.
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    auto Env = randomEpisode(B, 5);
    llvm::LLVMContext Context;
    auto Fresh = take(B->load(Context));
    for (size_t Action : Env->actionHistory())
      take(runPipeline(*Fresh, Env->actions()[Action].Pipeline));
    EXPECT_EQ(irHash(*Fresh), hashOf(*Env)) << Name << ": " << Env->pipeline();
  }
}

TEST(EnvironmentTest, InstructionCountRewardFollowsTheModuleStepByStep) {
  // The reward's count is kept per function and recounted only where a pass
  // reported a change; a recount of the whole module is the truth.
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    auto Env =
        take(Environment::create({nullptr, "IrInstructionCount",
                                  "IrInstructionCount"}));
    take(Env->reset(builtin(Name)));
    for (size_t Action : randomSequence(40, Env->actions().size(), 5)) {
      auto Fork = take(Env->fork());
      StepResult Step = take(Fork->step(Action));
      if (Step.Done)
        continue;
      Env = std::move(Fork);
      ASSERT_TRUE(Step.Observation);
      ASSERT_EQ(std::get<int64_t>(*Step.Observation),
                static_cast<int64_t>(take(Env->module()).getInstructionCount()))
          << Name << ": " << Env->pipeline();
    }
  }
}

TEST(EnvironmentTest, StepReturnsConfiguredObservationAndReward) {
  auto Env = take(Environment::create({nullptr, "IrInstructionCount"}));
  auto Initial = take(Env->reset(builtin("crc32")));
  ASSERT_TRUE(Initial);
  int64_t Before = std::get<int64_t>(*Initial);
  StepResult Step = take(Env->step(*Env->actions().find("mem2reg")));
  ASSERT_TRUE(Step.Observation);
  int64_t After = std::get<int64_t>(*Step.Observation);
  EXPECT_LT(After, Before);
  EXPECT_TRUE(Step.Info.Changed);
  EXPECT_DOUBLE_EQ(Step.Reward, static_cast<double>(Before - After));

  // Running it again changes nothing: no reward, and the pass says so.
  StepResult Again = take(Env->step(*Env->actions().find("mem2reg")));
  EXPECT_FALSE(Again.Info.Changed);
  EXPECT_EQ(Again.Reward, 0.0);
}

TEST(EnvironmentTest, BadCallsAreErrorsAndChangeNothing) {
  auto Env = take(Environment::create());
  EXPECT_NE(errorOf(Env->step(0)).find("before reset"), std::string::npos);
  take(Env->reset(builtin("crc32")));
  std::string Hash = hashOf(*Env);
  std::string Message = errorOf(Env->step(Env->actions().size()));
  EXPECT_NE(Message.find("out of range"), std::string::npos) << Message;
  EXPECT_EQ(hashOf(*Env), Hash);
  EXPECT_TRUE(Env->actionHistory().empty());
  EXPECT_NE(errorOf(Env->observe("NoSuchSpace")).find("NoSuchSpace"),
            std::string::npos);
  EXPECT_NE(errorOf(Environment::create({nullptr, "", "NoSuchReward"}))
                .find("NoSuchReward"),
            std::string::npos);
  EXPECT_NE(errorOf(Environment::create({nullptr, "NoSuchObservation"}))
                .find("NoSuchObservation"),
            std::string::npos);
}

/// Passes that exist only in tests: one crashes LLVM, one leaves invalid IR.
struct CrashPass : llvm::PassInfoMixin<CrashPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    volatile int *Null = nullptr;
    *Null = 1;
    return llvm::PreservedAnalyses::none();
  }
};

struct BreakIrPass : llvm::PassInfoMixin<BreakIrPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &) {
    for (llvm::Function &F : M)
      if (!F.isDeclaration()) {
        F.getEntryBlock().getTerminator()->eraseFromParent();
        break;
      }
    return llvm::PreservedAnalyses::none();
  }
};

/// Breaks one function as a function pass: the environment verifies only
/// what passes changed, so it must see this function.
struct BreakFunctionPass : llvm::PassInfoMixin<BreakFunctionPass> {
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &) {
    if (F.getName() != "main")
      return llvm::PreservedAnalyses::all();
    F.getEntryBlock().getTerminator()->eraseFromParent();
    return llvm::PreservedAnalyses::none();
  }
};

/// Makes an instruction of a loop use itself, which only phis may do.
struct BreakLoopPass : llvm::PassInfoMixin<BreakLoopPass> {
  llvm::PreservedAnalyses run(llvm::Loop &L, llvm::LoopAnalysisManager &,
                              llvm::LoopStandardAnalysisResults &,
                              llvm::LPMUpdater &) {
    for (llvm::BasicBlock *BB : L.blocks())
      for (llvm::Instruction &I : *BB)
        if (llvm::isa<llvm::BinaryOperator>(I)) {
          I.setOperand(0, &I);
          return llvm::PreservedAnalyses::none();
        }
    return llvm::PreservedAnalyses::all();
  }
};

/// Breaks main from a CGSCC pass: such a pass changes its SCC's functions...
struct BreakSccPass : llvm::PassInfoMixin<BreakSccPass> {
  llvm::PreservedAnalyses run(llvm::LazyCallGraph::SCC &C,
                              llvm::CGSCCAnalysisManager &,
                              llvm::LazyCallGraph &, llvm::CGSCCUpdateResult &) {
    for (llvm::LazyCallGraph::Node &N : C)
      if (N.getFunction().getName() == "main") {
        N.getFunction().getEntryBlock().getTerminator()->eraseFromParent();
        return llvm::PreservedAnalyses::none();
      }
    return llvm::PreservedAnalyses::all();
  }
};

/// ... and, rewriting their signatures, the calls to them in other functions
/// (argument promotion): here a call in main, which calls and is called by
/// nothing that this pass changes. An attribute that does not fit the call's
/// type is invalid without making later passes crash.
struct BreakCallerPass : llvm::PassInfoMixin<BreakCallerPass> {
  llvm::PreservedAnalyses run(llvm::LazyCallGraph::SCC &C,
                              llvm::CGSCCAnalysisManager &,
                              llvm::LazyCallGraph &, llvm::CGSCCUpdateResult &) {
    for (llvm::LazyCallGraph::Node &N : C)
      for (llvm::User *U : N.getFunction().users()) {
        auto *Call = llvm::dyn_cast<llvm::CallBase>(U);
        if (!Call || Call->getFunction()->getName() != "main" ||
            !Call->getType()->isIntegerTy())
          continue;
        Call->addRetAttr(llvm::Attribute::NonNull);
        return llvm::PreservedAnalyses::none();
      }
    return llvm::PreservedAnalyses::all();
  }
};

void registerFaultyPasses() {
  static bool Registered = [] {
    addPassBuilderCallback([](llvm::PassBuilder &PB) {
      PB.registerPipelineParsingCallback(
          [](llvm::StringRef Name, llvm::ModulePassManager &MPM,
             llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
            if (Name == "passgym-test-crash") {
              MPM.addPass(CrashPass());
              return true;
            }
            if (Name == "passgym-test-break-ir") {
              MPM.addPass(BreakIrPass());
              return true;
            }
            return false;
          });
      PB.registerPipelineParsingCallback(
          [](llvm::StringRef Name, llvm::FunctionPassManager &FPM,
             llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
            if (Name != "passgym-test-break-function")
              return false;
            FPM.addPass(BreakFunctionPass());
            return true;
          });
      PB.registerPipelineParsingCallback(
          [](llvm::StringRef Name, llvm::CGSCCPassManager &CGPM,
             llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
            if (Name == "passgym-test-break-scc") {
              CGPM.addPass(BreakSccPass());
              return true;
            }
            if (Name == "passgym-test-break-caller") {
              CGPM.addPass(BreakCallerPass());
              return true;
            }
            return false;
          });
      PB.registerPipelineParsingCallback(
          [](llvm::StringRef Name, llvm::LoopPassManager &LPM,
             llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
            if (Name != "passgym-test-break-loop")
              return false;
            LPM.addPass(BreakLoopPass());
            return true;
          });
    });
    return true;
  }();
  (void)Registered;
}

std::unique_ptr<Environment> faultyEnvironment() {
  registerFaultyPasses();
  auto Space = std::make_shared<ActionSpace>(
      "faulty", std::vector<Action>{
                    {"sroa", "function(sroa)"},
                    {"crash", "passgym-test-crash"},
                    {"break", "passgym-test-break-ir"},
                    {"break-function", "function(passgym-test-break-function)"},
                    {"break-loop", "function(loop(passgym-test-break-loop))"},
                    {"break-scc", "cgscc(passgym-test-break-scc)"},
                    {"break-caller", "cgscc(passgym-test-break-caller)"}});
  return take(Environment::create({Space}));
}

TEST(EnvironmentTest, CrashingPassEndsTheEpisodeAndLeavesTheEnvResettable) {
  auto Env = faultyEnvironment();
  BenchmarkPtr B = builtin("crc32");
  take(Env->reset(B));
  applyAll(*Env, {0});
  StepResult Crash = take(Env->step(1));
  EXPECT_TRUE(Crash.Done);
  EXPECT_NE(Crash.Info.Error.find("crashed"), std::string::npos);
  EXPECT_NE(Crash.Info.Error.find("passgym-test-crash"), std::string::npos);
  EXPECT_NE(Crash.Info.Error.find("benchmark://builtin-v0/crc32"),
            std::string::npos)
      << Crash.Info.Error;
  EXPECT_TRUE(Env->done());
  EXPECT_NE(errorOf(Env->step(0)).find("episode is over"), std::string::npos);

  take(Env->reset(B));
  applyAll(*Env, {0});
  EXPECT_FALSE(llvm::verifyModule(take(Env->module())));
}

TEST(EnvironmentTest, PassProducingInvalidIrEndsTheEpisode) {
  auto Env = faultyEnvironment();
  BenchmarkPtr B = builtin("crc32");
  take(Env->reset(B));
  StepResult Broken = take(Env->step(2));
  EXPECT_TRUE(Broken.Done);
  EXPECT_NE(Broken.Info.Error.find("invalid IR"), std::string::npos)
      << Broken.Info.Error;
  EXPECT_NE(Broken.Info.Error.find("passgym-test-break-ir"), std::string::npos);
  take(Env->reset(B));
  applyAll(*Env, {0});
}

TEST(EnvironmentTest, FunctionLoopAndCgsccPassesBreakingIrEndTheEpisode) {
  // Steps verify only the functions that function, loop and CGSCC passes
  // changed (and the callers of a CGSCC pass's functions): that must still
  // catch what they break, after steps that kept analyses.
  for (size_t Action : {3, 4, 5, 6}) {
    auto Env = faultyEnvironment();
    take(Env->reset(builtin("crc32")));
    applyAll(*Env, {0});
    StepResult Broken = take(Env->step(Action));
    EXPECT_TRUE(Broken.Done) << Env->actions()[Action].Name;
    EXPECT_NE(Broken.Info.Error.find("invalid IR"), std::string::npos)
        << Broken.Info.Error;
    EXPECT_NE(Broken.Info.Error.find(Env->actions()[Action].Pipeline),
              std::string::npos)
        << Broken.Info.Error;
  }
}

TEST(EnvironmentTest, AMultistepThatFailsEndsWhereStepByStepWouldEnd) {
  // The batch is verified only after its last action, and the actions after
  // the one that broke the module run on broken IR: the replay must still
  // name the action that failed and end the history there.
  for (size_t Failing : {1, 2, 3, 4, 5, 6}) {
    auto Stepped = faultyEnvironment();
    take(Stepped->reset(builtin("crc32")));
    applyAll(*Stepped, {0});
    StepResult Expected = take(Stepped->step(Failing));
    ASSERT_TRUE(Expected.Done);

    auto Batched = faultyEnvironment();
    take(Batched->reset(builtin("crc32")));
    StepResult Step = take(Batched->multistep({0, Failing, 0, 0}));
    const std::string &Pipeline = Batched->actions()[Failing].Pipeline;
    EXPECT_TRUE(Step.Done) << Pipeline;
    EXPECT_TRUE(Batched->done());
    EXPECT_EQ(Batched->actionHistory(), (std::vector<size_t>{0, Failing}));
    EXPECT_EQ(Step.Info.Error, Expected.Info.Error);
    EXPECT_NE(Step.Info.Error.find(Pipeline), std::string::npos)
        << Step.Info.Error;
    EXPECT_EQ(Step.Info.Error.find("function(sroa)"), std::string::npos)
        << Step.Info.Error;
    EXPECT_NEAR(Batched->episodeReward(), Stepped->episodeReward(), 1e-9);

    take(Batched->reset(builtin("crc32")));
    applyAll(*Batched, {0});
  }
}

TEST(EnvironmentTest, AMultistepWithABadPartChangesNothing) {
  auto Env = started(builtin("qsort"));
  applyAll(*Env, {*Env->actions().find("sroa")});
  std::string Before = hashOf(*Env);
  size_t Gvn = *Env->actions().find("gvn");
  EXPECT_NE(errorOf(Env->multistep({Gvn, Env->actions().size()}))
                .find("out of range"),
            std::string::npos);
  EXPECT_NE(errorOf(Env->multistepPipelines({"function(gvn)", "no-such-pass"}))
                .find("no-such-pass"),
            std::string::npos);
  EXPECT_NE(errorOf(Env->multistep({})).find("at least one"),
            std::string::npos);
  EXPECT_EQ(hashOf(*Env), Before);
  EXPECT_EQ(Env->actionHistory().size(), 1u);
  EXPECT_EQ(Env->pipeline(), "function(sroa)");
}

TEST(EnvironmentTest, FailedObservationsAndRewardsNameTheirSpaceAndBenchmark) {
  BenchmarkPtr NotRunnable =
      take(loadBenchmark(testing::testData("cli/small.ll")));
  auto Env = take(Environment::create());
  take(Env->reset(NotRunnable));
  std::string Observed = errorOf(Env->observe("RuntimeO3"));
  EXPECT_NE(
      Observed.find("observation RuntimeO3 of '" + NotRunnable->uri() + "'"),
      std::string::npos)
      << Observed;
  EXPECT_NE(Observed.find("not runnable"), std::string::npos) << Observed;

  auto Timed = take(Environment::create({nullptr, "", "RuntimeO3"}));
  std::string Rewarded = errorOf(Timed->reset(NotRunnable));
  EXPECT_NE(Rewarded.find("reward RuntimeO3 of '" + NotRunnable->uri() + "'"),
            std::string::npos)
      << Rewarded;
}

TEST(EnvironmentTest, InvalidPipelineInActionIsAnErrorNotACrash) {
  auto Space = std::make_shared<ActionSpace>(
      "bad", std::vector<Action>{{"nope", "function(no-such-pass)"}});
  auto Env = take(Environment::create({Space}));
  take(Env->reset(builtin("crc32")));
  EXPECT_NE(errorOf(Env->step(0)).find("no-such-pass"), std::string::npos);
  EXPECT_FALSE(Env->done());
}

} // namespace
} // namespace passgym
