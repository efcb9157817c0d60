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

#include "llvm/Support/Error.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace passgym {

class PassRunner;

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
};

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

class Environment {
public:
  /// Fails on an unknown observation or reward space.
  static llvm::Expected<std::unique_ptr<Environment>>
  create(EnvironmentOptions Options = {});
  ~Environment();

  /// Starts an episode on \p B; returns the initial observation (if an
  /// observation space is set).
  llvm::Expected<std::optional<Observation>> reset(BenchmarkPtr B);

  /// Applies action \p Action. Bad calls (no episode, episode over, action out
  /// of range) are errors and change nothing. A pass that crashes LLVM or
  /// produces invalid IR ends the episode: Done is set and Info.Error names
  /// the pass and the benchmark; reset() starts afresh.
  llvm::Expected<StepResult> step(size_t Action);

  /// Computes any observation space of the current state.
  llvm::Expected<Observation> observe(llvm::StringRef Space) const;

  /// An independent copy of the current state (its own LLVMContext).
  llvm::Expected<std::unique_ptr<Environment>> fork() const;

  const ActionSpace &actions() const { return *Options.Actions; }
  /// How this environment measures run times.
  MeasurementContext &measurement() const { return *Options.Measurement; }
  const EnvironmentOptions &options() const { return Options; }
  /// The actions applied this episode, the one that ended it included.
  const std::vector<size_t> &actionHistory() const { return History; }
  /// Whether there is a module to observe: after reset(), until a step fails.
  bool inEpisode() const { return Module != nullptr; }
  bool done() const { return Done; }
  const Benchmark &benchmark() const { return *Bench; }
  const llvm::Module &module() const { return *Module; }
  const RewardTracker &reward() const { return *Tracker; }
  double episodeReward() const { return EpisodeReward; }

  /// The applied actions as one `opt -passes=` text.
  std::string pipeline() const;
  /// An `opt-19` command that turns the benchmark's unoptimized module into
  /// exactly the current one.
  std::string commandline(llvm::StringRef Input = "input.bc",
                          llvm::StringRef Output = "output.bc") const;

private:
  Environment(EnvironmentOptions Options, const RewardSpace &Reward,
              const ObservationSpace *Observed);
  llvm::Expected<std::optional<Observation>> observeConfigured() const;
  StepResult endEpisode(std::string Error);
  llvm::Expected<StepResult> passFailed(size_t Action, llvm::Error E);

  EnvironmentOptions Options;
  const RewardSpace *Reward;
  const ObservationSpace *Observed;

  BenchmarkPtr Bench;
  std::unique_ptr<llvm::LLVMContext> Context;
  std::unique_ptr<llvm::Module> Module;
  /// Applies the actions to Module, keeping LLVM's analyses between steps;
  /// declared after Module so that it is destroyed first.
  std::unique_ptr<PassRunner> Runner;
  std::optional<RewardTracker> Tracker;
  std::vector<size_t> History;
  double EpisodeReward = 0;
  bool Done = false;
};

} // namespace passgym

#endif
