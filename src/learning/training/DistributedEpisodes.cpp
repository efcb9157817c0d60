//===- learning/training/DistributedEpisodes.cpp - Environments on ranks --===//
//
// The messages, all MessageWriter bytes (support/Channel.h):
//   job (JobTag): the environment options as a worker::Configuration, the
//     isolation and step timeout, the schedule, the state kind, and every
//     benchmark (worker::encode: URI, bitcode, run spec);
//   ready (ReadyTag): ok, or false and why;
//   task (TaskTag): one request per environment of the rank, in index
//     order: an action, or kStartEpisode;
//   answer (ResultTag): per environment, ok and the EpisodeStep and whether
//     a new observation follows (and then it), or false and the error; then
//     the seconds the rank spent.
//
//===----------------------------------------------------------------------===//
#include "learning/training/DistributedEpisodes.h"

#include "actions/ActionSpace.h"
#include "distributed/Distributed.h"
#include "distributed/Messages.h"
#include "env/WorkerProtocol.h"
#include "runtime/MeasurementContext.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace passgym::learning {
namespace {

using Clock = RankClock;

/// A request that starts an episode if the environment has none, instead of
/// a step.
constexpr int64_t kStartEpisode = -1;
/// A rank decodes every benchmark before it answers the job.
constexpr std::chrono::minutes kReadyWithin(10);

double secondsSince(Clock::time_point Start) {
  return std::chrono::duration<double>(Clock::now() - Start).count();
}

/// The environments of rank \p Rank among \p Ranks: every I with
/// 1 + I % (Ranks - 1) == Rank.
std::vector<size_t> environmentsOf(unsigned Rank, unsigned Ranks,
                                   size_t Environments) {
  std::vector<size_t> Mine;
  for (size_t I = Rank - 1; I < Environments; I += Ranks - 1)
    Mine.push_back(I);
  return Mine;
}

const ActionSpace &actionsOf(const EnvironmentOptions &Env) {
  return Env.Actions ? *Env.Actions : ActionSpace::builtin();
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
  C.ActionSpaceName = actionsOf(Env).name();
  C.Actions = actionsOf(Env).actions();
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

/// The outcome of kStartEpisode: no step.
llvm::Expected<EpisodeStep> started(EpisodeRunner &Runner) {
  if (llvm::Error E = Runner.ensureEpisode())
    return E;
  return EpisodeStep();
}

/// A rank > 0: its runners and what it last sent of each.
class EpisodeServer {
public:
  EpisodeServer(unsigned Rank, unsigned Ranks) : Rank(Rank), Ranks(Ranks) {}
  llvm::Error serve();

private:
  /// The ready message for \p JobText.
  std::string makeRunners(llvm::StringRef JobText);
  /// The answer to the requests in \p TaskText.
  llvm::Expected<std::string> answer(llvm::StringRef TaskText);

  unsigned Rank, Ranks;
  std::vector<std::unique_ptr<EpisodeRunner>> Runners;
  std::vector<uint64_t> SentVersions;
};

std::string EpisodeServer::makeRunners(llvm::StringRef JobText) {
  MessageWriter Ready;
  auto Job = decodeJob(JobText);
  if (!Job)
    return Ready.boolean(false).bytes(llvm::toString(Job.takeError())).data();
  Runners.clear();
  for (size_t I : environmentsOf(Rank, Ranks, Job->Schedule.Environments)) {
    auto Runner = EpisodeRunner::create(Job->Benchmarks, Job->Env,
                                        Job->Schedule, Job->State, I);
    if (!Runner)
      return Ready.boolean(false)
          .bytes(llvm::toString(Runner.takeError()))
          .data();
    Runners.push_back(std::move(*Runner));
  }
  SentVersions.assign(Runners.size(), 0);
  return Ready.boolean(true).data();
}

llvm::Expected<std::string> EpisodeServer::answer(llvm::StringRef TaskText) {
  auto Started = Clock::now();
  MessageReader In(TaskText);
  std::vector<int64_t> Requests;
  for (size_t J = 0; J < Runners.size(); ++J)
    Requests.push_back(In.i64());
  if (llvm::Error E = In.finish("rank 0's requests"))
    return E;
  MessageWriter Out;
  for (size_t J = 0; J < Runners.size(); ++J) {
    EpisodeRunner &Runner = *Runners[J];
    llvm::Expected<EpisodeStep> S = Requests[J] == kStartEpisode
                                        ? started(Runner)
                                        : Runner.step(Requests[J]);
    if (!S) {
      Out.boolean(false).bytes(llvm::toString(S.takeError()));
      continue;
    }
    Out.boolean(true);
    encodeStep(Out, *S);
    bool Fresh = Runner.observationVersion() != SentVersions[J];
    Out.boolean(Fresh);
    if (Fresh) {
      encodeObservation(Out, Runner.observation());
      SentVersions[J] = Runner.observationVersion();
    }
  }
  Out.f64(secondsSince(Started));
  return Out.data();
}

llvm::Error EpisodeServer::serve() {
  auto Stopped = answerUntilStopped(
      [this](const RankMessage &M) -> llvm::Expected<std::string> {
        if (M.Tag == JobTag)
          return makeRunners(M.Text);
        return answer(M.Text);
      });
  if (!Stopped)
    return Stopped.takeError();
  return llvm::Error::success();
}

std::string listed(const std::vector<size_t> &Indices) {
  std::string Text;
  for (size_t I : Indices)
    Text += (Text.empty() ? "" : ", ") + std::to_string(I);
  return Text;
}

} // namespace

llvm::Error RankEpisodes::open(const std::vector<BenchmarkPtr> &Benchmarks,
                               const EnvironmentOptions &Env,
                               const RunSchedule &Schedule, StateKind State) {
  if (Ranks < 2)
    return llvm::createStringError(
        "training over MPI needs ranks to step the environments: start "
        "passgym with mpirun -np N (N >= 2) or srun");
  size_t N = static_cast<size_t>(Schedule.Environments);
  Observations.assign(N, Observation());
  Versions.assign(N, 0);
  InEpisode.assign(N, false);
  Actions = static_cast<int64_t>(actionsOf(Env).size());
  std::string Job = encodeJob(Benchmarks, Env, Schedule, State);
  Traffic.JobBytes = Job.size();
  auto Deadline = Clock::now() + kReadyWithin;
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    if (llvm::Error E = sendTo(Rank, JobTag, Job, Deadline)) {
      Lost = Rank;
      return E;
    }
  }
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    auto M = receiveFrom(Rank, ReadyTag, Deadline);
    if (!M) {
      Lost = Rank;
      return llvm::createStringError(
          "MPI rank " + std::to_string(Rank) + " did not make its "
          "environments within " + std::to_string(kReadyWithin.count()) +
          " minutes: " + llvm::toString(M.takeError()));
    }
    MessageReader In(M->Text);
    if (!In.boolean())
      return llvm::createStringError("MPI rank " + std::to_string(Rank) +
                                     " cannot make its environments: " +
                                     In.bytes());
  }
  return llvm::Error::success();
}

llvm::Error RankEpisodes::ensureEpisodes() {
  std::vector<bool> To(Ranks, false);
  for (size_t I = 0; I < InEpisode.size(); ++I)
    if (!InEpisode[I])
      To[1 + I % (Ranks - 1)] = true;
  if (llvm::none_of(To, [](bool B) { return B; }))
    return llvm::Error::success();
  auto Started =
      exchange(std::vector<int64_t>(InEpisode.size(), kStartEpisode), To);
  if (!Started)
    return Started.takeError();
  InEpisode.assign(InEpisode.size(), true);
  return llvm::Error::success();
}

llvm::Expected<std::vector<EpisodeStep>>
RankEpisodes::step(const std::vector<int64_t> &Actions) {
  std::vector<bool> To(Ranks, false);
  for (size_t I = 0; I < Actions.size(); ++I)
    To[1 + I % (Ranks - 1)] = true;
  auto Steps = exchange(Actions, To);
  if (!Steps)
    return Steps.takeError();
  for (size_t I = 0; I < Steps->size(); ++I)
    InEpisode[I] = !(*Steps)[I].ended();
  Traffic.Steps += static_cast<int64_t>(Actions.size());
  return Steps;
}

llvm::Expected<std::vector<EpisodeStep>>
RankEpisodes::exchange(const std::vector<int64_t> &Requests,
                       const std::vector<bool> &To) {
  auto Started = Clock::now();
  auto Within = std::max<Clock::duration>(
      kAnswerWithin, std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(10 * SlowestSeconds)));
  auto Deadline = Started + Within;
  auto Lose = [&](unsigned Rank, llvm::Error Why) {
    Lost = Rank;
    return llvm::createStringError(
        "MPI rank " + std::to_string(Rank) + " (environments " +
        listed(environmentsOf(Rank, Ranks, Requests.size())) +
        ") did not answer within " +
        std::to_string(
            std::chrono::duration_cast<std::chrono::seconds>(Within).count()) +
        " s: it died or hangs (" + llvm::toString(std::move(Why)) + ")");
  };
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    if (!To[Rank])
      continue;
    MessageWriter Task;
    for (size_t I : environmentsOf(Rank, Ranks, Requests.size()))
      Task.i64(Requests[I]);
    if (llvm::Error E = sendTo(Rank, TaskTag, Task.data(), Deadline))
      return Lose(Rank, std::move(E));
    Traffic.BytesOut += Task.data().size();
  }
  std::vector<EpisodeStep> Steps(Requests.size());
  llvm::Error Failed = llvm::Error::success();
  double Slowest = 0;
  for (unsigned Rank = 1; Rank < Ranks; ++Rank) {
    if (!To[Rank])
      continue;
    auto M = receiveFrom(Rank, ResultTag, Deadline);
    if (!M) {
      llvm::consumeError(std::move(Failed));
      return Lose(Rank, M.takeError());
    }
    Traffic.BytesBack += M->Text.size();
    double Seconds = 0;
    Failed = llvm::joinErrors(std::move(Failed),
                              readAnswer(Rank, M->Text, Steps, Seconds));
    Slowest = std::max(Slowest, Seconds);
  }
  SlowestSeconds = std::max(SlowestSeconds, Slowest);
  Traffic.Exchanges += 1;
  Traffic.CommunicationSeconds += std::max(0.0, secondsSince(Started) - Slowest);
  if (Failed)
    return Failed;
  return Steps;
}

llvm::Error RankEpisodes::readAnswer(unsigned Rank, llvm::StringRef Text,
                                     std::vector<EpisodeStep> &Steps,
                                     double &Seconds) {
  MessageReader In(Text);
  llvm::Error Failed = llvm::Error::success();
  for (size_t I : environmentsOf(Rank, Ranks, Steps.size())) {
    if (!In.boolean()) {
      Failed = llvm::joinErrors(
          std::move(Failed),
          llvm::createStringError("environment " + std::to_string(I) +
                                  " on MPI rank " + std::to_string(Rank) +
                                  ": " + In.bytes()));
      continue;
    }
    Steps[I] = decodeStep(In);
    if (In.boolean()) {
      Observations[I] = decodeObservation(In);
      ++Versions[I];
    }
  }
  Seconds = In.f64();
  return llvm::joinErrors(
      std::move(Failed),
      In.finish("the answer of MPI rank " + std::to_string(Rank)));
}

llvm::Error serveEpisodes(const MpiJob &Job) {
  return EpisodeServer(Job.rank(), Job.size()).serve();
}

} // namespace passgym::learning
