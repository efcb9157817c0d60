//===- runtime/MeasurementCache.h - Measurements kept across runs ---------===//
//
// Measuring a program's execution time is slow, so results are kept in an
// SQLite database keyed by what was measured (the optimized module), how (the
// build and run configuration) and where (the machine). Several processes may
// share one cache file at once.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_RUNTIME_MEASUREMENTCACHE_H
#define PASSGYM_RUNTIME_MEASUREMENTCACHE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace passgym {

struct MeasurementKey {
  /// Hash of the optimized module's IR.
  std::string ModuleHash;
  /// Hash of how it is built and run (flags, args, inputs, stopping rule).
  std::string ConfigHash;
  /// machineFingerprint() of the machine that measured it.
  std::string Machine;
};

/// One row of the cache, as storedSince() reads it and store() writes it.
struct CachedMeasurement {
  MeasurementKey Key;
  std::string Payload;
};

/// The CPU model name (from /proc/cpuinfo), the logical CPU count, the kernel
/// release and the hostname joined into one string, because a time measured
/// on one machine says little about another. Stable across calls and
/// processes on the same machine.
std::string machineFingerprint();

/// A persistent map from MeasurementKey to a payload (JSON text chosen by the
/// caller).
///
/// Not thread-safe: use one object per thread. Different processes (and
/// different objects) may use the same file at once; writes wait for each
/// other up to a busy timeout.
class MeasurementCache {
public:
  /// Opens the database at \p Path, creating it (and its directory) if needed.
  /// The error names the path and the problem, e.g. "file is not a database"
  /// for a corrupt file, or a schema version newer than this build knows.
  static llvm::Expected<std::unique_ptr<MeasurementCache>>
  open(llvm::StringRef Path);

  MeasurementCache(const MeasurementCache &) = delete;
  MeasurementCache &operator=(const MeasurementCache &) = delete;
  ~MeasurementCache();

  /// The payload stored for \p Key, or std::nullopt. Counts a hit or a miss
  /// (a failed lookup counts neither).
  llvm::Expected<std::optional<std::string>> lookup(const MeasurementKey &Key);

  /// Stores \p Payload for \p Key, replacing any earlier one, atomically.
  llvm::Error store(const MeasurementKey &Key, llvm::StringRef Payload);

  /// The rows that \p Machine measured and stored at or after \p Since
  /// (seconds since the epoch): what one machine of a distributed run adds
  /// to another's cache (learning/training/DistributedEpisodes.h).
  llvm::Expected<std::vector<CachedMeasurement>>
  storedSince(llvm::StringRef Machine, int64_t Since);

  /// Stores every row of \p Rows, in one transaction.
  llvm::Error storeAll(const std::vector<CachedMeasurement> &Rows);

  /// Counts for this object's lookups only, not the file's lifetime.
  uint64_t hits() const { return Hits; }
  uint64_t misses() const { return Misses; }
  /// hits / (hits + misses); 0 when nothing was looked up.
  double hitRate() const;

  /// Rows in the cache (every machine's and configuration's).
  llvm::Expected<uint64_t> size();

  const std::string &path() const { return Path; }

  /// The schema this build reads and writes (PRAGMA user_version).
  static constexpr int SchemaVersion = 1;

private:
  MeasurementCache(std::string Path, sqlite3 *Db)
      : Path(std::move(Path)), Db(Db) {}
  llvm::Error initialize();
  llvm::Error prepare(const char *Sql, sqlite3_stmt *&Statement);
  llvm::Error sqliteError(llvm::StringRef What) const;

  std::string Path;
  sqlite3 *Db = nullptr;
  sqlite3_stmt *LookupStatement = nullptr;
  sqlite3_stmt *StoreStatement = nullptr;
  sqlite3_stmt *CountStatement = nullptr;
  uint64_t Hits = 0;
  uint64_t Misses = 0;
};

/// Where the cache lives by default: $PASSGYM_CACHE_DIR/measurements.sqlite,
/// else $XDG_CACHE_HOME/passgym/measurements.sqlite, else
/// ~/.cache/passgym/measurements.sqlite. Tries to create the directory; a
/// failure is left for MeasurementCache::open to report.
std::string defaultCachePath();

} // namespace passgym

#endif
