//===- datasets/DatasetSpec.h - Naming sets of benchmarks -------*- C++ -*-===//
//
// What `--dataset` accepts in the training and evaluation commands: one or
// more comma-separated items, each a set of benchmarks or a single one:
//   builtin-v0              every built-in program
//   builtin-v0:train        the built-ins minus the held-out quarter
//   builtin-v0:test         the held-out quarter: every fourth name in
//                           alphabetical order (the 4th, 8th, ...)
//   csmith-v0:A-B           generator://csmith-v0/A ... /B (inclusive)
//   llvm-stress-v0:A-B      generator://llvm-stress-v0/A ... /B
//   manifest:PATH           every entry of a manifest
//   anything else           one benchmark URI or file, as loadBenchmark
//                           takes it (benchmark://..., manifest:PATH#NAME,
//                           prog.c, ...)
// docs/datasets.md ("Datasets for training") describes the split.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_DATASETSPEC_H
#define PASSGYM_DATASETS_DATASETSPEC_H

#include "datasets/Benchmark.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace passgym {

/// The benchmark URIs \p Spec names, in order, without duplicates. Fails on
/// an empty spec, an unknown split, a malformed or reversed seed range, or
/// an unreadable manifest. Single URIs are not loaded here.
llvm::Expected<std::vector<std::string>> expandDataset(llvm::StringRef Spec);

/// Loads every benchmark the specs name, in order; the first failure is the
/// error, naming its URI.
llvm::Expected<std::vector<BenchmarkPtr>>
loadDataset(const std::vector<std::string> &Specs);

} // namespace passgym

#endif // PASSGYM_DATASETS_DATASETSPEC_H
