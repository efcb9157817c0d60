//===- runtime/Evaluate.h - Runtime and validation of a benchmark's module ===//
//
// Builds a module of a runnable benchmark into a program and measures or
// validates it against the benchmark's unoptimized program, whose behaviour
// is computed once per benchmark and cached in it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_RUNTIME_EVALUATE_H
#define PASSGYM_RUNTIME_EVALUATE_H

#include "runtime/Runtime.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

class Benchmark;

/// What the unoptimized program does (exit code, stdout, output files). Fails
/// if the benchmark is not runnable or its unoptimized program fails.
llvm::Expected<ProgramBehaviour> referenceBehaviour(const Benchmark &B);

/// Runs \p M once as \p B's program and compares its behaviour with the
/// reference: success, or why it differs (crash, timeout, exit code, output).
llvm::Error validateModule(const llvm::Module &M, const Benchmark &B);

/// Measures \p M's runtime as \p B's program; every run is validated.
llvm::Expected<RuntimeEstimate>
measureModule(const llvm::Module &M, const Benchmark &B,
              const MeasurementOptions &Options = {});

/// measureModule through the measurement cache: a module measured before
/// (same IR, same run spec and options, same machine) is not run again, and
/// neither is one found invalid before (its error is returned again).
llvm::Expected<RuntimeEstimate>
measureModuleCached(const llvm::Module &M, const Benchmark &B,
                    const MeasurementOptions &Options);

/// The options the Runtime cost (and so the environment) measures with:
/// the defaults, but for the CPU that setMeasurementCpu pins runs to.
/// Set before environments run.
void setMeasurementCpu(std::optional<unsigned> Cpu);
const MeasurementOptions &defaultMeasurementOptions();

/// Where measureModuleCached keeps results: defaultCachePath() until set;
/// an empty path turns the persistent cache off (results of this process
/// are still remembered in memory until the next call). Opened on first use.
void setMeasurementCachePath(std::string Path);

struct CacheStatistics {
  uint64_t hits = 0;
  uint64_t misses = 0;
  double hitRate() const {
    return hits + misses ? static_cast<double>(hits) / (hits + misses) : 0;
  }
};
/// Lookups made by measureModuleCached in this process.
CacheStatistics measurementCacheStatistics();

} // namespace passgym

#endif
