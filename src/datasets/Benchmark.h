//===- datasets/Benchmark.h - A program to optimize -----------------------===//
//
// A benchmark is an unoptimized LLVM module (kept as bitcode, so every episode
// parses its own copy into its own LLVMContext) plus what is known about it.
// Benchmarks are named by URIs:
//   file://PATH or a bare PATH     a .c/.cc/.cpp source, a .ll or a .bc file
//   benchmark://builtin-v0/NAME    a program shipped with passgym
//   generator://csmith-v0/SEED     a csmith program (runnable)
//   generator://llvm-stress-v0/SEED  an llvm-stress module (compile-only)
//   manifest:PATH#NAME             a user's benchmark (docs/datasets.md)
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_BENCHMARK_H
#define PASSGYM_DATASETS_BENCHMARK_H

#include "datasets/RunSpec.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  /// How to run the program, for benchmarks that are runnable.
  const std::optional<RunSpec> &runSpec() const { return Run; }
  void setRunSpec(RunSpec Spec) { Run = std::move(Spec); }
  /// The unoptimized module's bitcode.
  llvm::MemoryBufferRef bitcode() const { return Bitcode->getMemBufferRef(); }

  /// A fresh copy of the unoptimized module in \p Context.
  llvm::Expected<std::unique_ptr<llvm::Module>>
  load(llvm::LLVMContext &Context) const;

  /// Values derived from the unoptimized module (baseline costs, the
  /// reference behaviour of the program), computed at most once per key and
  /// shared by every environment and fork using this benchmark; safe to call
  /// from several threads. Failures are not cached.
  template <typename T>
  llvm::Expected<T>
  cached(const std::string &Key,
         const std::function<llvm::Expected<T>()> &Compute) const {
    {
      std::lock_guard<std::mutex> Lock(CacheMutex);
      auto It = Cache.find(Key);
      if (It != Cache.end())
        return std::any_cast<T>(It->second);
    }
    // Computed outside the lock: two threads may both compute a value, but
    // the computation is deterministic, so either result is the same.
    llvm::Expected<T> Value = Compute();
    if (!Value)
      return Value.takeError();
    std::lock_guard<std::mutex> Lock(CacheMutex);
    Cache.emplace(Key, *Value);
    return std::move(*Value);
  }

private:
  std::string Uri;
  std::unique_ptr<llvm::MemoryBuffer> Bitcode;
  std::optional<RunSpec> Run;
  mutable std::mutex CacheMutex;
  mutable std::map<std::string, std::any> Cache;
};

using BenchmarkPtr = std::shared_ptr<const Benchmark>;

/// Loads the benchmark named by \p Uri. Built-in programs are runnable, with
/// the arguments in builtin-v0/runs.json (inputs about 10x smaller than the
/// programs' defaults, so that a measured run takes milliseconds). C and C++
/// sources are compiled in-process (toolchain::compileSource) as clang-19
/// compiles them with `-O1 -Xclang -disable-llvm-passes`, as CompilerGym
/// does: IR that later passes can still optimize.
llvm::Expected<BenchmarkPtr> loadBenchmark(llvm::StringRef Uri);

/// Parses IR text or bitcode (detected by content); errors name \p Name and
/// the line.
llvm::Expected<std::unique_ptr<llvm::Module>>
parseModule(llvm::MemoryBufferRef Buffer, llvm::LLVMContext &Context);

/// Parses, verifies and stores \p Contents (IR text or bitcode) as \p Uri.
llvm::Expected<BenchmarkPtr>
makeBenchmark(std::string Uri, std::unique_ptr<llvm::MemoryBuffer> Contents);

/// The programs shipped as benchmark://builtin-v0/NAME, sorted by name.
llvm::Expected<std::vector<std::string>> builtinBenchmarkNames();
/// Their URIs, in the same order.
llvm::Expected<std::vector<std::string>> builtinBenchmarkUris();
/// \p Uris, or every built-in program's when it is empty.
llvm::Expected<std::vector<std::string>>
urisOrBuiltins(std::vector<std::string> Uris);
/// The directory holding the built-in sources and their runs.json:
/// builtin-v0 in passgym's data directory (support/Installation.h).
llvm::Expected<std::string> builtinDirectory();

inline constexpr llvm::StringLiteral kDefaultBenchmark =
    "benchmark://builtin-v0/qsort";

} // namespace passgym

#endif
