#include "costs/Measurement.h"

#include "actions/PassRunner.h"
#include "costs/Cost.h"
#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::errorOf;
using testing::take;

using testing::builtin;

/// A benchmark compiled from \p Source, runnable with \p Spec.
BenchmarkPtr fromSource(const std::string &Source, RunSpec Spec,
                        const TempDir &Dir) {
  std::string Path = Dir.file("program.c");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Path, EC);
    Out << Source;
  }
  auto B = std::const_pointer_cast<Benchmark>(take(loadBenchmark(Path)));
  B->setRunSpec(std::move(Spec));
  return B;
}

TEST(RuntimeTest, EveryBuiltinProgramValidatesAtO0AndO3) {
  for (const std::string &Name : testing::take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    ASSERT_TRUE(B->runSpec()) << Name;
    ProgramBehaviour Reference = take(referenceBehaviour(*B));
    EXPECT_EQ(Reference.ExitCode, 0) << Name;
    EXPECT_NE(Reference.StandardOutput.find("checksum"), std::string::npos)
        << Name << ": " << Reference.StandardOutput;

    llvm::LLVMContext Context;
    auto M = take(B->load(Context));
    testing::check(validateModule(*M, *B));
    take(runPipeline(*M, "default<O3>"));
    testing::check(validateModule(*M, *B));
  }
}

TEST(RuntimeTest, ValidationCatchesAModuleWhoseOutputChanged) {
  BenchmarkPtr B = builtin("crc32");
  llvm::LLVMContext Context;
  auto M = take(B->load(Context));
  // CRC-32 is built on xor; or in its place changes every checksum.
  std::vector<llvm::BinaryOperator *> Xors;
  for (llvm::Function &F : *M)
    for (llvm::Instruction &I : llvm::instructions(F))
      if (auto *Op = llvm::dyn_cast<llvm::BinaryOperator>(&I);
          Op && Op->getOpcode() == llvm::Instruction::Xor)
        Xors.push_back(Op);
  ASSERT_FALSE(Xors.empty());
  for (llvm::BinaryOperator *Xor : Xors) {
    auto *Or = llvm::BinaryOperator::CreateOr(Xor->getOperand(0),
                                              Xor->getOperand(1), "", Xor);
    Xor->replaceAllUsesWith(Or);
    Xor->eraseFromParent();
  }
  std::string Message = errorOf(validateModule(*M, *B));
  EXPECT_TRUE(Message.find("stdout differs") != std::string::npos ||
              Message.find("exit code") != std::string::npos)
      << Message;
}

TEST(RuntimeTest, HangingProgramIsKilledAndReported) {
  auto Dir = take(TempDir::create("passgym-test"));
  RunSpec Spec;
  Spec.Timeout = std::chrono::milliseconds(300);
  BenchmarkPtr B = fromSource(
      "int main(int argc, char **argv) { volatile int x = 1; while (x) {} }\n",
      Spec, Dir);
  std::string Message = errorOf(referenceBehaviour(*B));
  EXPECT_NE(Message.find("timed out"), std::string::npos) << Message;
}

TEST(RuntimeTest, CrashingProgramIsReported) {
  auto Dir = take(TempDir::create("passgym-test"));
  BenchmarkPtr B = fromSource(
      "int main(void) { volatile int *p = 0; return *p; }\n", RunSpec(), Dir);
  std::string Message = errorOf(referenceBehaviour(*B));
  EXPECT_NE(Message.find("signal 11"), std::string::npos) << Message;
}

TEST(RuntimeTest, ProgramFillingTheDiskIsStopped) {
  auto Dir = take(TempDir::create("passgym-test"));
  RunSpec Spec;
  Spec.MaxFileBytes = 1 << 20;
  BenchmarkPtr B = fromSource(R"(#include <stdio.h>
int main(void) {
  static char block[65536];
  FILE *f = fopen("huge.bin", "w");
  for (int i = 0; i < 1024; ++i)
    fwrite(block, 1, sizeof block, f);
  fclose(f);
  return 0;
})",
                              Spec, Dir);
  std::string Message = errorOf(referenceBehaviour(*B));
  EXPECT_NE(Message.find("signal 25"), std::string::npos) << Message;
}

TEST(RuntimeTest, ProgramCannotWriteOutsideItsRunDirectory) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Outside = Dir.file("outside.txt");
  BenchmarkPtr B = fromSource(R"(#include <stdio.h>
int main(void) {
  FILE *inside = fopen("inside.txt", "w");
  FILE *outside = fopen(")" + Outside +
                                  R"(", "w");
  printf("inside %s, outside %s\n", inside ? "written" : "refused",
         outside ? "written" : "refused");
  return 0;
})",
                              RunSpec(), Dir);
  ProgramBehaviour Reference = take(referenceBehaviour(*B));
  EXPECT_EQ(Reference.StandardOutput, "inside written, outside refused\n");
  EXPECT_FALSE(llvm::sys::fs::exists(Outside));
}

TEST(RuntimeTest, ExitCodeInputsAndOutputFilesAreCompared) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Input = Dir.file("input.txt");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Input, EC);
    Out << "41";
  }
  RunSpec Spec;
  Spec.InputFiles = {Input};
  Spec.OutputFiles = {"result.txt"};
  Spec.StandardInput = "7";
  Spec.ExpectedExitCode = 3;
  BenchmarkPtr B = fromSource(R"(#include <stdio.h>
#include <stdlib.h>
int main(void) {
  int a = 0, b = 0;
  FILE *in = fopen("input.txt", "r");
  if (!in || fscanf(in, "%d", &a) != 1 || scanf("%d", &b) != 1) return 9;
  fclose(in);
  FILE *out = fopen("result.txt", "w");
  fprintf(out, "%d\n", a + b);
  fclose(out);
  printf("done\n");
  exit(3);
})",
                              Spec, Dir);
  ProgramBehaviour Reference = take(referenceBehaviour(*B));
  EXPECT_EQ(Reference.ExitCode, 3);
  EXPECT_EQ(Reference.StandardOutput, "done\n");
  ASSERT_EQ(Reference.OutputFiles.size(), 1u);
  EXPECT_EQ(Reference.OutputFiles[0].second, "48\n");

  ProgramBehaviour Changed = Reference;
  Changed.OutputFiles[0].second = "49\n";
  EXPECT_NE(errorOf(compareBehaviour(Reference, Changed, RunSpec())).find("result.txt"),
            std::string::npos);
  Changed = Reference;
  Changed.ExitCode = 0;
  EXPECT_NE(errorOf(compareBehaviour(Reference, Changed, RunSpec())).find("exit code 0"),
            std::string::npos);
  Changed = Reference;
  Changed.OutputFiles.clear();
  EXPECT_NE(errorOf(compareBehaviour(Reference, Changed, RunSpec())).find("not written"),
            std::string::npos);
}

TEST(RuntimeTest, MainRepeatCallsMainThatManyTimesInOneRun) {
  auto Dir = take(TempDir::create("passgym-test"));
  RunSpec Spec;
  Spec.MainRepeat = 7;
  Spec.Args = {"arg"};
  Spec.OutputFiles = {"calls"};
  // Each call adds a line to a file, which the harness does not restore; its
  // stdout is the same on every call.
  BenchmarkPtr B = fromSource(R"(
#include <stdio.h>
int main(int argc, char **argv) {
  FILE *f = fopen("calls", "a");
  fprintf(f, "%s\n", argv[1]);
  fclose(f);
  puts("same every call");
  return 0;
})",
                              Spec, Dir);
  ProgramBehaviour Reference = take(referenceBehaviour(*B));
  ASSERT_EQ(Reference.OutputFiles.size(), 1u);
  std::string SevenArgs;
  for (int I = 0; I < 7; ++I)
    SevenArgs += "arg\n";
  EXPECT_EQ(Reference.OutputFiles[0].second, SevenArgs);
  // Stdout is what one call printed, once every call printed the same.
  EXPECT_EQ(Reference.StandardOutput, "same every call\n");
  EXPECT_EQ(Reference.Calls, 7);
}

TEST(RuntimeTest, MainRepeatStartsEveryCallFromTheFirstCallsGlobals) {
  auto Dir = take(TempDir::create("passgym-test"));
  RunSpec Spec;
  Spec.MainRepeat = 3;
  // Initialized and zeroed globals, a static local and a global array: a
  // main that never resets them repeats itself all the same.
  BenchmarkPtr B = fromSource(R"(
#include <stdio.h>
static int total = 5;
static int table[1000];
static unsigned seed = 12345u;
static int next(void) {
  static int count;
  seed = seed * 1664525u + 1013904223u;
  return ++count + (int)(seed % 7);
}
int main(void) {
  for (int i = 0; i < 1000; ++i)
    table[i] += i;
  total += table[999] + next();
  printf("%d %u\n", total, seed);
  return 0;
})",
                              Spec, Dir);
  ProgramBehaviour Reference = take(referenceBehaviour(*B));
  // Every call printed this (or the run would have failed).
  EXPECT_EQ(Reference.StandardOutput.substr(0, 5), "1010 ")
      << Reference.StandardOutput; // 5 + 999 + 1 + seed % 7
  EXPECT_EQ(Reference.Calls, 3);
}

TEST(RuntimeTest, MainRepeatIsRefusedWhenCallsDoNotRepeatTheFirst) {
  auto Dir = take(TempDir::create("passgym-test"));
  RunSpec Spec;
  Spec.MainRepeat = 3;
  // State kept in a file survives from call to call.
  BenchmarkPtr B = fromSource(R"(
#include <stdio.h>
int main(void) {
  FILE *f = fopen("state", "a+");
  fputc('x', f);
  printf("%ld\n", ftell(f));
  fclose(f);
  return 0;
})",
                              Spec, Dir);
  std::string Message = errorOf(referenceBehaviour(*B));
  EXPECT_NE(Message.find("its 3 calls of main did not all print the same"),
            std::string::npos)
      << Message;
}

/// One run under \p Spec of a program whose main sleeps \p SleepUs
/// microseconds and prints "slept": its behaviour and time per call.
std::pair<ProgramBehaviour, double> runSleeper(unsigned SleepUs,
                                               const RunSpec &Spec) {
  auto Dir = take(TempDir::create("passgym-test"));
  BenchmarkPtr B = fromSource("#define SLEEP_US " + std::to_string(SleepUs) +
                                  R"(
#include <stdio.h>
#include <time.h>
int main(void) {
  struct timespec pause = {SLEEP_US / 1000000, SLEEP_US % 1000000 * 1000};
  nanosleep(&pause, 0);
  puts("slept");
  return 0;
})",
                              RunSpec(), Dir);
  llvm::LLVMContext Context;
  auto M = take(B->load(Context));
  auto Built = take(Program::build(*M, Spec));
  auto Outcome = take(Built.run(Spec));
  EXPECT_EQ(Outcome.first.StandardOutput, "slept\n");
  return Outcome;
}

TEST(RuntimeTest, MainRepeatReportsTheTimeOfOneCall) {
  // About 20 ms a call: a run of five calls reports about 20 ms, not 100.
  RunSpec Spec;
  Spec.MainRepeat = 5;
  double Ms = runSleeper(20000, Spec).second;
  EXPECT_GE(Ms, 20.0);
  EXPECT_LT(Ms, 60.0);
}

/// The calls of main and the time per call of one run of runSleeper's
/// program, calling it for \p Ms ms.
std::pair<long, double> repeatForMs(unsigned SleepUs, unsigned Ms) {
  RunSpec Spec;
  Spec.MainRepeatMs = Ms;
  auto [Behaviour, PerCall] = runSleeper(SleepUs, Spec);
  return {Behaviour.Calls, PerCall};
}

TEST(RuntimeTest, MainRepeatMsCallsMainUntilTheTimedCallsAddUpToIt) {
  // Calls of at least 1 ms for 15 ms: the timed calls (all but the first)
  // add up to 15 ms or more, and the 15th of them reaches it at the latest.
  auto [Calls, PerCall] = repeatForMs(1000, 15);
  EXPECT_GT(Calls, 1);
  EXPECT_LE(Calls, 16);
  EXPECT_GE((Calls - 1) * PerCall, 15.0);
  EXPECT_GE(PerCall, 1.0);
}

TEST(RuntimeTest, MainRepeatMsTimesALongFirstCallAlone) {
  auto [Calls, PerCall] = repeatForMs(30000, 5);
  EXPECT_EQ(Calls, 1);
  EXPECT_GE(PerCall, 30.0);
}

TEST(RuntimeTest, ModuleWithoutMainIsNotRunnable) {
  auto Dir = take(TempDir::create("passgym-test"));
  auto B = std::const_pointer_cast<Benchmark>(
      take(loadBenchmark(testing::testData("autophase_small.ll"))));
  B->setRunSpec({});
  EXPECT_NE(errorOf(referenceBehaviour(*B)).find("no main function"),
            std::string::npos);
  auto NotRunnable =
      take(loadBenchmark(testing::testData("autophase_small.ll")));
  EXPECT_NE(errorOf(referenceBehaviour(*NotRunnable)).find("not runnable"),
            std::string::npos);
}

TEST(RuntimeTest, MedianIntervalUsesOrderStatistics) {
  std::vector<double> Samples;
  for (int I = 1; I <= 20; ++I)
    Samples.push_back(I);
  auto [Low, High] = medianInterval(Samples);
  // n = 20: ranks floor(10 - 4.38) = 5 and ceil(11 + 4.38) = 16.
  EXPECT_EQ(Low, 5);
  EXPECT_EQ(High, 16);
  auto [Few, Many] = medianInterval({3, 1, 2});
  EXPECT_EQ(Few, 1);
  EXPECT_EQ(Many, 3);
}

TEST(RuntimeTest, StoppingRuleWantsTheFloorSeenSeveralTimes) {
  MeasurementOptions Options; // 3 runs within 1% of the fastest
  EXPECT_FALSE(floorConfirmed({5.0, 5.01}, Options));
  EXPECT_TRUE(floorConfirmed({5.0, 5.01, 5.04}, Options));
  // One fast outlier and a burst of slow runs: not yet.
  EXPECT_FALSE(floorConfirmed({4.0, 5.0, 5.01, 5.02, 6.0}, Options));
  EXPECT_TRUE(floorConfirmed({4.0, 5.0, 4.03, 6.0, 4.02}, Options));
  Options.MinRuns = 6;
  EXPECT_FALSE(floorConfirmed({5.0, 5.0, 5.0}, Options));
}

TEST(RuntimeTest, MeasurementIsValidatedAndSummarized) {
  BenchmarkPtr B = builtin("qsort");
  llvm::LLVMContext Context;
  auto M = take(B->load(Context));
  MeasurementOptions Options;
  Options.MaxRuns = 8;
  RuntimeEstimate E = take(measureModule(*M, *B, Options));
  ASSERT_GE(E.Samples.size(), Options.MinRuns);
  EXPECT_LE(E.Samples.size(), Options.MaxRuns);
  EXPECT_GT(E.Minimum, 0);
  EXPECT_LE(E.Minimum, E.Lower);
  EXPECT_LE(E.Lower, E.Median);
  EXPECT_LE(E.Median, E.Upper);
  EXPECT_EQ(E.Converged, floorConfirmed(E.Samples, Options));
  if (!E.Converged)
    EXPECT_EQ(E.Samples.size(), Options.MaxRuns);
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(RuntimeCacheTest, RepeatedAndInvalidModulesAreNotMeasuredAgain) {
  auto Dir = testing::take(TempDir::create("passgym-test"));
  MeasurementContext Measurement({}, Dir.file("cache.sqlite"));
  BenchmarkPtr B = testing::builtin("crc32");
  llvm::LLVMContext Context;
  auto M = testing::take(B->load(Context));
  RuntimeEstimate First =
      testing::take(measureModuleCached(*M, *B, Measurement));
  RuntimeEstimate Second =
      testing::take(measureModuleCached(*M, *B, Measurement));
  CacheStatistics After = Measurement.statistics();
  EXPECT_EQ(After.Misses, 1u);
  EXPECT_EQ(After.Hits, 1u);
  EXPECT_EQ(First.Samples, Second.Samples);
  EXPECT_EQ(First.Median, Second.Median);

  // A module whose behaviour changed is remembered as invalid, with its reason.
  for (llvm::Function &F : *M)
    for (llvm::Instruction &I : llvm::instructions(F))
      if (auto *Op = llvm::dyn_cast<llvm::BinaryOperator>(&I);
          Op && Op->getOpcode() == llvm::Instruction::Xor)
        Op->setOperand(1, Op->getOperand(0));
  std::string Reason =
      testing::errorOf(measureModuleCached(*M, *B, Measurement));
  EXPECT_EQ(testing::errorOf(measureModuleCached(*M, *B, Measurement)), Reason);
  EXPECT_EQ(Measurement.statistics().Hits - After.Hits, 1u);

  // A new context on the same file finds both results without running them.
  MeasurementContext Later({}, Dir.file("cache.sqlite"));
  EXPECT_EQ(testing::errorOf(measureModuleCached(*M, *B, Later)), Reason);
  EXPECT_EQ(Later.statistics().Hits, 1u);
  EXPECT_EQ(Later.statistics().Misses, 0u);
}

TEST(RuntimeCacheTest, TwoContextsInOneProcessMeasureWithTheirOwnSettings) {
  auto Dir = testing::take(TempDir::create("passgym-test"));
  MeasurementOptions Quick;
  Quick.MinRuns = 1;
  Quick.MaxRuns = 1;
  Quick.AgreeingRuns = 1;
  MeasurementContext Fast(Quick, "");
  MeasurementContext Careful({}, Dir.file("careful.sqlite"));
  EXPECT_NE(Fast.optionsKey(), Careful.optionsKey());

  BenchmarkPtr B = testing::builtin("crc32");
  llvm::LLVMContext Context;
  auto M = testing::take(B->load(Context));
  RuntimeEstimate OneRun = testing::take(measureModuleCached(*M, *B, Fast));
  RuntimeEstimate Converged =
      testing::take(measureModuleCached(*M, *B, Careful));
  EXPECT_EQ(OneRun.Samples.size(), 1u);
  EXPECT_GE(Converged.Samples.size(), 3u);
  // Neither found the other's result: different options, different keys.
  EXPECT_EQ(Fast.statistics().Misses, 1u);
  EXPECT_EQ(Careful.statistics().Misses, 1u);
  // Only the careful context keeps results on disk.
  auto Cache =
      testing::take(MeasurementCache::open(Dir.file("careful.sqlite")));
  EXPECT_EQ(testing::take(Cache->size()), 1u);

  // Run-time baselines are kept per options too.
  double FastO0 = testing::take(
      baselineCost(CostFunction::Runtime, Baseline::O0, *B, Fast));
  double CarefulO0 = testing::take(
      baselineCost(CostFunction::Runtime, Baseline::O0, *B, Careful));
  EXPECT_EQ(FastO0, OneRun.Minimum);
  EXPECT_EQ(CarefulO0, Converged.Minimum);
}

/// A test-only pass that changes what crc32 computes.
struct OrForXorPass : llvm::PassInfoMixin<OrForXorPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &) {
    for (llvm::Function &F : M)
      for (llvm::Instruction &I : llvm::instructions(F))
        if (auto *Op = llvm::dyn_cast<llvm::BinaryOperator>(&I);
            Op && Op->getOpcode() == llvm::Instruction::Xor)
          Op->setOperand(1, Op->getOperand(0));
    return llvm::PreservedAnalyses::none();
  }
};

TEST(RuntimeCacheTest, RuntimeRewardIsScaledByTheO3Gain) {
  auto Space = std::make_shared<ActionSpace>(
      "test", std::vector<Action>{{"sroa", "function(sroa)"}});
  auto Measurement =
      std::make_shared<MeasurementContext>(MeasurementOptions(), std::string());
  auto Env = testing::take(
      Environment::create({Space, "Runtime", "RuntimeO3", Measurement}));
  BenchmarkPtr B = testing::builtin("qsort");
  auto Initial = testing::take(Env->reset(B));
  ASSERT_TRUE(Initial);
  double O0 = std::get<double>(*Initial);
  EXPECT_GT(O0, 0);
  StepResult Step = testing::take(Env->step(0));
  ASSERT_FALSE(Step.Done) << Step.Info.Error;
  double AfterSroa = std::get<double>(*Step.Observation);
  double O3 = testing::take(
      baselineCost(CostFunction::Runtime, Baseline::O3, *B, *Measurement));
  EXPECT_LT(O3, O0);
  EXPECT_NEAR(Step.Reward, (O0 - AfterSroa) / Env->reward().scale(), 1e-9);
  EXPECT_EQ(Env->reward().scale(), std::max(O0 - O3, 0.01 * O0));
}

} // namespace
} // namespace passgym

namespace passgym {
namespace {

TEST(RuntimeCacheTest, InvalidProgramEndsTheEpisodeWithThePenalty) {
  addPassBuilderCallback([](llvm::PassBuilder &PB) {
    PB.registerPipelineParsingCallback(
        [](llvm::StringRef Name, llvm::ModulePassManager &MPM,
           llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
          if (Name != "passgym-test-or-for-xor")
            return false;
          MPM.addPass(OrForXorPass());
          return true;
        });
  });
  auto Space = std::make_shared<ActionSpace>(
      "test", std::vector<Action>{{"break", "passgym-test-or-for-xor"}});
  auto Env = testing::take(Environment::create(
      {Space, "", "Runtime",
       std::make_shared<MeasurementContext>(MeasurementOptions(), "")}));
  testing::take(Env->reset(testing::builtin("crc32")));
  StepResult Step = testing::take(Env->step(0));
  EXPECT_TRUE(Step.Done);
  EXPECT_TRUE(Step.Info.Error.find("stdout differs") != std::string::npos ||
              Step.Info.Error.find("exit code") != std::string::npos)
      << Step.Info.Error;
  EXPECT_EQ(Step.Reward, Env->reward().failurePenalty());
  EXPECT_EQ(Step.Reward, -Env->reward().initialCost());
}

} // namespace
} // namespace passgym
