//===- datasets/Manifest.h - A user's dataset described in JSON -----------===//
//
// A directory of programs plus a manifest (normally DIR/manifest.json) that
// lists them: sources, flags, and how to run each one. A benchmark of such a
// dataset is named
//   manifest:PATH#NAME
// where PATH is the manifest file or the directory holding manifest.json and
// NAME an entry's name. docs/datasets.md describes the format.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_MANIFEST_H
#define PASSGYM_DATASETS_MANIFEST_H

#include "datasets/Benchmark.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

inline constexpr llvm::StringLiteral kManifestScheme = "manifest:";
inline constexpr llvm::StringLiteral kManifestFileName = "manifest.json";

/// One program of a manifest. Paths are absolute (resolved against the
/// manifest's directory) and were checked to exist when it was read.
struct ManifestEntry {
  std::string Name;
  std::vector<std::string> Sources;
  std::vector<std::string> CompileFlags;
  std::vector<std::string> LinkFlags;
  std::vector<std::string> Args;
  /// The file whose contents are the program's standard input.
  std::optional<std::string> StandardInput;
  std::vector<std::string> InputFiles;
  /// Names relative to the run directory.
  std::vector<std::string> OutputFiles;
  std::optional<std::chrono::milliseconds> Timeout;
  /// Limits of a run (RunSpec's); unset: RunSpec's defaults.
  std::optional<uint64_t> MaxFileBytes, MaxMemoryBytes, MaxWrittenBytes;
  /// Unset: runnable when the linked module defines main.
  std::optional<bool> Runnable;
};

struct Manifest {
  /// The manifest file as the user named it (DIR/manifest.json when a
  /// directory was named); benchmark URIs are built from it.
  std::string Path;
  /// The absolute directory relative paths are resolved against.
  std::string Directory;
  /// The "name" field, else the directory's name.
  std::string Name;
  std::vector<ManifestEntry> Entries;

  /// manifest:PATH#NAME
  std::string uriOf(const ManifestEntry &Entry) const;
  /// The entry called \p Name, or null.
  const ManifestEntry *find(llvm::StringRef Name) const;
};

/// Reads and checks the manifest \p Path (a file, or a directory holding
/// manifest.json). The error names the file, the entry and the problem.
llvm::Expected<Manifest> readManifest(llvm::StringRef Path);

/// Compiles \p Entry's sources, links them into one module and, if the
/// program is runnable, gives it a run spec.
llvm::Expected<BenchmarkPtr> loadManifestEntry(const Manifest &M,
                                               const ManifestEntry &Entry);

/// Loads manifest:PATH#NAME.
llvm::Expected<BenchmarkPtr> loadManifestBenchmark(llvm::StringRef Uri);

} // namespace passgym

#endif
