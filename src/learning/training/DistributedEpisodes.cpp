//===- learning/training/DistributedEpisodes.cpp - Environments on ranks --===//
//
// The messages, all MessageWriter bytes (support/Channel.h):
//   job (JobTag): the environment options as a worker::Configuration, the
//     isolation and step timeout, the schedule, the state kind, and every
//     benchmark (worker::encode: URI, bitcode, run spec);
//   ready (ReadyTag): ok, or false and why;
//   task (TaskTag): TaskKind::Requests and one request per environment of
//     the rank concerned: its index, an action or kStartEpisode, and for a
//     runner made again there its episode and that episode's actions so
//     far; or TaskKind::Measurements;
//   answer (ResultTag) to requests: per request, ok and the EpisodeStep and
//     whether a new observation follows (and then it), or false and the
//     error; then the seconds the rank spent. To measurements: the rows its
//     machine stored in its cache since the job came.
//
//===----------------------------------------------------------------------===//
#include "learning/training/DistributedEpisodes.h"

#include "actions/ActionSpace.h"
#include "distributed/Distributed.h"
#include "distributed/Messages.h"
#include "env/WorkerProtocol.h"
#include "observations/Features.h"
#include "runtime/MeasurementContext.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

namespace passgym::learning {
namespace {

using Clock = RankClock;

/// A request that starts an episode if the environment has none, instead of
/// a step.
constexpr int64_t kStartEpisode = -1;
/// A rank decodes every benchmark before it answers the job.
constexpr std::chrono::minutes kReadyWithin(10);
/// The weight of a rank's latest answer in its speed: small, for one
/// answer's time varies by a factor of 2 or more with what else runs.
constexpr double kLatestWeight = 0.1;
/// An environment starting an episode leaves its rank only for one where
/// its environments' time per step would be this many times shorter.
constexpr double kMoveGain = 1.25;

/// What a task asks of a rank.
enum class TaskKind : uint64_t { Requests, Measurements };

double secondsSince(Clock::time_point Start) {
  return std::chrono::duration<double>(Clock::now() - Start).count();
}

/// The environments of rank \p Rank among \p Ranks before any moves: every
/// I with 1 + I % (Ranks - 1) == Rank, as placeEnvironments() places them
/// while no rank's speed is known.
std::vector<size_t> environmentsOf(unsigned Rank, unsigned Ranks,
                                   size_t Environments) {
  std::vector<size_t> Mine;
  for (size_t I = Rank - 1; I < Environments; I += Ranks - 1)
    Mine.push_back(I);
  return Mine;
}

struct EpisodeJob {
  std::vector<BenchmarkPtr> Benchmarks;
  EnvironmentOptions Env;
  RunSchedule Schedule;
  StateKind State = StateKind::Graph;
};

std::string encodeJob(const std::vector<BenchmarkPtr> &Benchmarks,
                      const EnvironmentOptions &Env,
                      const RunSchedule &Schedule, StateKind State) {
  worker::Configuration C;
  C.ActionSpaceName = spaceOrBuiltin(Env.Actions).name();
  C.Actions = spaceOrBuiltin(Env.Actions).actions();
  C.ObservationSpace = Env.ObservationSpace;
  C.RewardSpace = Env.RewardSpace;
  if (Env.Measurement) {
    C.Measurement = Env.Measurement->options();
    C.CachePath = Env.Measurement->cachePath();
  }
  MessageWriter Out;
  worker::encode(Out, C);
  Out.u64(static_cast<uint64_t>(Env.Isolation))
      .boolean(Env.StepTimeout.has_value())
      .i64(Env.StepTimeout.value_or(std::chrono::milliseconds(0)).count());
  Out.u64(Schedule.Seed)
      .i64(Schedule.EpisodeLength)
      .i64(Schedule.StepsPerIteration)
      .i64(Schedule.Environments)
      .u64(static_cast<uint64_t>(Schedule.StartFrom))
      .boolean(Schedule.RandomBenchmarks)
      .u64(static_cast<uint64_t>(State));
  Out.u64(Benchmarks.size());
  for (const BenchmarkPtr &B : Benchmarks)
    worker::encode(Out, *B);
  return Out.data();
}

llvm::Expected<EpisodeJob> decodeJob(llvm::StringRef Text) {
  MessageReader In(Text);
  worker::Configuration C = worker::decodeConfiguration(In);
  EpisodeJob Job;
  Job.Env.Actions =
      std::make_shared<ActionSpace>(C.ActionSpaceName, std::move(C.Actions));
  Job.Env.ObservationSpace = C.ObservationSpace;
  Job.Env.RewardSpace = C.RewardSpace;
  Job.Env.Measurement =
      std::make_shared<MeasurementContext>(C.Measurement, C.CachePath);
  Job.Env.Isolation = static_cast<Isolation>(In.u64());
  bool HasTimeout = In.boolean();
  std::chrono::milliseconds Timeout(In.i64());
  if (HasTimeout)
    Job.Env.StepTimeout = Timeout;
  RunSchedule &S = Job.Schedule;
  S.Seed = In.u64();
  S.EpisodeLength = In.i64();
  S.StepsPerIteration = In.i64();
  S.Environments = In.i64();
  S.StartFrom = static_cast<Baseline>(In.u64());
  S.RandomBenchmarks = In.boolean();
  Job.State = static_cast<StateKind>(In.u64());
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I)
    Job.Benchmarks.push_back(worker::decodeBenchmark(In));
  if (llvm::Error E = In.finish("the environments' job"))
    return E;
  return Job;
}

void encodeStep(MessageWriter &Out, const EpisodeStep &S) {
  Out.f64(S.Reward)
      .boolean(S.Terminated)
      .boolean(S.Truncated)
      .boolean(S.EpisodeReturn.has_value())
      .f64(S.EpisodeReturn.value_or(0));
}

EpisodeStep decodeStep(MessageReader &In) {
  EpisodeStep S;
  S.Reward = In.f64();
  S.Terminated = In.boolean();
  S.Truncated = In.boolean();
  bool Ended = In.boolean();
  double Return = In.f64();
  if (Ended)
    S.EpisodeReturn = Return;
  return S;
}

/// The graph and the Autophase counts, as two of env/'s observations.
void encodeObservation(MessageWriter &Out, const Observation &O) {
  std::optional<passgym::Observation> Graph;
  if (O.Graph)
    Graph = *O.Graph;
  worker::encode(Out, Graph);
  worker::encode(Out, std::optional<passgym::Observation>(O.Autophase));
}

Observation decodeObservation(MessageReader &In) {
  Observation O;
  std::optional<passgym::Observation> Graph = worker::decodeObservation(In);
  std::optional<passgym::Observation> Counts = worker::decodeObservation(In);
  if (Graph) {
    if (auto *G = std::get_if<graph::ProgramGraph>(&*Graph))
      O.Graph = std::move(*G);
    else
      In.fail();
  }
  if (auto *V = Counts ? std::get_if<std::vector<int64_t>>(&*Counts) : nullptr)
    O.Autophase = std::move(*V);
  else
    In.fail();
  return O;
}

/// The size of the observed module, roughly the work of a step on it
/// whatever the benchmark: its instruction count from the Autophase
/// features, or else its graph's nodes (instructions, variables and
/// constants). The state kind is the same for every environment of a run,
/// so sizes compare within a run.
double moduleSize(const Observation &O) {
  static const size_t Index = static_cast<size_t>(
      llvm::find(autophaseFeatureNames(), "TotalInsts") -
      autophaseFeatureNames().begin());
  if (Index < O.Autophase.size())
    return static_cast<double>(O.Autophase[Index]);
  return O.Graph ? static_cast<double>(O.Graph->Nodes.size()) : 0;
}

/// The outcome of kStartEpisode: no step.
llvm::Expected<EpisodeStep> started(EpisodeRunner &Runner) {
  if (llvm::Error E = Runner.ensureEpisode())
    return std::move(E);
  return EpisodeStep();
}

/// One environment's request in a task.
struct Request {
  uint64_t Environment = 0;
  /// An action, or kStartEpisode.
  int64_t Action = kStartEpisode;
  /// For a runner made again on the rank: the episode that the request
  /// starts or steps, and that episode's actions so far.
  std::optional<int64_t> Episode;
  std::vector<int64_t> Replay;
};

void encodeRequest(MessageWriter &Out, const Request &R) {
  Out.u64(R.Environment).i64(R.Action).boolean(R.Episode.has_value());
  if (!R.Episode)
    return;
  Out.i64(*R.Episode).u64(R.Replay.size());
  for (int64_t Action : R.Replay)
    Out.i64(Action);
}

Request decodeRequest(MessageReader &In) {
  Request R;
  R.Environment = In.u64();
  R.Action = In.i64();
  if (!In.boolean())
    return R;
  R.Episode = In.i64();
  for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I)
    R.Replay.push_back(In.i64());
  return R;
}

void encodeRow(MessageWriter &Out, const CachedMeasurement &Row) {
  Out.bytes(Row.Key.ModuleHash)
      .bytes(Row.Key.ConfigHash)
      .bytes(Row.Key.Machine)
      .bytes(Row.Payload);
}

CachedMeasurement decodeRow(MessageReader &In) {
  CachedMeasurement Row;
  Row.Key.ModuleHash = In.bytes();
  Row.Key.ConfigHash = In.bytes();
  Row.Key.Machine = In.bytes();
  Row.Payload = In.bytes();
  return Row;
}

/// A rank > 0: the runners it holds and what it last sent of each.
class EpisodeServer {
public:
  EpisodeServer(unsigned Rank, unsigned Ranks) : Rank(Rank), Ranks(Ranks) {}
  llvm::Error serve(MpiJob &Job);

private:
  /// The ready message for \p JobText.
  std::string takeJob(llvm::StringRef JobText);
  /// The answer to \p TaskText.
  llvm::Expected<std::string> answer(llvm::StringRef TaskText);
  std::string answerRequests(const std::vector<Request> &Requests);
  std::string measurementsSinceJob();
  /// Runner \p R.Environment, made if this rank has none fit for \p R.
  llvm::Expected<EpisodeRunner *> runnerFor(const Request &R);
  /// \p R's outcome, after its replay if it has one.
  static llvm::Expected<EpisodeStep> apply(EpisodeRunner &Runner,
                                           const Request &R);

  unsigned Rank, Ranks;
  std::optional<EpisodeJob> Job;
  /// When the job came, in seconds since the epoch, as the cache's rows.
  int64_t JobCame = 0;
  std::map<uint64_t, std::unique_ptr<EpisodeRunner>> Runners;
  std::map<uint64_t, uint64_t> SentVersions;
};

llvm::Expected<EpisodeRunner *> EpisodeServer::runnerFor(const Request &R) {
  std::unique_ptr<EpisodeRunner> &Runner = Runners[R.Environment];
  if (Runner && R.Episode && Runner->episodesStarted() > *R.Episode)
    Runner.reset();
  if (!Runner) {
    auto Made = EpisodeRunner::create(Job->Benchmarks, Job->Env,
                                      Job->Schedule, Job->State,
                                      R.Environment);
    if (!Made)
      return Made.takeError();
    Runner = std::move(*Made);
    SentVersions[R.Environment] = 0;
  }
  return Runner.get();
}

llvm::Expected<EpisodeStep> EpisodeServer::apply(EpisodeRunner &Runner,
                                                 const Request &R) {
  if (R.Episode) {
    if (llvm::Error E = Runner.skipTo(*R.Episode))
      return std::move(E);
    // A step belongs to an episode under way: run it again up to here.
    if (R.Action != kStartEpisode) {
      if (llvm::Error E = Runner.startEpisode())
        return std::move(E);
      for (int64_t Action : R.Replay)
        if (auto Replayed = Runner.step(Action); !Replayed)
          return Replayed.takeError();
    }
  }
  if (R.Action == kStartEpisode)
    return started(Runner);
  return Runner.step(R.Action);
}

std::string EpisodeServer::takeJob(llvm::StringRef JobText) {
  MessageWriter Ready;
  auto Decoded = decodeJob(JobText);
  if (!Decoded)
    return Ready.boolean(false)
        .bytes(llvm::toString(Decoded.takeError()))
        .data();
  Job = std::move(*Decoded);
  JobCame = static_cast<int64_t>(std::time(nullptr));
  Runners.clear();
  SentVersions.clear();
  // The runners placed here first are made now, so that one that cannot be
  // made fails the job at once.
  for (size_t I : environmentsOf(Rank, Ranks, Job->Schedule.Environments)) {
    Request First;
    First.Environment = I;
    if (auto Runner = runnerFor(First); !Runner)
      return Ready.boolean(false)
          .bytes(llvm::toString(Runner.takeError()))
          .data();
  }
  return Ready.boolean(true).data();
}

std::string
EpisodeServer::answerRequests(const std::vector<Request> &Requests) {
  auto Started = Clock::now();
  MessageWriter Out;
  for (const Request &R : Requests) {
    auto Runner = runnerFor(R);
    llvm::Expected<EpisodeStep> S =
        Runner ? apply(**Runner, R) : Runner.takeError();
    if (!S) {
      Out.boolean(false).bytes(llvm::toString(S.takeError()));
      continue;
    }
    Out.boolean(true);
    encodeStep(Out, *S);
    // Rank 0 holds what another rank sent of a runner made again here.
    uint64_t &Sent = SentVersions[R.Environment];
    bool Fresh = R.Episode || (*Runner)->observationVersion() != Sent;
    Out.boolean(Fresh);
    if (Fresh) {
      encodeObservation(Out, (*Runner)->observation());
      Sent = (*Runner)->observationVersion();
    }
  }
  Out.f64(secondsSince(Started));
  return Out.data();
}

std::string EpisodeServer::measurementsSinceJob() {
  MessageWriter Out;
  auto Rows = Job->Env.Measurement->storedSince(JobCame);
  if (!Rows)
    return Out.boolean(false).bytes(llvm::toString(Rows.takeError())).data();
  Out.boolean(true).u64(Rows->size());
  for (const CachedMeasurement &Row : *Rows)
    encodeRow(Out, Row);
  return Out.data();
}

llvm::Expected<std::string> EpisodeServer::answer(llvm::StringRef TaskText) {
  if (!Job)
    return llvm::createStringError("rank 0 sent a task before the job");
  MessageReader In(TaskText);
  auto Kind = static_cast<TaskKind>(In.u64());
  std::vector<Request> Requests;
  if (Kind == TaskKind::Requests)
    for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I)
      Requests.push_back(decodeRequest(In));
  if (llvm::Error E = In.finish("rank 0's task"))
    return std::move(E);
  if (Kind == TaskKind::Measurements)
    return measurementsSinceJob();
  return answerRequests(Requests);
}

llvm::Error EpisodeServer::serve(MpiJob &Job) {
  return Job.serveWith(
      [this](const RankMessage &M) -> llvm::Expected<std::string> {
        if (M.Tag == JobTag)
          return takeJob(M.Text);
        return answer(M.Text);
      });
}

std::string listed(const std::vector<size_t> &Indices) {
  std::string Text;
  for (size_t I : Indices)
    Text += (Text.empty() ? "" : ", ") + std::to_string(I);
  return Text;
}

} // namespace

std::vector<unsigned>
placeEnvironments(const std::vector<unsigned> &Holders,
                  const std::vector<bool> &Starting,
                  const std::vector<bool> &Alive,
                  const std::vector<double> &SecondsPerUnit,
                  const std::vector<double> &Loads) {
  size_t Ranks = Alive.size();
  double KnownSum = 0;
  int Known = 0;
  for (size_t Rank = 1; Rank < Ranks; ++Rank)
    if (Alive[Rank] && SecondsPerUnit[Rank] > 0) {
      KnownSum += SecondsPerUnit[Rank];
      ++Known;
    }
  double Unknown = Known ? KnownSum / Known : 1;
  auto Cost = [&](unsigned Rank) {
    return SecondsPerUnit[Rank] > 0 ? SecondsPerUnit[Rank] : Unknown;
  };
  auto Lives = [&](unsigned Rank) {
    return Rank > 0 && Rank < Ranks && Alive[Rank];
  };

  std::vector<unsigned> Placed(Holders.size(), 0);
  std::vector<size_t> Count(Ranks, 0);
  std::vector<double> Load(Ranks, 0);
  auto Put = [&](size_t I, unsigned Rank) {
    Placed[I] = Rank;
    ++Count[Rank];
    Load[Rank] += Loads[I];
  };
  for (size_t I = 0; I < Holders.size(); ++I)
    if (!Starting[I] && Lives(Holders[I]))
      Put(I, Holders[I]);
  for (size_t I = 0; I < Holders.size(); ++I) {
    if (Placed[I])
      continue;
    auto Time = [&](unsigned Rank) {
      return Cost(Rank) * (Load[Rank] + Loads[I]);
    };
    auto Better = [&](unsigned A, unsigned B) {
      if (Time(A) != Time(B))
        return Time(A) < Time(B);
      if (Count[A] != Count[B])
        return Count[A] < Count[B];
      return A == Holders[I] && B != Holders[I];
    };
    unsigned Best = 0;
    for (unsigned Rank = 1; Rank < Ranks; ++Rank)
      if (Lives(Rank) && (!Best || Better(Rank, Best)))
        Best = Rank;
    // Times are measured on other modules and are noisy: move only for a
    // clear gain.
    unsigned Holder = Holders[I];
    if (Best && Best != Holder && Lives(Holder) &&
        Time(Holder) <= kMoveGain * Time(Best))
      Best = Holder;
    if (Best)
      Put(I, Best);
  }
  return Placed;
}

llvm::Error RankEpisodes::open(const std::vector<BenchmarkPtr> &Benchmarks,
                               const EnvironmentOptions &Env,
                               const RunSchedule &Schedule, StateKind State) {
  if (Ranks < 2)
    return llvm::createStringError(
        "training over MPI needs ranks to step the environments: start "
        "passgym with mpirun -np N (N >= 2) or srun");
  size_t N = static_cast<size_t>(Schedule.Environments);
  Places.assign(N, Place());
  for (unsigned Rank = 1; Rank < Ranks; ++Rank)
    for (size_t I : environmentsOf(Rank, Ranks, N)) {
      Places[I].Rank = Rank;
      Places[I].Synced = true;
    }
  Alive.assign(Ranks, true);
  Alive[0] = false;
  Speeds.assign(Ranks, 0);
  Traffic.RequestsByRank.assign(Ranks, 0);
  Measurement = Env.Measurement;
  Actions = static_cast<int64_t>(spaceOrBuiltin(Env.Actions).size());
  std::string Job = encodeJob(Benchmarks, Env, Schedule, State);
  Traffic.JobBytes = Job.size();
  auto Deadline = Clock::now() + kReadyWithin;
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    if (llvm::Error E = sendTo(Rank, JobTag, Job, Deadline)) {
      lose(Rank, "cannot be sent the job: " + llvm::toString(std::move(E)));
      return llvm::createStringError("MPI rank " + std::to_string(Rank) + " " +
                                     Lost.back().Reason);
    }
  }
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    auto M = receiveFrom(Rank, ReadyTag, Deadline);
    if (!M) {
      lose(Rank, "did not make its environments within " +
                     std::to_string(kReadyWithin.count()) +
                     " minutes: " + llvm::toString(M.takeError()));
      return llvm::createStringError("MPI rank " + std::to_string(Rank) + " " +
                                     Lost.back().Reason);
    }
    MessageReader In(M->Text);
    if (!In.boolean())
      return llvm::createStringError("MPI rank " + std::to_string(Rank) +
                                     " cannot make its environments: " +
                                     In.bytes());
  }
  return llvm::Error::success();
}

std::vector<size_t> RankEpisodes::environmentsOn(unsigned Rank) const {
  std::vector<size_t> On;
  for (size_t I = 0; I < Places.size(); ++I)
    if (Places[I].Rank == Rank)
      On.push_back(I);
  return On;
}

void RankEpisodes::lose(unsigned Rank, std::string Reason) {
  Alive[Rank] = false;
  std::string Environments = listed(environmentsOn(Rank));
  for (Place &P : Places)
    if (P.Rank == Rank) {
      P.Rank = 0;
      P.Synced = false;
    }
  Lost.push_back({Rank, (Environments.empty()
                            ? "(no environments)"
                            : "(environments " + Environments + ")") +
                           " " + Reason});
  if (OnLost)
    OnLost(Lost.back());
}

void RankEpisodes::place(const std::vector<bool> &Starting) {
  std::vector<unsigned> Holders;
  double Known = 0;
  for (const Place &P : Places) {
    Holders.push_back(P.Rank);
    Known += P.Size;
  }
  // A starting episode's module is not known yet: it weighs the mean.
  double Mean = Known > 0 ? Known / static_cast<double>(Places.size()) : 1;
  std::vector<double> Loads;
  for (size_t I = 0; I < Places.size(); ++I)
    Loads.push_back(Starting[I] || Places[I].Size <= 0
                        ? Mean
                        : Places[I].Size);
  std::vector<unsigned> Placed = placeEnvironments(
      Holders,
      Balance ? Starting : std::vector<bool>(Places.size(), false), Alive,
      Speeds, Loads);
  for (size_t I = 0; I < Places.size(); ++I)
    if (Placed[I] != Places[I].Rank) {
      Places[I].Rank = Placed[I];
      Places[I].Synced = false;
    }
}

llvm::Error RankEpisodes::ensureEpisodes() {
  std::vector<bool> Starting;
  for (const Place &P : Places)
    Starting.push_back(!P.InEpisode);
  if (llvm::none_of(Starting, [](bool B) { return B; }))
    return llvm::Error::success();
  place(Starting);
  std::vector<std::optional<int64_t>> Requests(Places.size());
  for (size_t I = 0; I < Places.size(); ++I)
    if (Starting[I])
      Requests[I] = kStartEpisode;
  auto Started = exchange(Requests);
  if (!Started)
    return Started.takeError();
  return llvm::Error::success();
}

llvm::Expected<std::vector<EpisodeStep>>
RankEpisodes::step(const std::vector<int64_t> &Actions) {
  // As EpisodeRunner::step does, a step starts the episode if none runs;
  // here first, so that rank 0 counts the start and places it.
  if (llvm::Error E = ensureEpisodes())
    return std::move(E);
  auto Steps = exchange(std::vector<std::optional<int64_t>>(Actions.begin(),
                                                            Actions.end()));
  if (!Steps)
    return Steps.takeError();
  Traffic.Steps += static_cast<int64_t>(Actions.size());
  return Steps;
}

llvm::Expected<std::vector<EpisodeStep>>
RankEpisodes::exchange(const std::vector<std::optional<int64_t>> &Requests) {
  auto Started = Clock::now();
  std::vector<EpisodeStep> Steps(Requests.size());
  std::vector<bool> Pending;
  for (const std::optional<int64_t> &R : Requests)
    Pending.push_back(R.has_value());
  llvm::Error Failed = llvm::Error::success();
  double Slowest = 0;
  // A round sends every pending request to its rank; a lost rank's requests
  // go to the others in the next.
  while (llvm::any_of(Pending, [](bool B) { return B; })) {
    if (llvm::any_of(Places, [](const Place &P) { return P.Rank == 0; }))
      place(std::vector<bool>(Places.size(), false));
    if (llvm::none_of(Alive, [](bool B) { return B; })) {
      llvm::consumeError(std::move(Failed));
      std::string Why;
      for (const LostRank &L : Lost)
        Why += "; rank " + std::to_string(L.Rank) + " " + L.Reason;
      return llvm::createStringError(
          "every MPI rank that stepped environments was lost" + Why);
    }
    auto Within = std::max<Clock::duration>(
        AnswerWithin, std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(10 * SlowestSeconds)));
    auto Deadline = Clock::now() + Within;
    std::vector<std::vector<size_t>> Sent(Ranks);
    for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
      std::vector<size_t> Mine;
      for (size_t I : environmentsOn(Rank))
        if (Pending[I])
          Mine.push_back(I);
      if (Mine.empty())
        continue;
      MessageWriter Task;
      Task.u64(static_cast<uint64_t>(TaskKind::Requests)).u64(Mine.size());
      for (size_t I : Mine) {
        const Place &P = Places[I];
        Request R;
        R.Environment = I;
        R.Action = *Requests[I];
        if (!P.Synced) {
          bool Starts = R.Action == kStartEpisode;
          R.Episode = Starts ? P.EpisodesStarted : P.EpisodesStarted - 1;
          if (!Starts)
            R.Replay = P.EpisodeActions;
        }
        encodeRequest(Task, R);
      }
      if (llvm::Error E = sendTo(Rank, TaskTag, Task.data(), Deadline)) {
        lose(Rank, "cannot be sent its task: " + llvm::toString(std::move(E)));
        continue;
      }
      Traffic.BytesOut += Task.data().size();
      Sent[Rank] = std::move(Mine);
    }
    for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
      if (Sent[Rank].empty())
        continue;
      auto M = receiveFrom(Rank, ResultTag, Deadline);
      if (!M) {
        lose(Rank,
             "did not answer within " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::seconds>(Within)
                         .count()) +
                 " s: it died or hangs (" + llvm::toString(M.takeError()) +
                 ")");
        continue;
      }
      Traffic.BytesBack += M->Text.size();
      // The rank's speed, from answers of plain steps only (no start, no
      // replay), of modules of known size.
      bool Plain = llvm::all_of(Sent[Rank], [&](size_t I) {
        return *Requests[I] != kStartEpisode && Places[I].Synced;
      });
      double Size = 0;
      for (size_t I : Sent[Rank])
        Size += Places[I].Size;
      double Seconds = 0;
      Failed = llvm::joinErrors(
          std::move(Failed),
          readAnswer(Rank, M->Text, Sent[Rank], Requests, Steps, Pending,
                     Seconds));
      Slowest = std::max(Slowest, Seconds);
      if (Plain && Size > 0) {
        double Speed = Seconds / Size;
        double &Known = Speeds[Rank];
        Known = Known > 0
                    ? (1 - kLatestWeight) * Known + kLatestWeight * Speed
                    : Speed;
      }
    }
  }
  SlowestSeconds = std::max(SlowestSeconds, Slowest);
  Traffic.Exchanges += 1;
  Traffic.CommunicationSeconds += std::max(0.0, secondsSince(Started) - Slowest);
  if (Failed)
    return std::move(Failed);
  return Steps;
}

llvm::Error RankEpisodes::readAnswer(
    unsigned Rank, llvm::StringRef Text,
    const std::vector<size_t> &Environments,
    const std::vector<std::optional<int64_t>> &Requests,
    std::vector<EpisodeStep> &Steps, std::vector<bool> &Pending,
    double &Seconds) {
  MessageReader In(Text);
  llvm::Error Failed = llvm::Error::success();
  for (size_t I : Environments) {
    Place &P = Places[I];
    Pending[I] = false;
    if (!In.boolean()) {
      P.Synced = false;
      Failed = llvm::joinErrors(
          std::move(Failed),
          llvm::createStringError("environment " + std::to_string(I) +
                                  " on MPI rank " + std::to_string(Rank) +
                                  ": " + In.bytes()));
      continue;
    }
    Steps[I] = decodeStep(In);
    if (In.boolean()) {
      P.Observed = decodeObservation(In);
      P.Size = moduleSize(P.Observed);
      ++P.Version;
    }
    if (!P.Synced) {
      Traffic.Moves += 1;
      if (*Requests[I] != kStartEpisode)
        Traffic.ReplayedSteps += static_cast<int64_t>(P.EpisodeActions.size());
    }
    P.Synced = true;
    Traffic.RequestsByRank[Rank] += 1;
    if (*Requests[I] == kStartEpisode) {
      P.EpisodesStarted += 1;
      P.EpisodeActions.clear();
      P.InEpisode = true;
      continue;
    }
    P.EpisodeActions.push_back(*Requests[I]);
    if (Steps[I].ended()) {
      P.InEpisode = false;
      P.EpisodeActions.clear();
    }
  }
  Seconds = In.f64();
  return llvm::joinErrors(
      std::move(Failed),
      In.finish("the answer of MPI rank " + std::to_string(Rank)));
}

llvm::Error RankEpisodes::mergeMeasurements() {
  if (!Measurement)
    return llvm::Error::success();
  MessageWriter Task;
  Task.u64(static_cast<uint64_t>(TaskKind::Measurements));
  std::map<std::tuple<std::string, std::string, std::string>,
           CachedMeasurement>
      Rows;
  llvm::Error Failed = llvm::Error::success();
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    if (!Alive[Rank])
      continue;
    auto Deadline = Clock::now() + AnswerWithin;
    if (llvm::Error E = sendTo(Rank, TaskTag, Task.data(), Deadline)) {
      lose(Rank, "cannot be asked for its measurements: " +
                     llvm::toString(std::move(E)));
      continue;
    }
    auto M = receiveFrom(Rank, ResultTag, Deadline);
    if (!M) {
      lose(Rank, "did not send its measurements: " +
                     llvm::toString(M.takeError()));
      continue;
    }
    MessageReader In(M->Text);
    if (!In.boolean()) {
      Failed = llvm::joinErrors(
          std::move(Failed),
          llvm::createStringError("MPI rank " + std::to_string(Rank) +
                                  " cannot read its measurements: " +
                                  In.bytes()));
      continue;
    }
    for (uint64_t I = 0, N = In.u64(); I < N && In.ok(); ++I) {
      CachedMeasurement Row = decodeRow(In);
      auto Key = std::make_tuple(Row.Key.ModuleHash, Row.Key.ConfigHash,
                                 Row.Key.Machine);
      Rows[Key] = std::move(Row);
    }
    Failed = llvm::joinErrors(
        std::move(Failed),
        In.finish("the measurements of MPI rank " + std::to_string(Rank)));
  }
  std::vector<CachedMeasurement> All;
  std::set<std::string> Machines;
  for (auto &[Key, Row] : Rows) {
    Machines.insert(Row.Key.Machine);
    All.push_back(std::move(Row));
  }
  Failed = llvm::joinErrors(std::move(Failed),
                            Measurement->storeMeasuredElsewhere(All));
  Traffic.MergedMeasurements = All.size();
  Traffic.MeasuringMachines = Machines.size();
  return Failed;
}

llvm::Error serveEpisodes(MpiJob &Job) {
  return EpisodeServer(Job.rank(), Job.size()).serve(Job);
}

} // namespace passgym::learning
