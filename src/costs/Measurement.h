//===- costs/Measurement.h - Running a benchmark's module as its program --===//
//
// Builds a module of a runnable benchmark into a program and measures or
// validates it against the benchmark's unoptimized program, whose behaviour
// is computed once per benchmark and cached in it. This is where a benchmark
// (datasets) meets the measurement harness (runtime).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_COSTS_MEASUREMENT_H
#define PASSGYM_COSTS_MEASUREMENT_H

#include "runtime/MeasurementContext.h"
#include "runtime/Runtime.h"

#include "llvm/Support/Error.h"

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

/// measureModule with \p Context's options, through its cache: a module
/// measured before (same IR, same run spec and options, same machine) is not
/// run again, and neither is one found invalid before (its error is returned
/// again).
llvm::Expected<RuntimeEstimate> measureModuleCached(const llvm::Module &M,
                                                    const Benchmark &B,
                                                    MeasurementContext &Context);

} // namespace passgym

#endif
