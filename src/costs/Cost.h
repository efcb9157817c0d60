//===- costs/Cost.h - What a reward tries to make smaller ----------===//
//
// A cost is an integer property of a module that passes try to reduce. The
// baselines are the unoptimized module's cost (O0) and its cost after LLVM's
// own pipelines (`default<O3>`, `default<Oz>`), computed once per benchmark.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_COSTS_COST_H
#define PASSGYM_COSTS_COST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

class Benchmark;
class MeasurementContext;

enum class CostFunction {
  /// Module::getInstructionCount().
  IrInstructionCount,
  /// Bytes of executable sections in the object file that LLVM's codegen
  /// produces for the module at kObjectCodeGenLevel.
  ObjectTextSizeBytes,
  /// The same at kShippedCodeGenLevel: the code a program is shipped with.
  CodeSizeBytes,
  /// Milliseconds of the program's main: the fastest of the measured runs,
  /// measured and validated as costs/Measurement.h describes (runnable
  /// benchmarks only). For a deterministic program, noise only adds time, so
  /// the minimum is the most repeatable estimate (docs/runtime.md).
  Runtime,
};

/// Every cost function, in a fixed order.
inline constexpr CostFunction kCostFunctions[] = {
    CostFunction::IrInstructionCount, CostFunction::ObjectTextSizeBytes,
    CostFunction::CodeSizeBytes, CostFunction::Runtime};

/// CompilerGym compiled with `clang -c` and no -O flag, i.e. codegen -O0;
/// passgym does the same so code size mirrors what the passes did.
inline constexpr llvm::CodeGenOptLevel kObjectCodeGenLevel =
    llvm::CodeGenOptLevel::None;

/// Codegen as `clang -O2` (and `-Os`, `-Oz`) and `llc` run it, and as
/// passgym builds programs to run them. Sizes at -O0 codegen reward what
/// optimized codegen undoes: on qsort, a size search at -O0 codegen found a
/// pipeline 1.59x smaller than -Oz whose code at -O2 codegen was 7% larger.
inline constexpr llvm::CodeGenOptLevel kShippedCodeGenLevel =
    llvm::CodeGenOptLevel::Default;

/// The unoptimized module and LLVM's standard pipelines.
enum class Baseline { O0, O2, O3, Os, Oz };

inline constexpr Baseline kBaselines[] = {Baseline::O0, Baseline::O2,
                                          Baseline::O3, Baseline::Os,
                                          Baseline::Oz};

llvm::StringRef costName(CostFunction Cost);
llvm::StringRef baselineName(Baseline Level);
std::optional<CostFunction> parseCostName(llvm::StringRef Name);
/// "default<O3>" for O3; empty for O0, which runs no pass.
std::string baselinePipeline(Baseline Level);

/// \p B's module in \p Context, optimized at \p Level (O0: as loaded).
llvm::Expected<std::unique_ptr<llvm::Module>>
loadBaseline(const Benchmark &B, Baseline Level, llvm::LLVMContext &Context);

/// The cost of \p M, a module of benchmark \p B. A runtime that cannot be
/// measured, or whose program no longer behaves like the unoptimized one, is
/// an error saying why. Run times are measured with \p Measurement.
llvm::Expected<double> computeCost(CostFunction Cost, const llvm::Module &M,
                                   const Benchmark &B,
                                   MeasurementContext &Measurement);

/// The cost of \p B's module optimized at \p Level (O0: as loaded), cached in
/// the benchmark (run times per measurement options).
llvm::Expected<double> baselineCost(CostFunction Cost, Baseline Level,
                                    const Benchmark &B,
                                    MeasurementContext &Measurement);

/// Sum of the sizes of the executable sections of an ELF/COFF/Mach-O object.
llvm::Expected<int64_t> objectTextSize(llvm::StringRef Object);

} // namespace passgym

#endif
