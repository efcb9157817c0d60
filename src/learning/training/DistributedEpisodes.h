//===- learning/training/DistributedEpisodes.h - On MPI ranks --*- C++ -*-===//
//
// `mpirun -np N passgym train ...`: rank 0 learns, and ranks 1..N-1 step its
// environments. Rank 0 sends each rank one job (the environment options,
// the whole action space, the benchmarks' bitcode, the schedule), then, per
// step, one message to each rank that holds environments, with their
// actions; the rank steps them and answers with each step's outcome and,
// for an environment whose module changed, its new observation (encoded by
// env/WorkerProtocol.h). A rank makes runner I as EpisodeRunner::create
// would on rank 0, so a run gives the episodes, and the metrics, of the
// serial run with the same --envs and seed, wherever each runner lives.
//
// Where an environment lives is decided at each of its episode starts
// (placeEnvironments): on the rank whose environments take the least time
// per step once it is added, so faster ranks hold more (unless placement is
// fixed). A runner moved to another rank is made again there by replay: its
// earlier episodes' benchmark draws (EpisodeRunner::skipTo), then its
// current episode's actions, which rank 0 keeps.
//
// A rank that does not answer within the longer of the answer time
// (--rank-timeout, kAnswerWithin by default) and 10 times the slowest
// answer so far is lost: its environments are replayed on the other ranks
// and the run goes on, where the MPI implementation lets the job go on
// (Open MPI: `mpirun --enable-recovery`; by default one dead process ends
// the job). Without ranks left, the step fails. No MPI and no torch in this
// header.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H
#define PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H

#include "learning/algorithms/Episodes.h"

#include "llvm/Support/Error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace passgym {
class MpiJob;
} // namespace passgym

namespace passgym::learning {

/// The shortest time a rank has to answer a step (or an episode's start),
/// unless the user sets another; see DistributedEpisodes.
inline constexpr std::chrono::seconds kAnswerWithin(120);

/// The rank (1..Ranks-1) where each environment lives after the episode
/// starts of \p Starting. An environment that does not start an episode
/// stays on its rank in \p Holders if that rank is \p Alive. Each other
/// one, in index order, goes to the live rank that would take least time
/// per step with it: \p SecondsPerUnit[Rank] (0: not known yet, taken as
/// the mean of those known) times the \p Loads of its environments (the
/// work of one of their steps: their modules' sizes), on a tie
/// to the rank holding fewer, then its own rank, then the lowest; but it
/// stays on its own live rank unless that would take over 1.25 times as
/// long. Holders[I] is 0 for an environment that lives nowhere yet; every
/// rank dead gives all 0.
std::vector<unsigned> placeEnvironments(const std::vector<unsigned> &Holders,
                                        const std::vector<bool> &Starting,
                                        const std::vector<bool> &Alive,
                                        const std::vector<double> &SecondsPerUnit,
                                        const std::vector<double> &Loads);

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
  /// Environment steps and episode starts, by rank.
  std::vector<int64_t> RequestsByRank;
  /// Environments made again on another rank, and the steps replayed there.
  int64_t Moves = 0;
  int64_t ReplayedSteps = 0;
  /// Measurements that the ranks added to this process's cache at the end,
  /// and how many machines measured them.
  size_t MergedMeasurements = 0;
  size_t MeasuringMachines = 0;
};

/// A rank that stopped answering, and why.
struct LostRank {
  unsigned Rank = 0;
  std::string Reason;
};

/// Rank 0's side: the runners on ranks 1..N-1 of an MPI job of N ranks.
class RankEpisodes final : public RemoteEpisodes {
public:
  /// \p Balance: environments move to faster ranks at their episode
  /// starts (placeEnvironments); otherwise environment I stays on rank
  /// 1 + I % (Ranks - 1) until that rank is lost.
  RankEpisodes(unsigned Ranks, std::chrono::seconds AnswerWithin,
               bool Balance)
      : Ranks(Ranks), AnswerWithin(AnswerWithin), Balance(Balance) {}

  llvm::Error open(const std::vector<BenchmarkPtr> &Benchmarks,
                   const EnvironmentOptions &Env, const RunSchedule &Schedule,
                   StateKind State) override;
  int64_t numActions() const override { return Actions; }
  llvm::Error ensureEpisodes() override;
  llvm::Expected<std::vector<EpisodeStep>>
  step(const std::vector<int64_t> &Actions) override;
  const Observation &observation(size_t I) const override {
    return Places[I].Observed;
  }
  uint64_t observationVersion(size_t I) const override {
    return Places[I].Version;
  }

  /// Adds what the live ranks measured since open() (each on its own
  /// machine, into that machine's cache) to this process's measurement
  /// cache: the run's measurements end up in the coordinator's cache.
  llvm::Error mergeMeasurements();

  const EpisodeTraffic &traffic() const { return Traffic; }
  /// Each rank's speed as placement last saw it: seconds per unit of size
  /// (instruction, or graph node with the graph-only state) of the modules
  /// it stepped, a moving average; 0: not known.
  const std::vector<double> &rankSpeeds() const { return Speeds; }
  /// The ranks that stopped answering, in the order they did.
  const std::vector<LostRank> &lostRanks() const { return Lost; }
  /// Called as each rank is lost (its environments go on elsewhere).
  std::function<void(const LostRank &)> OnLost;

private:
  /// Where environment I lives and what rank 0 knows of it.
  struct Place {
    /// 0: nowhere yet (or on a lost rank).
    unsigned Rank = 0;
    /// Its rank's runner has had every request so far; otherwise it is made
    /// again there by replay.
    bool Synced = false;
    bool InEpisode = false;
    int64_t EpisodesStarted = 0;
    std::vector<int64_t> EpisodeActions;
    Observation Observed;
    /// Observed's size (instructions, or graph nodes): the work of its
    /// next step.
    double Size = 0;
    uint64_t Version = 0;
  };

  /// Sends each environment's request (an action, or kStartEpisode; none
  /// for std::nullopt) to its rank and reads back the outcomes, placing on
  /// other ranks the environments of a rank that is lost meanwhile.
  llvm::Expected<std::vector<EpisodeStep>>
  exchange(const std::vector<std::optional<int64_t>> &Requests);
  /// Places the environments in \p Starting and those on no live rank.
  void place(const std::vector<bool> &Starting);
  llvm::Error readAnswer(unsigned Rank, llvm::StringRef Text,
                         const std::vector<size_t> &Environments,
                         const std::vector<std::optional<int64_t>> &Requests,
                         std::vector<EpisodeStep> &Steps,
                         std::vector<bool> &Pending, double &Seconds);
  void lose(unsigned Rank, std::string Reason);
  std::vector<size_t> environmentsOn(unsigned Rank) const;

  unsigned Ranks;
  std::chrono::seconds AnswerWithin;
  bool Balance;
  int64_t Actions = 0;
  std::vector<Place> Places;
  std::vector<bool> Alive;
  /// rankSpeeds().
  std::vector<double> Speeds;
  double SlowestSeconds = 0;
  /// Where the merged measurements go.
  std::shared_ptr<MeasurementContext> Measurement;
  EpisodeTraffic Traffic;
  std::vector<LostRank> Lost;
};

/// Ranks > 0: makes the runners of the job rank 0 sends and steps them as
/// it asks, until it says stop.
llvm::Error serveEpisodes(MpiJob &Job);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TRAINING_DISTRIBUTEDEPISODES_H
