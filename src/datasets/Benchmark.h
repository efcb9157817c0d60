//===- datasets/Benchmark.h - A program to optimize -----------------------===//
//
// A benchmark is an unoptimized LLVM module (kept as bitcode, so every episode
// parses its own copy into its own LLVMContext) plus what is known about it.
// Benchmarks are named by URIs:
//   file://PATH or a bare PATH     a .c/.cc/.cpp source, a .ll or a .bc file
//   benchmark://builtin-v0/NAME    a program shipped with passgym
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_BENCHMARK_H
#define PASSGYM_DATASETS_BENCHMARK_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

class Benchmark {
public:
  /// \p Bitcode must hold a module that parses and verifies.
  Benchmark(std::string Uri, std::unique_ptr<llvm::MemoryBuffer> Bitcode);

  const std::string &uri() const { return Uri; }
  /// The unoptimized module's bitcode.
  llvm::MemoryBufferRef bitcode() const { return Bitcode->getMemBufferRef(); }

  /// A fresh copy of the unoptimized module in \p Context.
  llvm::Expected<std::unique_ptr<llvm::Module>>
  load(llvm::LLVMContext &Context) const;

  /// Values derived from the unoptimized module (baseline costs), computed at
  /// most once per key and shared by every environment and fork using this
  /// benchmark; safe to call from several threads.
  llvm::Expected<int64_t>
  cached(const std::string &Key,
         const std::function<llvm::Expected<int64_t>()> &Compute) const;

private:
  std::string Uri;
  std::unique_ptr<llvm::MemoryBuffer> Bitcode;
  mutable std::mutex CacheMutex;
  mutable std::map<std::string, int64_t> Cache;
};

using BenchmarkPtr = std::shared_ptr<const Benchmark>;

/// Loads the benchmark named by \p Uri. C and C++ sources are compiled with
/// clang-19 to IR that later passes can still optimize
/// (`-O1 -Xclang -disable-llvm-passes`, as CompilerGym does).
llvm::Expected<BenchmarkPtr> loadBenchmark(llvm::StringRef Uri);

/// Parses IR text or bitcode (detected by content); errors name \p Name and
/// the line.
llvm::Expected<std::unique_ptr<llvm::Module>>
parseModule(llvm::MemoryBufferRef Buffer, llvm::LLVMContext &Context);

/// The programs shipped as benchmark://builtin-v0/NAME, sorted by name.
std::vector<std::string> builtinBenchmarkNames();
/// Directory holding the built-in sources (PASSGYM_BUILTIN_DIR overrides it).
std::string builtinDirectory();

inline constexpr llvm::StringLiteral kDefaultBenchmark =
    "benchmark://builtin-v0/qsort";

} // namespace passgym

#endif
