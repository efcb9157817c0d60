#include "runtime/MeasurementContext.h"

#include "support/Files.h"
#include "support/ModuleHash.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

namespace passgym {
namespace {

/// Bump when the harness or the way of measuring changes: results measured
/// the old way must not be found again.
constexpr int kMeasurementVersion = 6;

/// Results remembered in memory before the oldest are forgotten (all at once:
/// the persistent cache still has them).
constexpr size_t kRecentResults = 4096;

nlohmann::json optionsJson(const MeasurementOptions &Options) {
  return {{"version", kMeasurementVersion},
          {"warmup", Options.WarmupRuns},
          {"min_runs", Options.MinRuns},
          {"max_runs", Options.MaxRuns},
          {"agreeing_runs", Options.AgreeingRuns},
          {"agreement", Options.Agreement},
          {"cpu", Options.Cpu ? static_cast<int>(*Options.Cpu) : -1}};
}

const std::string &harnessHash() {
  static const std::string Hash = bytesHash(harnessSource());
  return Hash;
}

/// Everything besides the module that decides what a measurement is.
llvm::Expected<std::string>
configurationHash(const RunSpec &Spec, const MeasurementOptions &Options) {
  nlohmann::json Config = optionsJson(Options);
  Config.update({{"args", Spec.Args},
                 {"stdin", bytesHash(Spec.StandardInput)},
                 {"env", Spec.Environment},
                 {"compare_stdout", Spec.CompareStdout},
                 {"exit_code", Spec.ExpectedExitCode},
                 {"main_repeat", Spec.MainRepeat},
                 {"main_repeat_ms", Spec.MainRepeatMs},
                 {"outputs", Spec.OutputFiles},
                 {"link", Spec.LinkFlags},
                 {"timeout_ms", Spec.Timeout.count()},
                 {"max_file_bytes", Spec.MaxFileBytes},
                 {"max_memory_bytes", Spec.MaxMemoryBytes},
                 {"max_written_bytes", Spec.MaxWrittenBytes},
                 {"harness", harnessHash()}});
  for (const std::string &Input : Spec.InputFiles) {
    auto Hash = treeHash(Input);
    if (!Hash)
      return Hash.takeError();
    Config["inputs"].push_back({Input, *Hash});
  }
  return bytesHash(Config.dump());
}

/// A measurement or, for a module found invalid, the reason.
std::string toPayload(llvm::Expected<RuntimeEstimate> Estimate) {
  if (!Estimate)
    return nlohmann::json({{"error", llvm::toString(Estimate.takeError())}})
        .dump();
  return nlohmann::json({{"samples", Estimate->Samples},
                         {"minimum", Estimate->Minimum},
                         {"median", Estimate->Median},
                         {"lower", Estimate->Lower},
                         {"upper", Estimate->Upper},
                         {"converged", Estimate->Converged}})
      .dump();
}

llvm::Expected<RuntimeEstimate> fromPayload(llvm::StringRef Payload) {
  nlohmann::json Json = nlohmann::json::parse(Payload.str(), nullptr,
                                              /*allow_exceptions=*/false);
  if (Json.is_object() && Json.contains("error") && Json["error"].is_string())
    return llvm::createStringError(Json["error"].get<std::string>());
  if (!Json.is_object() || !Json.contains("median") ||
      !Json.contains("samples"))
    return llvm::createStringError("a corrupt entry in the measurement cache");
  RuntimeEstimate Estimate;
  Estimate.Samples = Json["samples"].get<std::vector<double>>();
  Estimate.Minimum = Json.value("minimum", 0.0);
  Estimate.Median = Json.value("median", 0.0);
  Estimate.Lower = Json.value("lower", 0.0);
  Estimate.Upper = Json.value("upper", 0.0);
  Estimate.Converged = Json.value("converged", false);
  return Estimate;
}

std::string recentKey(const MeasurementKey &Key) {
  return Key.ModuleHash + "/" + Key.ConfigHash;
}

} // namespace

MeasurementContext::MeasurementContext(MeasurementOptions Options,
                                       std::optional<std::string> CachePath)
    : Options(Options), OptionsKey(bytesHash(optionsJson(Options).dump())),
      CachePath(std::move(CachePath)) {}

MeasurementContext::~MeasurementContext() = default;

CacheStatistics MeasurementContext::statistics() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Statistics;
}

void MeasurementContext::addStatistics(const CacheStatistics &More) {
  std::lock_guard<std::mutex> Lock(Mutex);
  Statistics.Hits += More.Hits;
  Statistics.Misses += More.Misses;
}

void MeasurementContext::forgetCacheConnection() {
  std::lock_guard<std::mutex> Lock(Mutex);
  (void)Cache.release();
}

llvm::Expected<std::optional<std::string>>
MeasurementContext::lookupLocked(const MeasurementKey &Key) {
  if (auto Found = Recent.find(recentKey(Key)); Found != Recent.end())
    return Found->second;
  auto Open = openCacheLocked(/*Create=*/true);
  if (!Open)
    return Open.takeError();
  if (!*Open)
    return std::nullopt;
  return Cache->lookup(Key);
}

llvm::Expected<bool> MeasurementContext::openCacheLocked(bool Create) {
  if (Cache)
    return true;
  std::string Path = CachePath.value_or(defaultCachePath());
  if (Path.empty() || (!Create && !llvm::sys::fs::exists(Path)))
    return false;
  auto Opened = MeasurementCache::open(Path);
  if (!Opened)
    return Opened.takeError();
  Cache = std::move(*Opened);
  return true;
}

llvm::Expected<std::vector<CachedMeasurement>>
MeasurementContext::storedSince(int64_t Since) {
  std::lock_guard<std::mutex> Lock(Mutex);
  auto Open = openCacheLocked(/*Create=*/false);
  if (!Open)
    return Open.takeError();
  if (!*Open)
    return std::vector<CachedMeasurement>();
  return Cache->storedSince(machineFingerprint(), Since);
}

llvm::Error MeasurementContext::storeMeasuredElsewhere(
    const std::vector<CachedMeasurement> &Rows) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Rows.empty())
    return llvm::Error::success();
  auto Open = openCacheLocked(/*Create=*/true);
  if (!Open)
    return Open.takeError();
  return *Open ? Cache->storeAll(Rows) : llvm::Error::success();
}

llvm::Expected<RuntimeEstimate> MeasurementContext::measureCached(
    llvm::StringRef ModuleHash, const RunSpec &Spec,
    llvm::function_ref<llvm::Expected<RuntimeEstimate>()> Measure) {
  auto Config = configurationHash(Spec, Options);
  if (!Config)
    return Config.takeError();
  MeasurementKey Key{ModuleHash.str(), *Config, machineFingerprint()};
  {
    // Measurements run outside the lock; only what is kept is shared.
    std::lock_guard<std::mutex> Lock(Mutex);
    auto Found = lookupLocked(Key);
    if (!Found)
      return Found.takeError();
    if (*Found) {
      ++Statistics.Hits;
      return fromPayload(**Found);
    }
    ++Statistics.Misses;
  }
  std::string Payload = toPayload(Measure());
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Recent.size() >= kRecentResults)
    Recent.clear();
  Recent[recentKey(Key)] = Payload;
  if (Cache)
    if (llvm::Error E = Cache->store(Key, Payload))
      return std::move(E);
  return fromPayload(Payload);
}

} // namespace passgym
