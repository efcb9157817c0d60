//===- distributed/Mpi.cpp - Candidates out, results back, over MPI -------===//
//
// Every message is a JSON text whose tag says what it is, sent and polled
// for through distributed/Messages.h.
//
//===----------------------------------------------------------------------===//
#include "distributed/Distributed.h"
#include "distributed/Messages.h"

#include "llvm/Support/raw_ostream.h"

#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <thread>

namespace passgym {
namespace {

using Clock = RankClock;

/// A rank that has not answered a candidate within the longer of this and
/// kLateFactor times the slowest candidate so far is lost: its candidate
/// goes to another rank.
constexpr std::chrono::seconds kLateAfter(10);
constexpr double kLateFactor = 10;
/// Making an evaluator loads (and for a source file compiles) the
/// benchmark, and for run time measures the unoptimized program.
constexpr std::chrono::minutes kReadyWithin(10);

double secondsBetween(Clock::time_point From, Clock::time_point To) {
  return std::chrono::duration<double>(To - From).count();
}

std::optional<nlohmann::json> parseJson(const std::string &Text) {
  auto J = nlohmann::json::parse(Text, nullptr, /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object())
    return std::nullopt;
  return J;
}

std::string resultText(uint64_t Task, const Evaluation &E, double Seconds) {
  nlohmann::json J = {{"task", Task}, {"seconds", Seconds}};
  if (E.Cost)
    J["cost"] = *E.Cost;
  else
    J["error"] = E.Error;
  return J.dump();
}

/// Ranks > 0: the evaluator for the job in \p Text, or why there is none.
llvm::Expected<std::unique_ptr<CandidateEvaluator>>
makeEvaluator(const std::string &Text) {
  auto Job = decodeJob(Text);
  if (!Job)
    return Job.takeError();
  auto B = loadBenchmark(Job->Benchmark);
  if (!B)
    return B.takeError();
  EnvironmentOptions Env;
  Env.Actions =
      std::make_shared<ActionSpace>(Job->ActionsName, std::move(Job->Actions));
  Env.Isolation = Job->Isolation;
  // As optimize does: every run time compared is measured in this run.
  Env.Measurement =
      std::make_shared<MeasurementContext>(Job->Measurement, /*CachePath=*/"");
  return CandidateEvaluator::create(*B, std::move(Env), Job->Cost);
}

} // namespace

/// Rank 0's side: who evaluates what, and how it went.
struct MpiJob::Coordination {
  struct Task {
    uint64_t Id;
    /// Which batch and which of its candidates.
    uint64_t Batch;
    size_t Index;
    Clock::time_point Sent;
  };

  unsigned Size = 0;
  DistributedSummary Summary;
  /// By rank: the candidate it is evaluating (it may be of an earlier batch
  /// if the rank was late).
  std::vector<std::optional<Task>> Busy;
  uint64_t NextTask = 0, NextBatch = 0;
  double SlowestSeconds = 0;
  /// Rank 0 evaluates itself only when every other rank is lost.
  BenchmarkPtr Benchmark;
  EnvironmentOptions Env;
  CostFunction Cost = CostFunction::IrInstructionCount;
  std::unique_ptr<CandidateEvaluator> Local;

  llvm::Error start(BenchmarkPtr B, const EnvironmentOptions &Options,
                    CostFunction C);
  std::vector<Evaluation> evaluate(const std::vector<Candidate> &Batch);
  /// Tells every rank to stop; \p RankLost: without MPI_Finalize.
  void stopAll(bool RankLost);
  bool anyRankLost() const;

private:
  Clock::duration lateAfter() const {
    return std::max<Clock::duration>(
        kLateAfter, std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(kLateFactor *
                                                      SlowestSeconds)));
  }
  bool anyRankAnswers() const {
    return llvm::any_of(llvm::drop_begin(Summary.Ranks),
                        [](const RankShare &R) { return !R.Lost; });
  }
  Evaluation evaluateHere(const Candidate &C);
};

llvm::Error MpiJob::Coordination::start(BenchmarkPtr B,
                                        const EnvironmentOptions &Options,
                                        CostFunction C) {
  Benchmark = B;
  Env = Options;
  Cost = C;
  std::string Job = encodeJob(jobOf(*B, Options, C));
  auto Deadline = Clock::now() + kReadyWithin;
  for (unsigned To = 1; To < Size; ++To)
    if (llvm::Error E = sendTo(To, JobTag, Job, Deadline))
      return E;
  for (unsigned Answers = 1; Answers < Size; ++Answers) {
    auto M = receiveFrom(kAnyRank, ReadyTag, Deadline);
    if (!M)
      return llvm::createStringError(
          "not every MPI rank made its evaluator within " +
          std::to_string(kReadyWithin.count()) +
          " minutes: " + llvm::toString(M.takeError()));
    auto J = parseJson(M->Text);
    if (!J)
      return llvm::createStringError("rank " + std::to_string(M->From) +
                                     " answered the job with something that "
                                     "is not JSON");
    if (J->contains("error"))
      return llvm::createStringError(
          "rank " + std::to_string(M->From) + " cannot evaluate '" +
          B->uri() + "': " + J->value("error", std::string()));
    Summary.Ranks[M->From].Host = J->value("host", std::string("unknown"));
  }
  return llvm::Error::success();
}

Evaluation MpiJob::Coordination::evaluateHere(const Candidate &C) {
  if (!Local) {
    auto Made = CandidateEvaluator::create(Benchmark, Env, Cost);
    if (!Made) {
      // The batch evaluator has no way to fail: without a rank to evaluate
      // on, the run cannot go on.
      llvm::errs() << "passgym: error: every MPI rank stopped answering and "
                      "rank 0 cannot evaluate either: "
                   << llvm::toString(Made.takeError()) << "\n";
      std::exit(1);
    }
    Local = std::move(*Made);
  }
  auto Started = Clock::now();
  Evaluation E = Local->evaluate(C);
  Summary.Ranks[0].Candidates += 1;
  Summary.Ranks[0].Seconds += secondsBetween(Started, Clock::now());
  return E;
}

std::vector<Evaluation>
MpiJob::Coordination::evaluate(const std::vector<Candidate> &Batch) {
  uint64_t ThisBatch = NextBatch++;
  std::vector<Evaluation> Results(Batch.size());
  std::vector<bool> Filled(Batch.size(), false);
  size_t Done = 0;
  std::deque<size_t> Pending;
  for (size_t I = 0; I < Batch.size(); ++I)
    Pending.push_back(I);

  while (Done < Batch.size()) {
    // Hand out: every rank that answers and is idle gets the next candidate.
    for (unsigned To = 1; To < Size && !Pending.empty(); ++To) {
      if (Busy[To] || Summary.Ranks[To].Lost)
        continue;
      size_t Index = Pending.front();
      Task T{NextTask++, ThisBatch, Index, Clock::now()};
      std::string Text =
          nlohmann::json{{"task", T.Id}, {"pipeline", Batch[Index]}}.dump();
      if (llvm::Error E = sendTo(To, TaskTag, Text, T.Sent + lateAfter())) {
        // A stopped rank may not even take the task: it goes to the next
        // rank, as it would have, taken and not answered, once late.
        llvm::consumeError(std::move(E));
        Summary.Ranks[To].Lost = true;
        Summary.Reissued += 1;
        continue;
      }
      Pending.pop_front();
      Busy[To] = T;
      Summary.Tasks += 1;
      Summary.TaskBytes += Text.size();
    }
    if (!anyRankAnswers()) {
      for (size_t Index : Pending) {
        Results[Index] = evaluateHere(Batch[Index]);
        Filled[Index] = true;
        ++Done;
      }
      Pending.clear();
      continue;
    }

    auto M = receiveIfArrived(kAnyRank, ResultTag);
    if (!M) {
      // Which rank failed is unknown; the overdue check below finds it.
      llvm::consumeError(M.takeError());
    } else if (*M) {
      Clock::time_point Arrived = Clock::now();
      unsigned From = (*M)->From;
      std::optional<nlohmann::json> J = parseJson((*M)->Text);
      std::optional<Task> T = Busy[From];
      Busy[From].reset();
      Summary.Ranks[From].Lost = false;
      if (!J || !T || J->value("task", uint64_t(-1)) != T->Id)
        continue;
      double Seconds = J->value("seconds", 0.0);
      Summary.ResultBytes += (*M)->Text.size();
      Summary.Ranks[From].Candidates += 1;
      Summary.Ranks[From].Seconds += Seconds;
      Summary.CommunicationSeconds +=
          std::max(0.0, secondsBetween(T->Sent, Arrived) - Seconds);
      SlowestSeconds = std::max(SlowestSeconds, Seconds);
      // A late rank's result of an earlier batch, or of a candidate that
      // another rank has evaluated meanwhile, is not needed any more.
      if (T->Batch != ThisBatch || Filled[T->Index])
        continue;
      Evaluation &E = Results[T->Index];
      E.Pipeline = Batch[T->Index];
      E.Host = Summary.Ranks[From].Host;
      if (J->contains("cost"))
        E.Cost = J->value("cost", 0.0);
      else
        E.Error = J->value("error", std::string("no cost and no error"));
      Filled[T->Index] = true;
      ++Done;
      llvm::erase(Pending, T->Index);
      continue;
    }

    // A rank late with a candidate of this batch loses it to another rank;
    // should it answer after all, it is taken back.
    Clock::time_point Now = Clock::now();
    for (unsigned Rank = 1; Rank < Size; ++Rank) {
      std::optional<Task> &T = Busy[Rank];
      if (!T || Summary.Ranks[Rank].Lost || Now - T->Sent < lateAfter())
        continue;
      Summary.Ranks[Rank].Lost = true;
      if (T->Batch == ThisBatch && !Filled[T->Index]) {
        Pending.push_front(T->Index);
        Summary.Reissued += 1;
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return Results;
}

bool MpiJob::Coordination::anyRankLost() const {
  return llvm::any_of(Summary.Ranks,
                      [](const RankShare &R) { return R.Lost; });
}

void MpiJob::Coordination::stopAll(bool RankLost) {
  // A rank that is gone does not take the message; nobody waits for long.
  auto Deadline = Clock::now() + std::chrono::seconds(2);
  std::string Stop = nlohmann::json({{"rank_lost", RankLost}}).dump();
  for (unsigned To = 1; To < Size; ++To)
    llvm::consumeError(sendTo(To, StopTag, Stop, Deadline));
}

MpiJob::MpiJob(unsigned Rank, unsigned Size) : Rank(Rank), Size(Size) {}

bool mpiBuiltIn() { return true; }

llvm::Expected<std::unique_ptr<MpiJob>> MpiJob::join() {
  int Initialized = 0;
  MPI_Initialized(&Initialized);
  if (!Initialized) {
    // Only the thread that called join() uses MPI.
    int Provided = 0;
    if (int Code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED,
                                   &Provided))
      return mpiError("cannot initialize MPI", Code);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int Rank = 0, Size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
  MPI_Comm_size(MPI_COMM_WORLD, &Size);
  std::unique_ptr<MpiJob> Job(new MpiJob(Rank, Size));
  if (Rank == 0) {
    Job->Coordinator = std::make_unique<Coordination>();
    Job->Coordinator->Size = Size;
    Job->Coordinator->Busy.resize(Size);
    Job->Coordinator->Summary.Ranks.resize(Size);
    for (int R = 0; R < Size; ++R)
      Job->Coordinator->Summary.Ranks[R].Rank = R;
    Job->Coordinator->Summary.Ranks[0].Host = hostFingerprint();
  }
  return Job;
}

MpiJob::~MpiJob() {
  if (Coordinator) {
    RankLost = RankLost || Coordinator->anyRankLost();
    Coordinator->stopAll(RankLost);
  }
  // Open MPI 4.1's MPI_Finalize waits for every rank, a dead one included,
  // forever: after a lost rank the job ends without it (mpirun says so).
  if (RankLost) {
    std::fflush(nullptr);
    std::_Exit(0);
  }
  MPI_Finalize();
}

void MpiJob::abort(int ExitCode) {
  std::fflush(nullptr);
  MPI_Abort(MPI_COMM_WORLD, ExitCode);
  std::_Exit(ExitCode);
}

EvaluatorFactory MpiJob::evaluators() {
  Coordination *C = Coordinator.get();
  return [C](BenchmarkPtr B, const EnvironmentOptions &Env,
             CostFunction Cost) -> llvm::Expected<BatchEvaluator> {
    if (!C)
      return llvm::createStringError("only MPI rank 0 coordinates");
    if (llvm::Error E = C->start(B, Env, Cost))
      return std::move(E);
    return BatchEvaluator([C](const std::vector<Candidate> &Batch) {
      return C->evaluate(Batch);
    });
  };
}

DistributedSummary MpiJob::summary() const {
  return Coordinator ? Coordinator->Summary : DistributedSummary();
}

llvm::Error MpiJob::serve() {
  std::unique_ptr<CandidateEvaluator> Evaluator;
  return serveWith(
      [&](const RankMessage &M) -> llvm::Expected<std::string> {
        if (M.Tag == JobTag) {
          auto Made = makeEvaluator(M.Text);
          nlohmann::json Ready = {{"host", hostFingerprint()}};
          if (Made)
            Evaluator = std::move(*Made);
          else
            Ready["error"] = llvm::toString(Made.takeError());
          return Ready.dump();
        }
        std::optional<nlohmann::json> J = parseJson(M.Text);
        if (!J || !Evaluator)
          return llvm::createStringError("rank 0 sent a candidate that "
                                         "cannot be evaluated here");
        auto Started = Clock::now();
        Evaluation E = Evaluator->evaluate(J->value("pipeline", Candidate()));
        return resultText(J->value("task", uint64_t(0)), E,
                          secondsBetween(Started, Clock::now()));
      });
}

} // namespace passgym
