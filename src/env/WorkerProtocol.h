//===- env/WorkerProtocol.h - What an environment says to its worker ------===//
//
// Requests from a WorkerEnvironment to the worker process serving it, and the
// encoding of what they carry: environment options, benchmarks,
// observations, step results and the reward tracker. Every reply starts with
// a status (ok, or an error and its one-line message) and the measurement
// cache lookups the request made, which the caller's MeasurementContext adds
// to its own.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ENV_WORKERPROTOCOL_H
#define PASSGYM_ENV_WORKERPROTOCOL_H

#include "env/Environment.h"
#include "support/Channel.h"

#include <chrono>
#include <string>
#include <vector>

namespace passgym::worker {

/// The file in a worker's temporary directory that receives its stderr: what
/// LLVM prints before it aborts ("LLVM ERROR: ...") explains a dead worker.
inline constexpr const char *kWorkerStderrFile = "stderr";

enum class Request : uint64_t {
  /// Options; the worker builds its environment. Sent once per worker.
  Configure = 1,
  /// A benchmark; reply: the initial observation and the tracker.
  Reset,
  /// A pipeline text; reply: the step result, the tracker, whether the module
  /// survived. An unparsable pipeline is an error reply.
  Step,
  /// A space name; reply: the observation.
  Observe,
  /// A directory for the child's temporary files; reply: the child's socket
  /// and pidfd as descriptors.
  Fork,
  /// Reply: the module's bitcode.
  Module,
  /// A key: Environment::keep(), restore() or forget() in the worker.
  Keep,
  Restore,
  Forget,
};

/// What a worker needs to build the environment the caller asked for.
struct Configuration {
  std::string ActionSpaceName;
  std::vector<Action> Actions;
  std::string ObservationSpace, RewardSpace;
  MeasurementOptions Measurement;
  std::optional<std::string> CachePath;
  std::vector<std::string> PassPlugins;
};

void encode(MessageWriter &Out, const Configuration &C);
Configuration decodeConfiguration(MessageReader &In);

void encode(MessageWriter &Out, const Benchmark &B);
BenchmarkPtr decodeBenchmark(MessageReader &In);

void encode(MessageWriter &Out, const std::optional<Observation> &O);
std::optional<Observation> decodeObservation(MessageReader &In);

void encode(MessageWriter &Out, const StepResult &R);
StepResult decodeStepResult(MessageReader &In);

void encode(MessageWriter &Out, const RewardTracker &T);
RewardTracker decodeTracker(MessageReader &In);

/// A reply's status, the cache lookups made, then the payload.
MessageWriter okReply(const CacheStatistics &Lookups);
MessageWriter errorReply(const CacheStatistics &Lookups,
                         llvm::StringRef Message);

} // namespace passgym::worker

#endif
