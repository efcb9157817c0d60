//===- learning/training/DistributedEpisodes.h - On MPI ranks --*- C++ -*-===//
//
// `mpirun -np N passgym train ...`: rank 0 learns, and environment I of the
// run lives on rank 1 + I % (N-1), so a rank holds one environment (--envs
// N-1, the default under MPI) or several, stepped in order. Rank 0 sends
// each rank one job (the environment options, the whole action space, the
// benchmarks' bitcode, the schedule), then, per step, one message with the
// actions of that rank's environments; the rank steps them and answers with
// each step's outcome and, for an environment whose module changed, its new
// observation (encoded by env/WorkerProtocol.h). A rank makes runner I as
// EpisodeRunner::create would on rank 0, so a run gives the episodes, and
// the metrics, of the serial run with the same --envs and seed.
//
// A rank that does not answer within the longer of kAnswerWithin and 10
// times the slowest answer so far is lost: the step fails naming it, and
// lostRank() says so, for the job cannot end normally (docs/mpi.md). No MPI
// and no torch in this header.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H
#define PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H

#include "learning/algorithms/Episodes.h"

#include "llvm/Support/Error.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace passgym {
class MpiJob;
} // namespace passgym

namespace passgym::learning {

/// The shortest time a rank has to answer a step (or an episode's start);
/// see DistributedEpisodes.
inline constexpr std::chrono::seconds kAnswerWithin(120);

/// What rank 0's messages cost so far. Bytes are the messages' own (an
/// observation is sent only when the module changed, and once per episode
/// start); the communication time of an exchange is its wall time, encoding
/// and decoding included, less the longest any rank spent stepping.
struct EpisodeTraffic {
  /// Exchanges: every rank concerned steps (or starts) its environments once.
  int64_t Exchanges = 0;
  /// Environment steps, all environments together.
  int64_t Steps = 0;
  uint64_t BytesOut = 0;  ///< Actions (and episode starts) to the ranks.
  uint64_t BytesBack = 0; ///< Outcomes and observations from the ranks.
  uint64_t JobBytes = 0;  ///< The job, sent once to each rank.
  double CommunicationSeconds = 0;
};

/// Rank 0's side: the runners on ranks 1..N-1 of an MPI job of N ranks.
class RankEpisodes final : public RemoteEpisodes {
public:
  explicit RankEpisodes(unsigned Ranks) : Ranks(Ranks) {}

  llvm::Error open(const std::vector<BenchmarkPtr> &Benchmarks,
                   const EnvironmentOptions &Env, const RunSchedule &Schedule,
                   StateKind State) override;
  int64_t numActions() const override { return Actions; }
  llvm::Error ensureEpisodes() override;
  llvm::Expected<std::vector<EpisodeStep>>
  step(const std::vector<int64_t> &Actions) override;
  const Observation &observation(size_t I) const override {
    return Observations[I];
  }
  uint64_t observationVersion(size_t I) const override { return Versions[I]; }

  const EpisodeTraffic &traffic() const { return Traffic; }
  /// The rank that stopped answering, if one did.
  std::optional<unsigned> lostRank() const { return Lost; }

private:
  /// Sends each rank in \p To the requests of its environments (an action,
  /// or kStartEpisode) and reads back their outcomes.
  llvm::Expected<std::vector<EpisodeStep>>
  exchange(const std::vector<int64_t> &Requests,
           const std::vector<bool> &To);
  llvm::Error readAnswer(unsigned Rank, llvm::StringRef Text,
                         std::vector<EpisodeStep> &Steps, double &Seconds);

  unsigned Ranks;
  int64_t Actions = 0;
  std::vector<Observation> Observations;
  std::vector<uint64_t> Versions;
  std::vector<bool> InEpisode;
  double SlowestSeconds = 0;
  EpisodeTraffic Traffic;
  std::optional<unsigned> Lost;
};

/// Ranks > 0: makes the runners of the job rank 0 sends and steps them as
/// it asks, until it says stop.
llvm::Error serveEpisodes(const MpiJob &Job);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H
