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
  /// Files and directories.
  std::vector<std::string> InputFiles;
  /// Names relative to the run directory.
  std::vector<std::string> OutputFiles;
  /// "NAME=value" entries for the program's environment.
  std::vector<std::string> Environment;
  std::optional<bool> CompareStdout;
  std::optional<int> ExpectedExitCode;
  /// Calls of main per run (RunSpec::MainRepeat), or the milliseconds they
  /// must add up to (RunSpec::MainRepeatMs).
  std::optional<unsigned> MainRepeat, MainRepeatMs;
  std::optional<std::chrono::milliseconds> Timeout;
  /// Limits of a run (RunSpec's); unset: RunSpec's defaults.
  std::optional<uint64_t> MaxFileBytes, MaxMemoryBytes, MaxWrittenBytes;
  /// Unset: runnable when the linked module defines main.
  std::optional<bool> Runnable;
};

/// An entry of a manifest that cannot be used, and why: the rest of the
/// manifest still can.
struct ManifestProblem {
  size_t Index;
  /// The entry's name, where it has a usable one.
  std::optional<std::string> Name;
  /// The error, naming the manifest, the entry and the problem.
  std::string Message;
};

struct Manifest {
  /// The manifest file as the user named it (DIR/manifest.json when a
  /// directory was named); benchmark URIs are built from it.
  std::string Path;
  /// The absolute directory relative paths are resolved against.
  std::string Directory;
  /// The "name" field, else the directory's name.
  std::string Name;
  /// The usable entries, in manifest order.
  std::vector<ManifestEntry> Entries;
  /// The entries that are not.
  std::vector<ManifestProblem> Problems;

  /// manifest:PATH#NAME
  std::string uriOf(const ManifestEntry &Entry) const;
  /// The entry called \p Name, or null.
  const ManifestEntry *find(llvm::StringRef Name) const;
};

/// Reads and checks the manifest \p Path (a file, or a directory holding
/// manifest.json). A problem with the file as a whole is an error naming the
/// file; a problem with one entry goes into Problems, naming the entry.
llvm::Expected<Manifest> readManifest(llvm::StringRef Path);

/// Compiles \p Entry's sources, links them into one module and, if the
/// program is runnable, gives it a run spec.
llvm::Expected<BenchmarkPtr> loadManifestEntry(const Manifest &M,
                                               const ManifestEntry &Entry);

/// The name a table shows for \p Uri: an entry's NAME for manifest:PATH#NAME
/// (tables name the manifest once, above them), else the URI itself.
std::string displayName(llvm::StringRef Uri);
/// The manifests that \p Uris come from, in order of appearance.
std::vector<std::string> manifestsOf(const std::vector<std::string> &Uris);

/// A table's benchmark column for \p Uris: each displayName() padded to the
/// longest (at least \p MinWidth), and the line to print above the table
/// that says which manifests the short names come from (empty if none).
struct BenchmarkColumn {
  size_t Width;
  std::string Note;
  std::string cell(llvm::StringRef Uri) const;
};
BenchmarkColumn benchmarkColumn(const std::vector<std::string> &Uris,
                                size_t MinWidth = 9);

/// Loads manifest:PATH#NAME.
llvm::Expected<BenchmarkPtr> loadManifestBenchmark(llvm::StringRef Uri);

} // namespace passgym

#endif
