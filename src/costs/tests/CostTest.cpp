#include "costs/Cost.h"

#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <map>
#include <random>
#include <sstream>

namespace passgym {
namespace {

using testing::take;

/// The environment's module after a few random actions, written as bitcode.
struct Sample {
  std::unique_ptr<Environment> Env;
  std::string BitcodePath;
};

Sample sample(const std::string &Name, const TempDir &Dir, uint64_t Seed) {
  auto Env = take(Environment::create());
  take(Env->reset(take(loadBenchmark("benchmark://builtin-v0/" + Name))));
  std::mt19937_64 Random(Seed);
  for (int I = 0; I < 15; ++I)
    if (take(Env->step(Random() % Env->actions().size())).Done)
      throw std::runtime_error("episode ended early");
  std::string Path = Dir.file(Name + ".bc");
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC);
  llvm::WriteBitcodeToFile(take(Env->module()), Out);
  return {std::move(Env), Path};
}

std::string run(std::vector<std::string> Argv) {
  SubprocessOptions Options{std::move(Argv)};
  auto Result = take(runSubprocess(Options));
  if (!Result.succeeded())
    throw std::runtime_error(Options.Argv[0] + ": " + Result.StandardError);
  return Result.StandardOutput;
}

/// Instructions in opt's textual IR: the lines of a function body indented
/// by exactly two spaces that start a value or an opcode.
int64_t countInstructionLines(const std::string &Ir) {
  int64_t Count = 0;
  std::istringstream Lines(Ir);
  for (std::string Line; std::getline(Lines, Line);) {
    if (Line.size() < 3 || Line.compare(0, 2, "  ") != 0 || Line[2] == ' ')
      continue;
    if (Line[2] == '%' || llvm::isLower(Line[2]))
      ++Count;
  }
  return Count;
}

/// Sum of the executable sections' sizes as binutils' `size -A` lists them.
int64_t textSizeBySize(const std::string &Object) {
  int64_t Total = 0;
  std::istringstream Lines(run({"size", "-A", Object}));
  for (std::string Line; std::getline(Lines, Line);) {
    std::istringstream Fields(Line);
    std::string Name;
    int64_t Size = 0;
    if (Fields >> Name >> Size && llvm::StringRef(Name).starts_with(".text"))
      Total += Size;
  }
  return Total;
}

class CostAgainstTools : public ::testing::TestWithParam<const char *> {};

TEST_P(CostAgainstTools, InstructionCountMatchesOptsOutput) {
  auto Dir = take(TempDir::create("passgym-test"));
  Sample S = sample(GetParam(), Dir, 3);
  std::string Ir = run({"/usr/bin/opt-19", "-S", S.BitcodePath, "-o", "-"});
  int64_t Expected = countInstructionLines(Ir);
  EXPECT_GT(Expected, 10);
  EXPECT_EQ(
      take(computeCost(CostFunction::IrInstructionCount, take(S.Env->module()),
                       S.Env->benchmark(), S.Env->measurement())),
      Expected);
}

TEST_P(CostAgainstTools, TextSizesAtBothCodegenLevelsMatchLlcAndSize) {
  auto Dir = take(TempDir::create("passgym-test"));
  Sample S = sample(GetParam(), Dir, 5);
  std::string Object = Dir.file("out.o");
  // CompilerGym's size at -O0 codegen, and the shipped code's at -O2.
  std::map<std::string, int64_t> Sizes;
  for (auto [Cost, Level] : {std::pair{CostFunction::ObjectTextSizeBytes, "-O0"},
                             std::pair{CostFunction::CodeSizeBytes, "-O2"}}) {
    run({"/usr/bin/llc-19", Level, "-filetype=obj", S.BitcodePath, "-o",
         Object});
    int64_t Expected = textSizeBySize(Object);
    EXPECT_GT(Expected, 100);
    EXPECT_EQ(take(computeCost(Cost, take(S.Env->module()), S.Env->benchmark(),
                               S.Env->measurement())),
              Expected)
        << Level;
    Sizes[Level] = Expected;
  }
  EXPECT_NE(Sizes["-O0"], Sizes["-O2"]);
}

INSTANTIATE_TEST_SUITE_P(Builtin, CostAgainstTools,
                         ::testing::Values("crc32", "qsort", "sha256"));

TEST(CostTest, BaselinesAreTheUnoptimizedAndLlvmsPipelines) {
  auto B = testing::builtin("crc32");
  MeasurementContext Unused;
  double O0 = take(
      baselineCost(CostFunction::IrInstructionCount, Baseline::O0, *B, Unused));
  double O3 = take(
      baselineCost(CostFunction::IrInstructionCount, Baseline::O3, *B, Unused));
  double Oz = take(
      baselineCost(CostFunction::IrInstructionCount, Baseline::Oz, *B, Unused));
  llvm::LLVMContext Context;
  EXPECT_EQ(
      O0, static_cast<int64_t>(take(B->load(Context))->getInstructionCount()));

  auto Dir = take(TempDir::create("passgym-test"));
  std::string Input = Dir.file("in.bc");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Input, EC);
    Out << B->bitcode().getBuffer();
  }
  for (auto [Level, Value] : {std::pair{"O3", O3}, std::pair{"Oz", Oz}}) {
    std::string Ir =
        run({"/usr/bin/opt-19", std::string("-passes=default<") + Level + ">",
             "-S", Input, "-o", "-"});
    EXPECT_EQ(countInstructionLines(Ir), Value) << Level;
  }
  EXPECT_LT(Oz, O0);
}

} // namespace
} // namespace passgym
