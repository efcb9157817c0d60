//===- env/Environment.h - The phase-ordering environment -----------------===//
//
// An episode starts from a benchmark's unoptimized module; each step applies
// one action (an `opt -passes=` text) and returns an observation, a reward,
// whether the episode is over, and what happened.
//
// Thread safety: every environment owns its LLVMContext, so different
// environments (forks included) may be used from different threads at once.
// One environment must not be used from two threads at the same time.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ENV_ENVIRONMENT_H
#define PASSGYM_ENV_ENVIRONMENT_H

#include "actions/ActionSpace.h"
#include "datasets/Benchmark.h"
#include "observations/Observation.h"
#include "rewards/Reward.h"
#include "runtime/MeasurementContext.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

/// Where an environment's steps run.
enum class Isolation {
  /// In the calling process: the fastest. A crash inside LLVM is recovered,
  /// but memory corruption or a pass that never returns takes the caller
  /// with it.
  InProcess,
  /// In a worker process of the environment's own (forks are forks of it):
  /// a crash, memory corruption or a step past its timeout kills the worker,
  /// not the caller; the step ends the episode with the reason, and the next
  /// reset() starts a new worker.
  Worker,
};

llvm::StringRef isolationName(Isolation I);
/// "in-process" or "worker".
std::optional<Isolation> parseIsolation(llvm::StringRef Name);

struct EnvironmentOptions {
  /// Null means ActionSpace::builtin().
  std::shared_ptr<const ActionSpace> Actions;
  /// Observation returned by reset() and step(); empty for none.
  std::string ObservationSpace;
  std::string RewardSpace = "IrInstructionCount";
  /// How run times are measured and where they are kept; null means a
  /// context of the environment's own with default options (shared by its
  /// forks).
  std::shared_ptr<MeasurementContext> Measurement;
  passgym::Isolation Isolation = Isolation::InProcess;
  /// Worker isolation: a reset, step, observation or fork that takes longer
  /// (a multistep: this times its number of steps) kills the worker. None:
  /// stepTimeoutFor() the benchmark.
  std::optional<std::chrono::milliseconds> StepTimeout;
};

/// The default step timeout for \p B: 10 s plus 1 s per 10,000 instructions,
/// plus, for a run-time \p Reward, the longest the measurement may take.
std::chrono::milliseconds stepTimeoutFor(const Benchmark &B,
                                         const RewardSpace &Reward,
                                         const MeasurementOptions &Measure);

struct StepInfo {
  /// Whether the pass reported a change to the module (conservatively: a
  /// pass may claim a change it did not make, never the reverse).
  bool Changed = false;
  /// Why the episode ended, when it ended on a failure; empty otherwise.
  std::string Error;
  /// Wall time inside LLVM's pass manager, and verifying what it changed;
  /// the rest of the step (parsing the pipeline, the reward, the
  /// observation) is the environment's own.
  std::chrono::nanoseconds PassTime{0};
  std::chrono::nanoseconds VerifyTime{0};
};

struct StepResult {
  std::optional<passgym::Observation> Observation;
  double Reward = 0;
  bool Done = false;
  StepInfo Info;
};

/// The environment. create() returns the implementation that
/// EnvironmentOptions::Isolation asks for; both behave the same.
class Environment {
public:
  /// Fails on an unknown observation or reward space.
  static llvm::Expected<std::unique_ptr<Environment>>
  create(EnvironmentOptions Options = {});
  virtual ~Environment();

  /// Starts an episode on \p B; returns the initial observation (if an
  /// observation space is set).
  llvm::Expected<std::optional<Observation>> reset(BenchmarkPtr B);

  /// Applies action \p Action. Bad calls (no episode, episode over, action out
  /// of range) are errors and change nothing. A pass that crashes LLVM or
  /// produces invalid IR (or, with worker isolation, kills the worker or runs
  /// past the timeout) ends the episode: Done is set and Info.Error names the
  /// pass and the benchmark; reset() starts afresh.
  llvm::Expected<StepResult> step(size_t Action);

  /// Applies \p Pipeline, an `opt -passes=` text that need not be an action
  /// of the space (a piece of a standard pipeline, an edited one), exactly as
  /// step() applies an action. It is part of pipeline() and commandline(),
  /// not of actionHistory().
  llvm::Expected<StepResult> stepPipeline(llvm::StringRef Pipeline);

  /// Applies \p Actions in order as one step, the way CompilerGym's
  /// multistep does: one reward (the sum of what step() by step() would have
  /// given) and one observation, for the state after the last. They run as
  /// one pass pipeline, as commandline() runs them, and what they changed
  /// is verified once, after the last: on a large module verification is a
  /// fifth of a step. A later action therefore runs on IR that nobody has
  /// verified yet. When the batch crashes or ends with invalid IR, the
  /// episode is replayed from the benchmark with every action verified at
  /// once, so the result is the one step() by step() would have ended with:
  /// the history ends with the action that failed, and Info.Error names it.
  /// As with opt, which also verifies at the end, what one action breaks and
  /// a later one removes (a broken dead function deleted) goes unseen: the
  /// batch then succeeds where step() by step() would have ended early.
  /// Bad calls change nothing, as for step().
  llvm::Expected<StepResult> multistep(llvm::ArrayRef<size_t> Actions);

  /// multistep() for `opt -passes=` texts, as stepPipeline() applies one.
  llvm::Expected<StepResult>
  multistepPipelines(llvm::ArrayRef<std::string> Pipelines);

  /// Computes any observation space of the current state.
  llvm::Expected<Observation> observe(llvm::StringRef Space) const;

  /// An independent copy of the current state (its own LLVMContext; with
  /// worker isolation, its own worker).
  llvm::Expected<std::unique_ptr<Environment>> fork() const;

  /// Keeps a copy of the current state under \p Key, replacing what was kept
  /// under it, in the process that holds the module (the worker, with worker
  /// isolation): unlike fork(), no process is created. A search that returns
  /// to earlier states (prefixes of its candidates) keeps them this way.
  llvm::Error keep(uint64_t Key);
  /// Returns to the state kept under \p Key, which stays kept. Fails if
  /// nothing is kept under it, or the worker that kept it is gone.
  llvm::Error restore(uint64_t Key);
  /// Forgets the state kept under \p Key, if any.
  void forget(uint64_t Key);

  /// The current module (with worker isolation, a copy fetched from the
  /// worker and kept until the next step).
  llvm::Expected<const llvm::Module &> module() const;

  const ActionSpace &actions() const { return *Options.Actions; }
  /// How this environment measures run times.
  MeasurementContext &measurement() const { return *Options.Measurement; }
  const EnvironmentOptions &options() const { return Options; }
  /// The actions step() applied this episode, the one that ended it
  /// included.
  const std::vector<size_t> &actionHistory() const { return History; }
  /// Whether there is a module to observe: after reset(), until a step fails.
  bool inEpisode() const { return HasModule; }
  bool done() const { return Done; }
  const Benchmark &benchmark() const { return *Bench; }
  const RewardTracker &reward() const { return *Tracker; }
  double episodeReward() const { return EpisodeReward; }

  /// What every step of the episode applied, as one `opt -passes=` text.
  std::string pipeline() const;
  /// An `opt-19` command that turns the benchmark's unoptimized module into
  /// exactly the current one.
  std::string commandline(llvm::StringRef Input = "input.bc",
                          llvm::StringRef Output = "output.bc") const;

protected:
  Environment(EnvironmentOptions Options, const RewardSpace &Reward,
              const ObservationSpace *Observed);

  /// What an implementation does; the public methods check the calls and
  /// keep the history. startEpisode sets Tracker.
  virtual llvm::Expected<std::optional<Observation>>
  startEpisode(const BenchmarkPtr &B) = 0;
  /// The step's outcome (its reward, and Done for a failure) or, for a
  /// pipeline that does not parse, an error. Sets Tracker, and
  /// HasModule = false when the module was lost.
  virtual llvm::Expected<StepResult>
  applyPipeline(const std::string &Pipeline) = 0;
  virtual llvm::Expected<Observation>
  computeObservation(const ObservationSpace &Space) const = 0;
  /// A copy of this environment with the implementation's own state copied;
  /// fork() copies the rest.
  virtual llvm::Expected<std::unique_ptr<Environment>> copy() const = 0;
  virtual llvm::Expected<const llvm::Module &> currentModule() const = 0;
  /// keep(), restore() and forget() for the implementation's own state (the
  /// module); the environment keeps the rest.
  virtual llvm::Error keepModule(uint64_t Key) = 0;
  virtual llvm::Error restoreModule(uint64_t Key) = 0;
  virtual void forgetModule(uint64_t Key) = 0;

  /// The outcome of a step that ends the episode on \p Error.
  StepResult failedStep(std::string Error) const;

  EnvironmentOptions Options;
  /// How many steps the pipeline being applied stands for: a worker's
  /// timeout grows with it.
  size_t StepsInFlight = 1;
  const RewardSpace *Reward;
  const ObservationSpace *Observed;
  BenchmarkPtr Bench;
  std::optional<RewardTracker> Tracker;
  bool HasModule = false;

private:
  /// The episode besides the module: what fork() copies and keep() holds.
  struct EpisodeState {
    BenchmarkPtr Bench;
    std::optional<RewardTracker> Tracker;
    std::vector<size_t> History;
    std::vector<std::string> Applied;
    double EpisodeReward = 0;
    bool Done = false;
  };
  EpisodeState episodeState() const;
  void setEpisodeState(const EpisodeState &S);
  std::map<uint64_t, EpisodeState> Kept;

  std::vector<size_t> History;
  /// The pipeline of every step, actions and stepPipeline() alike.
  std::vector<std::string> Applied;

  llvm::Error checkCanStep() const;
  llvm::Error checkAction(size_t Action) const;
  /// \p Pipelines as one pipeline: one pass manager, one verification.
  llvm::Expected<StepResult> applyAsOne(llvm::ArrayRef<std::string> Pipelines);
  /// multistep()'s work; sets Taken to how many of \p Pipelines the episode
  /// now holds (all, or up to the one that failed).
  llvm::Expected<StepResult> applySteps(llvm::ArrayRef<std::string> Pipelines,
                                        size_t &Taken);
  /// After \p Failed, a batch that failed somewhere: the episode again from
  /// the benchmark, the batch one verified step at a time.
  StepResult replayStepwise(llvm::ArrayRef<std::string> Pipelines,
                            StepResult Failed, size_t &Taken);
  double EpisodeReward = 0;
  bool Done = false;
};

/// \p E, saying which space of which benchmark failed: a run-time error
/// alone ("stdout differs ...") does not say where it came from.
llvm::Error inSpace(llvm::StringRef Kind, llvm::StringRef Space,
                    const Benchmark &B, llvm::Error E);

} // namespace passgym

#endif
