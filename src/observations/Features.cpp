//===- observations/Features.cpp - Feature vectors of a module ------------===//
//
// Both extractors walk every function of the module, declarations included,
// in module order, and write into fixed-size arrays indexed by an enum, so the
// output is deterministic and independent of pointer values.
//
// Autophase follows the definitions of CompilerGym's
// compiler_gym/third_party/autophase/InstCount.cc (written against LLVM 10),
// including its quirks, which are noted where they occur, because users
// compare our vectors with CompilerGym's. Where LLVM 19 IR differs from
// LLVM 10 IR the definition is kept and the consequence is noted. One
// difference touches every count: LLVM 19 parses debug-info intrinsics
// (llvm.dbg.value etc.) into debug records, which are not instructions, so
// modules compiled with -g have fewer instructions, calls and memory
// instructions than CompilerGym reported; without -g nothing changes.
//
// InstCount follows CompilerGym's compiler_gym/third_party/llvm/InstCount.cc:
// three totals, then one counter per opcode of llvm/IR/Instruction.def.
//
//===----------------------------------------------------------------------===//
#include "observations/Features.h"

#include "llvm/Analysis/CFG.h"
#include "llvm/IR/BasicBlock.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instruction.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

#include <array>
#include <iterator>

namespace passgym {
namespace {

//===----------------------------------------------------------------------===//
// Autophase
//===----------------------------------------------------------------------===//

/// Indices of the Autophase features, in CompilerGym's order and with its
/// names.
enum AutophaseFeature : size_t {
#define AUTOPHASE_FEATURE(NAME) NAME,
#include "observations/Features.def"
  NumAutophaseFeatures
};

static_assert(NumAutophaseFeatures == kAutophaseFeatureCount,
              "Autophase enum and kAutophaseFeatureCount disagree");

using AutophaseVector = std::array<int64_t, kAutophaseFeatureCount>;

} // namespace

/// Counts the edges, critical edges and predecessor/successor shape of \p BB.
/// Predecessors and successors are counted with multiplicity (a switch with two
/// cases to the same block gives that block two predecessors), as LLVM's
/// pred_iterator and getNumSuccessors() do.
static void countBlockShape(const llvm::BasicBlock &BB, AutophaseVector &F) {
  const llvm::Instruction *Term = BB.getTerminator();
  unsigned NumSuccs = Term ? Term->getNumSuccessors() : 0;
  unsigned NumPreds = llvm::pred_size(&BB);

  // An edge is critical when its source has several successors and its
  // destination several predecessors; identical edges are not exempted
  // (llvm::isCriticalEdge with AllowIdenticalEdges = false, as CompilerGym).
  for (unsigned I = 0; I != NumSuccs; ++I) {
    ++F[NumEdges];
    if (llvm::isCriticalEdge(Term, I))
      ++F[CriticalCount];
  }

  if (NumSuccs == 1)
    ++F[oneSuccessor];
  else if (NumSuccs == 2)
    ++F[twoSuccessor];

  if (NumPreds == 1)
    ++F[onePred];
  else if (NumPreds == 2)
    ++F[twoPred];
  else if (NumPreds > 2)
    ++F[morePreds];

  if (NumPreds == 1 && NumSuccs == 1)
    ++F[onePredOneSuc];
  else if (NumPreds == 1 && NumSuccs == 2)
    ++F[onePredTwoSuc];
  else if (NumPreds == 2 && NumSuccs == 1)
    ++F[twoPredOneSuc];
  else if (NumPreds == 2 && NumSuccs == 2)
    ++F[twoEach];
}

/// Counts the phi nodes of \p BB and their incoming values, and buckets the
/// block by phi count, phi argument total and size.
static void countBlockPhisAndSize(const llvm::BasicBlock &BB,
                                  AutophaseVector &F) {
  // Quirk kept from CompilerGym: "BeginPhi" is not the number of phi nodes at
  // the start of blocks but the number of blocks whose first instruction is a
  // phi, i.e. at most one per block.
  if (!BB.empty() && llvm::isa<llvm::PHINode>(BB.front()))
    ++F[BeginPhi];

  // Like CompilerGym, look at every instruction rather than only BB.phis();
  // the two agree on verified IR, where phis lead the block.
  int64_t NumPhis = 0;
  int64_t NumPhiArgs = 0;
  for (const llvm::Instruction &I : BB) {
    const auto *Phi = llvm::dyn_cast<llvm::PHINode>(&I);
    if (!Phi)
      continue;
    ++NumPhis;
    NumPhiArgs += Phi->getNumIncomingValues();
  }
  F[ArgsPhi] += NumPhiArgs;

  if (NumPhis == 0)
    ++F[BBNoPhi];
  else if (NumPhis <= 3)
    ++F[BB03Phi];
  else
    ++F[BBHiPhi];

  if (NumPhiArgs > 5)
    ++F[BBNumArgsHi];
  else if (NumPhiArgs >= 1)
    ++F[BBNumArgsLo];

  // Blocks of more than 500 instructions are counted by CompilerGym
  // (BlockHigh) but are not part of the feature vector.
  size_t Size = BB.size();
  if (Size < 15)
    ++F[BlockLow];
  else if (Size <= 500)
    ++F[BlockMid];
}

/// Counts the integer constants among the operands of \p I. Every operand
/// counts: GEP indices, switch case values, phi incoming values, call
/// arguments, and the implicit `i32 1` array size of every alloca. Only
/// ConstantInt operands count (not constants nested in constant expressions);
/// an i1 `true`/`false` counts as a 1/0 but as neither width. With opaque
/// pointers, all-zero GEPs (`i64 0, i32 0`) are folded away, so LLVM 19 IR
/// shows fewer 0 constants than LLVM 10 IR of the same source.
static void countIntegerConstants(const llvm::Instruction &I,
                                  AutophaseVector &F) {
  for (const llvm::Use &Op : I.operands()) {
    const auto *CI = llvm::dyn_cast<llvm::ConstantInt>(Op.get());
    if (!CI)
      continue;
    unsigned Width = CI->getBitWidth();
    if (Width == 32)
      ++F[const32Bit];
    else if (Width == 64)
      ++F[const64Bit];
    if (CI->isOne())
      ++F[numConstOnes];
    else if (CI->isZero())
      ++F[numConstZeroes];
  }
}

/// Returns true if \p I is a direct call of a function whose declared return
/// type is an integer (any width, i1 included). Indirect calls and invokes do
/// not count, as in CompilerGym; nor does a call whose type differs from the
/// callee's (getCalledFunction() is null then, as it was in LLVM 10 where such
/// calls went through a bitcast of the callee).
static bool isDirectCallReturningInt(const llvm::Instruction &I) {
  const auto *Call = llvm::dyn_cast<llvm::CallInst>(&I);
  if (!Call)
    return false;
  const llvm::Function *Callee = Call->getCalledFunction();
  return Callee && Callee->getReturnType()->isIntegerTy();
}

/// Returns true if \p I is a binary operator (integer or floating point) with
/// at least one Constant operand. Quirk kept from CompilerGym: any
/// llvm::Constant counts, so a global variable, a function, undef, poison or a
/// floating-point constant makes the operation count too. Negation written as
/// `fneg` (a UnaryOperator, what LLVM 19 emits) does not count, while the
/// older `fsub -0.0, %x` form did.
static bool isBinaryWithConstantOperand(const llvm::Instruction &I) {
  if (!llvm::isa<llvm::BinaryOperator>(I))
    return false;
  return llvm::isa<llvm::Constant>(I.getOperand(0)) ||
         llvm::isa<llvm::Constant>(I.getOperand(1));
}

/// Returns true if \p I counts as a memory instruction: a getelementptr, load,
/// store, call, invoke or alloca. Fences, atomics and callbr do not count.
static bool isMemoryInstruction(const llvm::Instruction &I) {
  switch (I.getOpcode()) {
  case llvm::Instruction::GetElementPtr:
  case llvm::Instruction::Load:
  case llvm::Instruction::Store:
  case llvm::Instruction::Call:
  case llvm::Instruction::Invoke:
  case llvm::Instruction::Alloca:
    return true;
  default:
    return false;
  }
}

/// The per-opcode Autophase feature that counts \p Opcode, or
/// NumAutophaseFeatures if the opcode has none.
static AutophaseFeature opcodeFeature(unsigned Opcode) {
  static const std::array<AutophaseFeature, llvm::Instruction::OtherOpsEnd>
      Features = [] {
        std::array<AutophaseFeature, llvm::Instruction::OtherOpsEnd> Table;
        Table.fill(NumAutophaseFeatures);
#define AUTOPHASE_OPCODE_FEATURE(NAME, OPCODE)                                 \
  Table[llvm::Instruction::OPCODE] = NAME;
#include "observations/Features.def"
        return Table;
      }();
  return Features[Opcode];
}

static void countInstruction(const llvm::Instruction &I, AutophaseVector &F) {
  ++F[TotalInsts];
  AutophaseFeature OpcodeFeature = opcodeFeature(I.getOpcode());
  if (OpcodeFeature != NumAutophaseFeatures)
    ++F[OpcodeFeature];

  // "BranchCount" counts `br` only (switch, indirectbr etc. are not
  // branches), so it always equals NumBrInst.
  if (const auto *Br = llvm::dyn_cast<llvm::BranchInst>(&I)) {
    ++F[BranchCount];
    if (Br->isUnconditional())
      ++F[UncondBranches];
  }

  countIntegerConstants(I, F);

  if (isDirectCallReturningInt(I))
    ++F[returnInt];
  if (isBinaryWithConstantOperand(I))
    ++F[binaryConstArg];
  if (isMemoryInstruction(I))
    ++F[TotalMemInst];

  // Quirk kept from CompilerGym: "testUnary" counts llvm::UnaryInstruction,
  // i.e. fneg plus every cast, alloca, load, va_arg and extractvalue (freeze
  // derives from UnaryInstruction but its classof excludes it, so it does not
  // count).
  if (llvm::isa<llvm::UnaryInstruction>(I))
    ++F[testUnary];
}

static void countBlock(const llvm::BasicBlock &BB, AutophaseVector &F) {
  ++F[TotalBlocks];
  countBlockShape(BB, F);
  countBlockPhisAndSize(BB, F);
  for (const llvm::Instruction &I : BB)
    countInstruction(I, F);
}

//===----------------------------------------------------------------------===//
// InstCount
//===----------------------------------------------------------------------===//

namespace {

/// Every LLVM 19 opcode, in opcode (Instruction.def) order.
constexpr unsigned kOpcodes[] = {
#define HANDLE_INST(NUM, OPCODE, CLASS) llvm::Instruction::OPCODE,
#include "llvm/IR/Instruction.def"
};

constexpr size_t kNumOpcodes = std::size(kOpcodes);

/// The leading slots of the InstCount vector; the per-opcode counts follow.
enum InstCountTotal : size_t {
#define INSTCOUNT_TOTAL(NAME) InstCount##NAME,
#include "observations/Features.def"
  NumInstCountTotals
};

} // namespace

/// The index in the InstCount vector of the counter of \p Opcode.
static size_t instCountSlot(unsigned Opcode) {
  static const std::array<size_t, llvm::Instruction::OtherOpsEnd> Slots = [] {
    std::array<size_t, llvm::Instruction::OtherOpsEnd> Table{};
    for (size_t I = 0; I != kNumOpcodes; ++I)
      Table[kOpcodes[I]] = NumInstCountTotals + I;
    return Table;
  }();
  return Slots[Opcode];
}

const std::vector<std::string> &autophaseFeatureNames() {
  static const std::vector<std::string> Names = {
#define AUTOPHASE_FEATURE(NAME) #NAME,
#include "observations/Features.def"
  };
  return Names;
}

std::vector<int64_t> computeAutophase(const llvm::Module &M) {
  AutophaseVector F{};
  for (const llvm::Function &Fn : M) {
    // Quirk kept from CompilerGym: although described as "non-external
    // functions", TotalFuncs counts declarations too (intrinsics included).
    ++F[TotalFuncs];
    for (const llvm::BasicBlock &BB : Fn)
      countBlock(BB, F);
  }
  return std::vector<int64_t>(F.begin(), F.end());
}

const std::vector<std::string> &instCountFeatureNames() {
  static const std::vector<std::string> Names = {
#define INSTCOUNT_TOTAL(NAME) #NAME,
#include "observations/Features.def"
#define HANDLE_INST(NUM, OPCODE, CLASS) #OPCODE "Count",
#include "llvm/IR/Instruction.def"
  };
  return Names;
}

std::vector<int64_t> computeInstCount(const llvm::Module &M) {
  std::vector<int64_t> Counts(NumInstCountTotals + kNumOpcodes, 0);
  for (const llvm::Function &Fn : M) {
    // As CompilerGym's InstCount (and its Autophase TotalFuncs), TotalFuncs
    // counts every function of the module, declarations included.
    ++Counts[InstCountTotalFuncs];
    for (const llvm::BasicBlock &BB : Fn) {
      ++Counts[InstCountTotalBlocks];
      for (const llvm::Instruction &I : BB) {
        ++Counts[InstCountTotalInsts];
        ++Counts[instCountSlot(I.getOpcode())];
      }
    }
  }
  return Counts;
}

} // namespace passgym
