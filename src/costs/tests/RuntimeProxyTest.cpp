#include "costs/RuntimeProxy.h"

#include "actions/PassRunner.h"
#include "datasets/Benchmark.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::take;

constexpr const char *kTriple = "x86_64-unknown-linux-gnu";

// Hand-computed on the x86-64 model (Sandy Bridge's): three dependent
// `imull`s (latency 3 each) take 9 cycles per execution; six independent
// `addl`s share three ALU ports, 2 cycles. Over 100 back-to-back executions
// MCA adds a few cycles of pipeline fill (llvm-mca-19 says 903 and 203).
TEST(RuntimeProxyTest, CyclesOfHandComputedBlocks) {
  const char *Assembly = R"(
	.text
	.globl	f
f:
# %bb.0:                                # %passgym.b0
	imull	%eax, %eax
	imull	%eax, %eax
	imull	%eax, %eax
.LBB0_1:                                # %passgym.b7
                                        # =>This Inner Loop Header: Depth=1
	addl	$1, %eax
	addl	$1, %ecx
	addl	$1, %edx
# %bb.2:                                # %passgym.b7.preheader
	addl	$1, %esi
	addl	$1, %edi
	addl	$1, %r8d
)";
  auto Blocks = take(analyseAssembly(Assembly, kTriple, "x86-64"));
  ASSERT_EQ(Blocks.size(), 2u);
  EXPECT_EQ(Blocks[0].IrBlock, 0u);
  EXPECT_EQ(Blocks[0].Instructions, 3u);
  EXPECT_NEAR(Blocks[0].Cycles, 9.0, 0.05);
  // A block that codegen derived from b7 does not start a block of its own.
  EXPECT_EQ(Blocks[1].IrBlock, 7u);
  EXPECT_EQ(Blocks[1].Instructions, 6u);
  EXPECT_NEAR(Blocks[1].Cycles, 2.0, 0.05);
}

TEST(RuntimeProxyTest, UnparsableAssemblyIsAnError) {
  std::string Message = testing::errorOf(
      analyseAssembly("\tnotaninstruction %eax\n", kTriple, "x86-64"));
  EXPECT_NE(Message.find("cannot parse"), std::string::npos) << Message;
}

BenchmarkPtr loopProgram(const TempDir &Dir) {
  std::string Path = Dir.file("loop.c");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Path, EC);
    Out << "int main(void) {\n"
           "  volatile int Sum = 0;\n"
           "  for (int I = 0; I < 1000; ++I)\n"
           "    Sum += I;\n"
           "  return Sum == 499500 ? 0 : 1;\n"
           "}\n";
  }
  auto B = std::const_pointer_cast<Benchmark>(take(loadBenchmark(Path)));
  B->setRunSpec(RunSpec());
  return B;
}

TEST(RuntimeProxyTest, CountsComeFromTheRunAndWeightMcaCycles) {
  auto Dir = take(TempDir::create("passgym-test"));
  BenchmarkPtr B = loopProgram(Dir);
  llvm::LLVMContext Context;
  auto M = take(B->load(Context));
  RuntimeProxyEstimate Unoptimized =
      take(estimateRuntimeProxy(*M, *B->runSpec()));
  // clang's unoptimized loop: entry 1, condition 1001, body and increment
  // 1000 each, the loop's cleanup (lifetime end) and exit 1 each.
  std::vector<uint64_t> Counts = Unoptimized.Executions;
  llvm::sort(Counts);
  EXPECT_EQ(Counts, (std::vector<uint64_t>{1, 1, 1, 1000, 1000, 1001}));

  double Sum = 0;
  uint64_t Executions = 0;
  for (const AssemblyBlock &Block : Unoptimized.Blocks) {
    if (Block.IrBlock)
      Executions = Unoptimized.Executions[*Block.IrBlock];
    Sum += Block.Cycles * Executions;
  }
  EXPECT_DOUBLE_EQ(Unoptimized.Cycles, Sum);
  EXPECT_GT(Unoptimized.Cycles, 1000.0);

  take(runPipeline(*M, "default<O3>"));
  RuntimeProxyEstimate Optimized = take(estimateRuntimeProxy(*M, *B->runSpec()));
  EXPECT_LT(Optimized.Cycles, Unoptimized.Cycles);
}

} // namespace
} // namespace passgym
