//===- costs/RuntimeProxy.h - Run time estimated instead of measured ------===//
//
// A cheap, noise-free stand-in for the Runtime cost. The module is compiled
// for the host as the Runtime cost compiles it (codegen -O2) into assembly
// text; LLVM's machine-code analyser (the MCA library behind llvm-mca) says
// how many cycles each machine block takes per execution, in the steady
// state of the block run back to back; one run of the program with a counter
// in every IR block says how often each block ran. The estimate is the sum
// over machine blocks of cycles x executions.
//
// Counts come from a profiled run of the module itself, not from static
// BlockFrequencyInfo: static frequencies guess that every loop runs about 32
// times, so an unrolled loop's body would count as often as the rolled one,
// and a proxy for ranking pass sequences must see exactly such changes.
//
// Machine blocks are matched to IR blocks through the assembly's verbose
// comments: before codegen every IR block is named `passgym.bN`, and
// AsmPrinter writes the name of a machine block's IR block beside it.
// Machine blocks that codegen made itself (a preheader from loop strength
// reduction, a split edge) have no such name and take the executions of the
// block laid out before them.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_COSTS_RUNTIMEPROXY_H
#define PASSGYM_COSTS_RUNTIMEPROXY_H

#include "datasets/RunSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

/// A run of instructions of the assembly that belong to one IR block.
struct AssemblyBlock {
  /// N of the IR block `passgym.bN` it was compiled from; none for the
  /// instructions before the first named block.
  std::optional<unsigned> IrBlock;
  unsigned Instructions = 0;
  /// MCA's cycles per execution: the cycles of kMcaIterations executions back
  /// to back, divided by their number.
  double Cycles = 0;
};

/// How many back-to-back executions MCA simulates per block, as llvm-mca's
/// default.
inline constexpr unsigned kMcaIterations = 100;

/// MCA's estimate of every block of \p Assembly (AT&T syntax, as AsmPrinter
/// writes it for \p Triple), scheduled with \p Cpu's model. Blocks start at
/// comments that name an IR block `passgym.bN` (a machine block's verbose
/// comment); instructions before the first belong to a block without one.
/// Calls, returns and instructions the model has no data for cost nothing;
/// blocks without instructions are left out.
llvm::Expected<std::vector<AssemblyBlock>>
analyseAssembly(llvm::StringRef Assembly, llvm::StringRef Triple,
                llvm::StringRef Cpu);

struct RuntimeProxyEstimate {
  /// Sum over blocks of Cycles x the executions of their IR block.
  double Cycles = 0;
  std::vector<AssemblyBlock> Blocks;
  /// Executions of each IR block `passgym.bN`, by N, in the profiled run.
  std::vector<uint64_t> Executions;
};

/// The proxy for \p M (not modified), whose program runs with \p Spec: one
/// profiled run, codegen to assembly, MCA. Fails if the program cannot be
/// built or its run fails.
llvm::Expected<RuntimeProxyEstimate> estimateRuntimeProxy(const llvm::Module &M,
                                                          const RunSpec &Spec);

} // namespace passgym

#endif
