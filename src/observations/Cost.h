//===- observations/Cost.h - What a reward tries to make smaller ----------===//
//
// A cost is an integer property of a module that passes try to reduce. The
// baselines are the unoptimized module's cost (O0) and its cost after LLVM's
// own pipelines (`default<O3>`, `default<Oz>`), computed once per benchmark.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OBSERVATIONS_COST_H
#define PASSGYM_OBSERVATIONS_COST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

class Benchmark;

enum class CostFunction {
  /// Module::getInstructionCount().
  IrInstructionCount,
  /// Bytes of executable sections in the object file that LLVM's codegen
  /// produces for the module at kObjectCodeGenLevel.
  ObjectTextSizeBytes,
  /// Milliseconds of the program's main: the fastest of the measured runs,
  /// measured and validated as runtime/Evaluate.h describes (runnable
  /// benchmarks only). For a deterministic program, noise only adds time, so
  /// the minimum is the most repeatable estimate (docs/runtime.md).
  Runtime,
};

/// Every cost function, in a fixed order.
inline constexpr CostFunction kCostFunctions[] = {
    CostFunction::IrInstructionCount, CostFunction::ObjectTextSizeBytes,
    CostFunction::Runtime};

/// CompilerGym compiled with `clang -c` and no -O flag, i.e. codegen -O0;
/// passgym does the same so code size mirrors what the passes did.
inline constexpr llvm::CodeGenOptLevel kObjectCodeGenLevel =
    llvm::CodeGenOptLevel::None;

enum class Baseline { O0, O3, Oz };

llvm::StringRef costName(CostFunction Cost);
llvm::StringRef baselineName(Baseline Level);
std::optional<CostFunction> parseCostName(llvm::StringRef Name);

/// The cost of \p M, a module of benchmark \p B. A runtime that cannot be
/// measured, or whose program no longer behaves like the unoptimized one, is
/// an error saying why.
llvm::Expected<double> computeCost(CostFunction Cost, const llvm::Module &M,
                                   const Benchmark &B);

/// The cost of \p B's module optimized at \p Level (O0: as loaded), cached in
/// the benchmark.
llvm::Expected<double> baselineCost(CostFunction Cost, Baseline Level,
                                    const Benchmark &B);

/// Sum of the sizes of the executable sections of an ELF/COFF/Mach-O object.
llvm::Expected<int64_t> objectTextSize(llvm::StringRef Object);

} // namespace passgym

#endif
