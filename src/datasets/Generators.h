//===- datasets/Generators.h - Benchmarks generated from a seed -----------===//
//
// Datasets with one benchmark per 32-bit seed, produced on demand by a program
// generator, so they are unbounded yet reproducible:
//   generator://csmith-v0/SEED        a csmith C program; runnable, it prints
//                                     a checksum of its globals
//   generator://llvm-stress-v0/SEED   an llvm-stress function; compile-only
// The same seed always gives the same bitcode (with the same generator and
// clang versions).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_GENERATORS_H
#define PASSGYM_DATASETS_GENERATORS_H

#include "datasets/Benchmark.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace passgym {

inline constexpr llvm::StringLiteral kGeneratorScheme = "generator://";

/// What `passgym datasets` says about a generator.
struct GeneratorInfo {
  std::string Dataset;
  std::string UriForm;
  bool Runnable;
};

/// The generators behind generator:// URIs.
std::vector<GeneratorInfo> generators();

/// Loads generator://DATASET/SEED: generates, compiles and stores the program.
llvm::Expected<BenchmarkPtr> loadGeneratedBenchmark(llvm::StringRef Uri);

/// The csmith options that keep the programs small and quick to run (the
/// defaults run too long for about one seed in six; see docs/datasets.md).
std::vector<std::string> csmithOptions();

/// The size of the functions llvm-stress generates (its -size).
inline constexpr unsigned kLlvmStressSize = 200;

} // namespace passgym

#endif
