#include "runtime/Evaluate.h"

#include "datasets/Benchmark.h"
#include "runtime/MeasurementCache.h"
#include "support/ModuleHash.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace passgym {
namespace {

llvm::Expected<const RunSpec &> runSpecOf(const Benchmark &B) {
  if (!B.runSpec())
    return llvm::createStringError("benchmark '" + B.uri() +
                                   "' is not runnable (it has no run spec)");
  return *B.runSpec();
}

/// Everything besides the module that decides what a measurement is: bump
/// kMeasurementVersion when the harness or the way of measuring changes.
constexpr int kMeasurementVersion = 4;

llvm::Expected<std::string>
configurationHash(const RunSpec &Spec, const MeasurementOptions &Options) {
  nlohmann::json Config = {
      {"version", kMeasurementVersion},
      {"args", Spec.args},
      {"stdin", bytesHash(Spec.standardInput)},
      {"outputs", Spec.outputFiles},
      {"link", Spec.linkFlags},
      {"timeout_ms", Spec.timeout.count()},
      {"warmup", Options.warmupRuns},
      {"min_runs", Options.minRuns},
      {"max_runs", Options.maxRuns},
      {"agreeing_runs", Options.agreeingRuns},
      {"agreement", Options.agreement},
      {"cpu", Options.cpu ? static_cast<int>(*Options.cpu) : -1}};
  for (const std::string &Input : Spec.inputFiles) {
    auto Contents = llvm::MemoryBuffer::getFile(Input);
    if (!Contents)
      return llvm::createStringError(Contents.getError(),
                                     "cannot read input file '" + Input + "'");
    Config["inputs"].push_back({Input, bytesHash((*Contents)->getBuffer())});
  }
  return bytesHash(Config.dump());
}

/// A measurement or, for a module found invalid, the reason.
std::string toPayload(llvm::Expected<RuntimeEstimate> Estimate) {
  if (!Estimate)
    return nlohmann::json({{"error", llvm::toString(Estimate.takeError())}})
        .dump();
  return nlohmann::json({{"samples", Estimate->samples},
                         {"minimum", Estimate->minimum},
                         {"median", Estimate->median},
                         {"lower", Estimate->lower},
                         {"upper", Estimate->upper},
                         {"converged", Estimate->converged}})
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
  Estimate.samples = Json["samples"].get<std::vector<double>>();
  Estimate.minimum = Json.value("minimum", 0.0);
  Estimate.median = Json.value("median", 0.0);
  Estimate.lower = Json.value("lower", 0.0);
  Estimate.upper = Json.value("upper", 0.0);
  Estimate.converged = Json.value("converged", false);
  return Estimate;
}

struct CacheState {
  std::mutex Mutex;
  std::optional<std::string> Path;
  std::unique_ptr<MeasurementCache> Cache;
  /// This process's recent results, consulted first and kept even when the
  /// persistent cache is off, so that a state observed and rewarded in the
  /// same step is measured once and reads the same everywhere.
  std::map<std::string, std::string> Recent;
  CacheStatistics Statistics;
};

constexpr size_t kRecentResults = 4096;

std::string recentKey(const MeasurementKey &Key) {
  return Key.moduleHash + "/" + Key.configHash;
}

CacheState &cacheState() {
  static CacheState State;
  return State;
}

} // namespace

namespace {
MeasurementOptions &defaultOptionsStorage() {
  static MeasurementOptions Options;
  return Options;
}
} // namespace

void setMeasurementCpu(std::optional<unsigned> Cpu) {
  defaultOptionsStorage().cpu = Cpu;
}

const MeasurementOptions &defaultMeasurementOptions() {
  return defaultOptionsStorage();
}

void setMeasurementCachePath(std::string Path) {
  CacheState &State = cacheState();
  std::lock_guard<std::mutex> Lock(State.Mutex);
  State.Path = std::move(Path);
  State.Cache.reset();
  State.Recent.clear();
}

CacheStatistics measurementCacheStatistics() {
  CacheState &State = cacheState();
  std::lock_guard<std::mutex> Lock(State.Mutex);
  return State.Statistics;
}

llvm::Expected<RuntimeEstimate>
measureModuleCached(const llvm::Module &M, const Benchmark &B,
                    const MeasurementOptions &Options) {
  auto Spec = runSpecOf(B);
  if (!Spec)
    return Spec.takeError();
  auto Config = configurationHash(*Spec, Options);
  if (!Config)
    return Config.takeError();
  MeasurementKey Key{irHash(M), *Config, machineFingerprint()};

  CacheState &State = cacheState();
  {
    // Measurements run outside the lock; only the cache itself is shared.
    std::lock_guard<std::mutex> Lock(State.Mutex);
    if (auto Recent = State.Recent.find(recentKey(Key));
        Recent != State.Recent.end()) {
      ++State.Statistics.hits;
      return fromPayload(Recent->second);
    }
    if (!State.Path)
      State.Path = defaultCachePath();
    if (!State.Cache && !State.Path->empty()) {
      auto Opened = MeasurementCache::open(*State.Path);
      if (!Opened)
        return Opened.takeError();
      State.Cache = std::move(*Opened);
    }
    if (State.Cache) {
      auto Found = State.Cache->lookup(Key);
      if (!Found)
        return Found.takeError();
      if (*Found) {
        ++State.Statistics.hits;
        return fromPayload(**Found);
      }
      ++State.Statistics.misses;
    }
  }
  std::string Payload = toPayload(measureModule(M, B, Options));
  std::lock_guard<std::mutex> Lock(State.Mutex);
  if (State.Recent.size() >= kRecentResults)
    State.Recent.clear();
  State.Recent[recentKey(Key)] = Payload;
  if (State.Cache)
    if (llvm::Error E = State.Cache->store(Key, Payload))
      return std::move(E);
  return fromPayload(Payload);
}

llvm::Expected<ProgramBehaviour> referenceBehaviour(const Benchmark &B) {
  return B.cached<ProgramBehaviour>(
      "runtime.reference", [&]() -> llvm::Expected<ProgramBehaviour> {
        auto Spec = runSpecOf(B);
        if (!Spec)
          return Spec.takeError();
        llvm::LLVMContext Context;
        auto M = B.load(Context);
        if (!M)
          return M.takeError();
        auto Built = Program::build(**M, *Spec);
        if (!Built)
          return Built.takeError();
        auto Outcome = Built->run(*Spec);
        if (!Outcome)
          return llvm::createStringError(
              "the unoptimized program of '" + B.uri() +
              "' fails: " + llvm::toString(Outcome.takeError()));
        return std::move(Outcome->first);
      });
}

namespace {

/// \p M built as \p B's program, with what the unoptimized program did.
struct ProgramToJudge {
  Program Built;
  ProgramBehaviour Reference;
};

llvm::Expected<ProgramToJudge> buildAgainstReference(const llvm::Module &M,
                                                     const Benchmark &B) {
  auto Reference = referenceBehaviour(B);
  if (!Reference)
    return Reference.takeError();
  auto Built = Program::build(M, *B.runSpec());
  if (!Built)
    return Built.takeError();
  return ProgramToJudge{std::move(*Built), std::move(*Reference)};
}

} // namespace

llvm::Error validateModule(const llvm::Module &M, const Benchmark &B) {
  auto Judged = buildAgainstReference(M, B);
  if (!Judged)
    return Judged.takeError();
  auto Outcome = Judged->Built.run(*B.runSpec());
  if (!Outcome)
    return Outcome.takeError();
  return compareBehaviour(Judged->Reference, Outcome->first);
}

llvm::Expected<RuntimeEstimate>
measureModule(const llvm::Module &M, const Benchmark &B,
              const MeasurementOptions &Options) {
  auto Judged = buildAgainstReference(M, B);
  if (!Judged)
    return Judged.takeError();
  return Judged->Built.measure(*B.runSpec(), Judged->Reference, Options);
}

} // namespace passgym
