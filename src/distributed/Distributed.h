//===- distributed/Distributed.h - optimize's candidates over MPI ranks ---===//
//
// `mpirun -np N passgym optimize ...`: rank 0 runs optimize as usual, and its
// search's evaluator hands the candidates of each batch out to ranks
// 1..N-1, one at a time, the next one to whichever rank returns a result,
// so fast ranks evaluate more. A rank > 0 serves: it receives the job
// (benchmark URI, cost, actions, isolation, measurement options), makes its
// own CandidateEvaluator and evaluates candidates until rank 0 says stop.
// Messages are JSON texts, one per candidate out and one per result back
// (docs/mpi.md has their sizes).
//
// A rank that does not answer a candidate within its time (10 s, or 10
// times the slowest candidate so far, whichever is longer) is lost: its
// candidate goes to another rank. That happens only where the MPI
// implementation lets the job go on after a process died (Open MPI 4.1:
// `mpirun --enable-recovery`); by default Open MPI ends the whole job, rank
// 0 included, when one rank dies (docs/mpi.md).
//
// `mpirun -np N passgym train ...` uses the same MpiJob and the messages of
// distributed/Messages.h; its protocol (environments on ranks 1..N-1) is
// learning/training/DistributedEpisodes.h's.
//
// MPI's headers stay in this folder's sources. Built without MPI
// (PASSGYM_MPI off), launchedByMpi() still answers and MpiJob::join() fails
// with a one-line error.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DISTRIBUTED_DISTRIBUTED_H
#define PASSGYM_DISTRIBUTED_DISTRIBUTED_H

#include "distributed/Messages.h"
#include "optimize/Optimize.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace passgym {

/// Whether this passgym was built with MPI.
bool mpiBuiltIn();

/// Whether mpirun or srun started this process as one of several ranks
/// (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE / PMIX_SIZE above 1).
bool launchedByMpi();

/// "HOSTNAME (CPU MODEL)": where a rank measures.
std::string hostFingerprint();

/// What a rank needs to evaluate candidates as rank 0 would.
struct DistributedJob {
  /// As loadBenchmark() reads it; a file must be at the same path on every
  /// host.
  std::string Benchmark;
  CostFunction Cost = CostFunction::IrInstructionCount;
  /// The action space, sent whole: a user's file need not exist elsewhere.
  std::string ActionsName;
  std::vector<Action> Actions;
  passgym::Isolation Isolation = Isolation::Worker;
  MeasurementOptions Measurement;
};

/// The job optimize evaluates with (its benchmark, environment options and
/// cost).
DistributedJob jobOf(const Benchmark &B, const EnvironmentOptions &Env,
                     CostFunction Cost);
std::string encodeJob(const DistributedJob &Job);
llvm::Expected<DistributedJob> decodeJob(llvm::StringRef Text);

/// This process's part of an MPI job: MPI is initialized by join() and
/// finalized when the MpiJob is destroyed. Rank 0 tells every other rank to
/// stop then, whatever happened before, so that none waits forever.
class MpiJob {
public:
  /// Initializes MPI (with MPI_ERRORS_RETURN, so that a failed message is an
  /// error, not the end of the process).
  static llvm::Expected<std::unique_ptr<MpiJob>> join();
  ~MpiJob();
  MpiJob(const MpiJob &) = delete;
  MpiJob &operator=(const MpiJob &) = delete;

  unsigned rank() const { return Rank; }
  unsigned size() const { return Size; }

  /// Rank 0: for OptimizeOptions::Evaluators. Sends the job to every other
  /// rank, waits until each has made its evaluator (or fails with the first
  /// rank's reason), and returns an evaluator that shares each batch out
  /// among them; the results are in the batch's order. It must not outlive
  /// this MpiJob.
  EvaluatorFactory evaluators();

  /// Rank 0: how the candidates went, rank by rank, so far.
  DistributedSummary summary() const;

  /// Ranks > 0: receives jobs and evaluates their candidates until rank 0
  /// says stop.
  llvm::Error serve();

  /// Ranks > 0: answers rank 0's messages with \p Answer (as
  /// answerUntilStopped() of distributed/Messages.h) until rank 0 says stop,
  /// and learns from the stop whether a rank was lost. serve() is this with
  /// optimize's answers; train has its own.
  llvm::Error serveWith(
      llvm::function_ref<llvm::Expected<std::string>(const RankMessage &)>
          Answer);

  /// Rank 0: a rank was lost outside evaluators() (training's environments
  /// went on elsewhere), so the job ends as after a lost candidate rank.
  void noteLostRank() { RankLost = true; }

  /// Ends every rank of the job now (MPI_Abort), and mpirun with a non-zero
  /// exit: for a rank 0 that lost a rank it cannot do without, since
  /// MPI_Finalize would wait for the lost rank for ever.
  [[noreturn]] void abort(int ExitCode);

private:
  struct Coordination;
  MpiJob(unsigned Rank, unsigned Size);

  unsigned Rank, Size;
  std::unique_ptr<Coordination> Coordinator;
  /// Whether a rank was lost during the job: MPI cannot be finalized then.
  bool RankLost = false;
};

} // namespace passgym

#endif
