//===- observations/tests/FeaturesTest.cpp --------------------------------===//
//
// Autophase and InstCount on tests/data/autophase_small.ll, whose expected
// values were counted by hand from the IR text.
//
//===----------------------------------------------------------------------===//
#include "observations/Features.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>

namespace passgym {
namespace {

std::unique_ptr<llvm::Module> parseTestModule(llvm::LLVMContext &Ctx,
                                              const std::string &Name) {
  llvm::SMDiagnostic Err;
  std::string Path = std::string(PASSGYM_TEST_DATA_DIR) + "/" + Name;
  std::unique_ptr<llvm::Module> M = llvm::parseIRFile(Path, Err, Ctx);
  if (!M)
    ADD_FAILURE() << "cannot parse " << Path << ": " << Err.getMessage().str();
  return M;
}

int64_t instCountOf(const std::vector<int64_t> &Counts,
                    const std::string &Name) {
  const std::vector<std::string> &Names = instCountFeatureNames();
  auto It = std::find(Names.begin(), Names.end(), Name);
  if (It == Names.end()) {
    ADD_FAILURE() << "no InstCount feature " << Name;
    return -1;
  }
  return Counts[It - Names.begin()];
}

// Block shapes of autophase_small.ll as (predecessors, successors):
//   @sum:      entry (0,2)  body (2,2, self loop)  exit (2,0)
//   @dispatch: entry (0,4, switch)  case0 (1,1)  case1 (1,1)  default (1,1)
//              join (4,0)
//   @misc:     entry (0,2)  then (1,2)  else (2,1)  merge (2,0)
const std::vector<int64_t> kExpectedAutophase = {
    1,  // 0 BBNumArgsHi: dispatch.join (4 phis x 4 incoming = 16).
    4,  // 1 BBNumArgsLo: sum.body (4), sum.exit (2), misc.else (2),
        //   misc.merge (2).
    4,  // 2 onePred: case0, case1, default, misc.then.
    3,  // 3 onePredOneSuc: case0, case1, default.
    1,  // 4 onePredTwoSuc: misc.then.
    4,  // 5 oneSuccessor: case0, case1, default, misc.else.
    4,  // 6 twoPred: sum.body, sum.exit, misc.else, misc.merge.
    1,  // 7 twoPredOneSuc: misc.else.
    1,  // 8 twoEach: sum.body.
    4,  // 9 twoSuccessor: sum.entry, sum.body, misc.entry, misc.then
        //   (dispatch.entry has four).
    1,  // 10 morePreds: dispatch.join.
    4,  // 11 BB03Phi: sum.body (2), sum.exit, misc.else, misc.merge (1 each).
    1,  // 12 BBHiPhi: dispatch.join (4).
    7,  // 13 BBNoPhi: the other 12 - 5 blocks.
    5,  // 14 BeginPhi: blocks starting with a phi (one per block, not the
        //    number of phis): sum.body, sum.exit, join, misc.else, misc.merge.
    8,  // 15 BranchCount: `br` only, 2 + 3 + 3 (the switch is not counted).
    2,  // 16 returnInt: the two direct calls of @ext, which returns i32.
    8,  // 17 CriticalCount: sum: entry->body, entry->exit, body->exit,
        //    body->body; dispatch: entry->join; misc: entry->else,
        //    then->merge, then->else. (entry->then, else->merge and the case
        //    blocks' edges are not: one side has a single edge.)
    16, // 18 NumEdges: sum 4, dispatch 4 + 3, misc 2 + 2 + 1.
    18, // 19 const32Bit: sum: icmp 0, phi 1, phi 0 (3); dispatch: the
        //    implicit `i32 1` size of both allocas, switch cases 0/1/7,
        //    %p2's 0/1/2 (8); misc: -1, 255, 100, lshr 1, select 0, udiv 3,
        //    shl 1 (7).
    11, // 20 const64Bit: sum: phi 0, add 1 (2); dispatch: mul 3, GEP 0 and
        //    1, shl 2, %p3's 0/0/1, select -1 (8); misc: and 4294967295 (1).
    11, // 21 numConstZeroes: sum: icmp, %i, %res (3); dispatch: case 0,
        //    GEP 0, %p2 0, %p3 0 0, %p4 false false (7); misc: select 0 (1).
    12, // 22 numConstOnes: sum: %acc, add (2); dispatch: 2 allocas, case 1,
        //    GEP 1, %p2 1, %p3 1, %p4 true true (8); misc: lshr, shl (2).
    4,  // 23 UncondBranches: 3 in dispatch, else->merge.
    10, // 24 binaryConstArg: sum: add 1; dispatch: mul 3, shl 2; misc: xor,
        //    and 255, lshr, fadd 1.0 (a ConstantFP counts), udiv, shl,
        //    and 4294967295. Not icmp/select/fneg (not BinaryOperators).
    1,  // 25 NumAShrInst
    5,  // 26 NumAddInst: 2 in sum, 3 in dispatch.
    2,  // 27 NumAllocaInst
    2,  // 28 NumAndInst
    1,  // 29 BlockMid: misc.merge (17 instructions).
    11, // 30 BlockLow: every other block.
    1,  // 31 NumBitCastInst
    8,  // 32 NumBrInst
    2,  // 33 NumCallInst
    2,  // 34 NumGetElementPtrInst
    4,  // 35 NumICmpInst
    1,  // 36 NumLShrInst
    3,  // 37 NumLoadInst
    2,  // 38 NumMulInst
    1,  // 39 NumOrInst
    9,  // 40 NumPHIInst: 3 + 4 + 2.
    3,  // 41 NumRetInst
    2,  // 42 NumSExtInst
    2,  // 43 NumSelectInst
    2,  // 44 NumShlInst
    2,  // 45 NumStoreInst
    1,  // 46 NumSubInst
    2,  // 47 NumTruncInst
    1,  // 48 NumXorInst
    2,  // 49 NumZExtInst
    12, // 50 TotalBlocks: 3 + 5 + 4.
    65, // 51 TotalInsts: 13 + 25 + 27.
    11, // 52 TotalMemInst: GEP/load/store/call/invoke/alloca: sum 2 (GEP,
        //    load), dispatch 8 (2 allocas, 2 stores, GEP, 2 loads, call),
        //    misc 1 (call).
    4,  // 53 TotalFuncs: the declaration @ext counts too (CompilerGym).
    26, // 54 ArgsPhi: sum 2 + 2 + 2, dispatch 16, misc 2 + 2.
    13, // 55 testUnary: llvm::UnaryInstruction: sum: load, trunc (2);
        //    dispatch: 2 allocas, 2 loads, sext, zext (6); misc: zext, fneg,
        //    bitcast, sext, trunc (5; freeze is not one).
};

TEST(FeaturesTest, AutophaseNames) {
  const std::vector<std::string> &Names = autophaseFeatureNames();
  ASSERT_EQ(Names.size(), kAutophaseFeatureCount);
  EXPECT_EQ(Names.front(), "BBNumArgsHi");
  EXPECT_EQ(Names[17], "CriticalCount");
  EXPECT_EQ(Names.back(), "testUnary");
  EXPECT_EQ(std::set<std::string>(Names.begin(), Names.end()).size(),
            Names.size());
}

TEST(FeaturesTest, AutophaseOfSmallModule) {
  llvm::LLVMContext Ctx;
  std::unique_ptr<llvm::Module> M = parseTestModule(Ctx, "autophase_small.ll");
  ASSERT_TRUE(M);
  std::vector<int64_t> Features = computeAutophase(*M);
  ASSERT_EQ(Features.size(), kAutophaseFeatureCount);
  ASSERT_EQ(kExpectedAutophase.size(), kAutophaseFeatureCount);
  const std::vector<std::string> &Names = autophaseFeatureNames();
  for (size_t I = 0; I != kAutophaseFeatureCount; ++I)
    EXPECT_EQ(Features[I], kExpectedAutophase[I])
        << "feature " << I << " (" << Names[I] << ")";
  EXPECT_EQ(Features[51], static_cast<int64_t>(M->getInstructionCount()));
}

TEST(FeaturesTest, AutophaseIsDeterministic) {
  llvm::LLVMContext Ctx1, Ctx2;
  std::unique_ptr<llvm::Module> M1 =
      parseTestModule(Ctx1, "autophase_small.ll");
  std::unique_ptr<llvm::Module> M2 =
      parseTestModule(Ctx2, "autophase_small.ll");
  ASSERT_TRUE(M1 && M2);
  EXPECT_EQ(computeAutophase(*M1), computeAutophase(*M2));
  EXPECT_EQ(computeInstCount(*M1), computeInstCount(*M2));
}

TEST(FeaturesTest, InstCountNames) {
  const std::vector<std::string> &Names = instCountFeatureNames();
  // Three totals, then the 67 opcodes of LLVM 19 (Ret = 1 ... Freeze = 67).
  ASSERT_EQ(Names.size(), 3u + 67u);
  EXPECT_EQ(Names[0], "TotalInsts");
  EXPECT_EQ(Names[1], "TotalBlocks");
  EXPECT_EQ(Names[2], "TotalFuncs");
  EXPECT_EQ(Names[3], "RetCount");
  EXPECT_EQ(Names[4], "BrCount");
  EXPECT_EQ(Names.back(), "FreezeCount");
}

TEST(FeaturesTest, InstCountOfSmallModule) {
  llvm::LLVMContext Ctx;
  std::unique_ptr<llvm::Module> M = parseTestModule(Ctx, "autophase_small.ll");
  ASSERT_TRUE(M);
  std::vector<int64_t> Counts = computeInstCount(*M);
  ASSERT_EQ(Counts.size(), instCountFeatureNames().size());

  EXPECT_EQ(Counts[0], static_cast<int64_t>(M->getInstructionCount()));
  EXPECT_EQ(instCountOf(Counts, "TotalInsts"), 65);
  EXPECT_EQ(instCountOf(Counts, "TotalBlocks"), 12);
  EXPECT_EQ(instCountOf(Counts, "TotalFuncs"), 4); // @ext counts too.

  EXPECT_EQ(instCountOf(Counts, "RetCount"), 3);
  EXPECT_EQ(instCountOf(Counts, "BrCount"), 8);
  EXPECT_EQ(instCountOf(Counts, "SwitchCount"), 1);
  EXPECT_EQ(instCountOf(Counts, "FNegCount"), 1);
  EXPECT_EQ(instCountOf(Counts, "AddCount"), 5);
  EXPECT_EQ(instCountOf(Counts, "FAddCount"), 1);
  EXPECT_EQ(instCountOf(Counts, "UDivCount"), 1);
  EXPECT_EQ(instCountOf(Counts, "AllocaCount"), 2);
  EXPECT_EQ(instCountOf(Counts, "LoadCount"), 3);
  EXPECT_EQ(instCountOf(Counts, "StoreCount"), 2);
  EXPECT_EQ(instCountOf(Counts, "ICmpCount"), 4);
  EXPECT_EQ(instCountOf(Counts, "PHICount"), 9);
  EXPECT_EQ(instCountOf(Counts, "CallCount"), 2);
  EXPECT_EQ(instCountOf(Counts, "FreezeCount"), 1);
  EXPECT_EQ(instCountOf(Counts, "InvokeCount"), 0);

  int64_t PerOpcodeSum = 0;
  for (size_t I = 3; I != Counts.size(); ++I)
    PerOpcodeSum += Counts[I];
  EXPECT_EQ(PerOpcodeSum, Counts[0]);
}

TEST(FeaturesTest, EmptyModule) {
  llvm::LLVMContext Ctx;
  llvm::Module M("empty", Ctx);
  EXPECT_EQ(computeAutophase(M),
            std::vector<int64_t>(kAutophaseFeatureCount, 0));
  EXPECT_EQ(computeInstCount(M),
            std::vector<int64_t>(instCountFeatureNames().size(), 0));
}

} // namespace
} // namespace passgym
