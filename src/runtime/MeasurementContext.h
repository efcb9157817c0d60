//===- runtime/MeasurementContext.h - How and where measurements are kept -===//
//
// Everything that decides how a program's run time is measured and where the
// results are kept, in one object that the caller creates and passes down (to
// environments through EnvironmentOptions): the measurement options (number
// of runs, stopping rule, CPU), the persistent cache, the results this context
// remembers, and its lookup counts. Nothing of it is process-wide, so two
// environments in one process may measure with different settings.
//
// Thread-safe: an environment's forks share their context, and may run on
// different threads.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_RUNTIME_MEASUREMENTCONTEXT_H
#define PASSGYM_RUNTIME_MEASUREMENTCONTEXT_H

#include "datasets/RunSpec.h"
#include "runtime/MeasurementCache.h"
#include "runtime/Runtime.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

struct CacheStatistics {
  uint64_t Hits = 0;
  uint64_t Misses = 0;
  double hitRate() const {
    return Hits + Misses ? static_cast<double>(Hits) / (Hits + Misses) : 0;
  }
};

class MeasurementContext {
public:
  /// \p CachePath is the persistent cache: std::nullopt for
  /// defaultCachePath(), "" for none (results are then remembered by this
  /// context only). The cache is opened on first use.
  explicit MeasurementContext(MeasurementOptions Options = {},
                              std::optional<std::string> CachePath = {});
  MeasurementContext(const MeasurementContext &) = delete;
  MeasurementContext &operator=(const MeasurementContext &) = delete;
  ~MeasurementContext();

  const MeasurementOptions &options() const { return Options; }

  /// Identifies the options: results measured under different options are
  /// different results.
  const std::string &optionsKey() const { return OptionsKey; }

  /// The measurement of the module whose IR hash is \p ModuleHash, run as
  /// \p Spec under options(): remembered or found in the cache (a module
  /// found invalid before gets its error again), else computed by \p Measure
  /// and kept.
  llvm::Expected<RuntimeEstimate>
  measureCached(llvm::StringRef ModuleHash, const RunSpec &Spec,
                llvm::function_ref<llvm::Expected<RuntimeEstimate>()> Measure);

  /// The persistent cache's path as given: std::nullopt for the default.
  const std::optional<std::string> &cachePath() const { return CachePath; }

  /// Lookups made through this context, and through other processes'
  /// contexts working for it (addStatistics).
  CacheStatistics statistics() const;
  void addStatistics(const CacheStatistics &More);

  /// The measurements this machine stored in the persistent cache at or
  /// after \p Since (seconds since the epoch), its environments' worker
  /// processes' included: none without a cache or before its file exists.
  llvm::Expected<std::vector<CachedMeasurement>> storedSince(int64_t Since);

  /// Adds \p Rows, measured by other machines of a distributed run (each
  /// row names its machine), to the persistent cache; without one, nothing.
  llvm::Error storeMeasuredElsewhere(const std::vector<CachedMeasurement> &Rows);

  /// In a forked child: forgets (without closing) the parent's connection to
  /// the cache file, which SQLite forbids using across fork(); the next
  /// lookup opens one of the child's own.
  void forgetCacheConnection();

private:
  llvm::Expected<std::optional<std::string>>
  lookupLocked(const MeasurementKey &Key);
  /// Opens the persistent cache if it is not open: false when there is none
  /// (no path, or \p Create is false and its file does not exist).
  llvm::Expected<bool> openCacheLocked(bool Create);

  const MeasurementOptions Options;
  const std::string OptionsKey;
  const std::optional<std::string> CachePath;

  mutable std::mutex Mutex;
  std::unique_ptr<MeasurementCache> Cache;
  /// Recent results, consulted first and kept even without a persistent
  /// cache, so that a state observed and rewarded in the same step is
  /// measured once and reads the same everywhere.
  std::map<std::string, std::string> Recent;
  CacheStatistics Statistics;
};

} // namespace passgym

#endif
