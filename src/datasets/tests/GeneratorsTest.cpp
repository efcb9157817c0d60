#include "datasets/Generators.h"

#include "actions/PassRunner.h"
#include "costs/Measurement.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::check;
using testing::errorOf;
using testing::take;

std::string csmith(uint32_t Seed) {
  return "generator://csmith-v0/" + std::to_string(Seed);
}

TEST(GeneratorsTest, CsmithProgramsRunAndValidateAfterO3) {
  for (uint32_t Seed : {1u, 2u, 3u, 4u, 5u}) {
    SCOPED_TRACE(csmith(Seed));
    auto B = take(loadBenchmark(csmith(Seed)));
    EXPECT_EQ(B->uri(), csmith(Seed));
    ASSERT_TRUE(B->runSpec());
    EXPECT_TRUE(B->runSpec()->Args.empty());
    EXPECT_EQ(B->runSpec()->Timeout, std::chrono::seconds(10));
    ProgramBehaviour Reference = take(referenceBehaviour(*B));
    EXPECT_EQ(Reference.ExitCode, 0);
    // csmith's programs print a checksum of their globals, which is what
    // makes them validatable.
    EXPECT_NE(Reference.StandardOutput.find("checksum = "), std::string::npos)
        << Reference.StandardOutput;
    // They run for microseconds: a run calls main again and again.
    EXPECT_GT(Reference.Calls, 10);

    llvm::LLVMContext Context;
    auto M = take(B->load(Context));
    take(runPipeline(*M, "default<O3>"));
    check(validateModule(*M, *B));
  }
}

TEST(GeneratorsTest, SameSeedGivesIdenticalBitcode) {
  for (const std::string &Uri :
       {csmith(7), std::string("generator://llvm-stress-v0/7")}) {
    auto First = take(loadBenchmark(Uri));
    auto Second = take(loadBenchmark(Uri));
    EXPECT_EQ(First->bitcode().getBuffer(), Second->bitcode().getBuffer())
        << Uri;
  }
}

TEST(GeneratorsTest, DifferentSeedsGiveDifferentBitcode) {
  auto A = take(loadBenchmark(csmith(7)));
  auto B = take(loadBenchmark(csmith(8)));
  EXPECT_NE(A->bitcode().getBuffer(), B->bitcode().getBuffer());
  auto C = take(loadBenchmark("generator://llvm-stress-v0/7"));
  auto D = take(loadBenchmark("generator://llvm-stress-v0/8"));
  EXPECT_NE(C->bitcode().getBuffer(), D->bitcode().getBuffer());
}

TEST(GeneratorsTest, LlvmStressLoadsAndIsNotRunnable) {
  auto B = take(loadBenchmark("generator://llvm-stress-v0/42"));
  EXPECT_FALSE(B->runSpec());
  llvm::LLVMContext Context;
  auto M = take(B->load(Context));
  EXPECT_GT(M->getInstructionCount(), 100u);
  EXPECT_TRUE(M->getFunction("autogen_SD42"));
  std::string Message = errorOf(referenceBehaviour(*B));
  EXPECT_NE(Message.find("not runnable"), std::string::npos) << Message;
}

TEST(GeneratorsTest, BadSeedsAndGeneratorsAreErrors) {
  for (const char *Seed : {"", "abc", "-1", "+1", "12x", "0x10", "007",
                           "4294967296", "99999999999999999999"}) {
    std::string Uri = std::string("generator://csmith-v0/") + Seed;
    std::string Message = errorOf(loadBenchmark(Uri));
    EXPECT_NE(Message.find("invalid seed '" + std::string(Seed) + "'"),
              std::string::npos)
        << Message;
    EXPECT_NE(Message.find(Uri), std::string::npos) << Message;
  }
  // The extremes are valid seeds.
  EXPECT_TRUE(take(loadBenchmark("generator://llvm-stress-v0/0")));
  EXPECT_TRUE(take(loadBenchmark("generator://llvm-stress-v0/4294967295")));

  std::string Message = errorOf(loadBenchmark("generator://yarpgen-v0/1"));
  EXPECT_NE(Message.find("unknown generator 'yarpgen-v0'"), std::string::npos)
      << Message;
  EXPECT_NE(Message.find("generator://csmith-v0/SEED"), std::string::npos)
      << Message;
}

TEST(GeneratorsTest, TheDatasetsAreListed) {
  std::vector<GeneratorInfo> All = generators();
  ASSERT_EQ(All.size(), 3u);
  EXPECT_EQ(All[0].Dataset, "csmith-v0");
  EXPECT_TRUE(All[0].Runnable);
  EXPECT_EQ(All[1].Dataset, "llvm-stress-v0");
  EXPECT_FALSE(All[1].Runnable);
  EXPECT_EQ(All[2].Dataset, "linked-builtins-v0");
  EXPECT_FALSE(All[2].Runnable);
}

TEST(GeneratorsTest, LinkedBuiltinsHoldEveryProgramWithItsMainRenamed) {
  std::vector<std::string> Names = take(builtinBenchmarkNames());
  llvm::LLVMContext Context;
  size_t Expected = 0;
  for (size_t I = 0; I < 3; ++I)
    Expected +=
        take(testing::builtin(Names[I])->load(Context))->getInstructionCount();
  auto Linked = take(loadBenchmark("generator://linked-builtins-v0/3"));
  auto M = take(Linked->load(Context));
  EXPECT_EQ(M->getInstructionCount(), Expected);
  EXPECT_EQ(M->getFunction("main"), nullptr);
  for (size_t I = 0; I < 3; ++I) {
    const llvm::Function *Main = M->getFunction(Names[I] + "_main");
    ASSERT_NE(Main, nullptr) << Names[I];
    EXPECT_FALSE(Main->isDeclaration());
  }
  for (const char *Bad : {"generator://linked-builtins-v0/0",
                          "generator://linked-builtins-v0/999"})
    EXPECT_NE(errorOf(loadBenchmark(Bad)).find("links 1 to"), std::string::npos)
        << Bad;
}

} // namespace
} // namespace passgym
