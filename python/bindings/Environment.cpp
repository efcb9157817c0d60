//===- python/bindings/Environment.cpp - The environment for Python -------===//
//
// Every call that runs LLVM, a reward or a program releases the GIL first, so
// environments stepped from different Python threads run in parallel. One
// environment is not thread-safe, so each holds a mutex that its calls take
// after releasing the GIL: two threads sharing one environment wait for each
// other instead of corrupting it. Nothing that holds the mutex needs the GIL,
// and values are converted to Python only after the mutex is released.
//
//===----------------------------------------------------------------------===//
#include "Bindings.h"

#include "costs/Measurement.h"
#include "env/Environment.h"
#include "rewards/Reward.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <pybind11/stl.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace passgym::python {
namespace {

using namespace pybind11::literals;

double seconds(std::chrono::nanoseconds Time) {
  return std::chrono::duration<double>(Time).count();
}

/// The kind of \p Env's observation space, if it has one.
std::optional<ObservationKind> observedKind(const Environment &Env) {
  const std::string &Name = Env.options().ObservationSpace;
  if (Name.empty())
    return std::nullopt;
  return unwrap(findObservationSpace(Name)).Kind;
}

class PyEnvironment {
public:
  static std::unique_ptr<PyEnvironment>
  create(std::shared_ptr<ActionSpace> Actions, const std::string &Observation,
         const std::string &Reward, const std::string &IsolationName,
         std::optional<double> StepTimeout) {
    EnvironmentOptions Options;
    Options.Actions = std::move(Actions);
    Options.ObservationSpace = Observation;
    Options.RewardSpace = Reward;
    std::optional<Isolation> Chosen = parseIsolation(IsolationName);
    if (!Chosen)
      throw Failure("unknown isolation '" + IsolationName +
                    "': expected in-process or worker");
    Options.Isolation = *Chosen;
    if (StepTimeout)
      Options.StepTimeout = std::chrono::milliseconds(
          static_cast<int64_t>(*StepTimeout * 1000));
    return std::make_unique<PyEnvironment>(
        unwrap(Environment::create(std::move(Options))));
  }

  explicit PyEnvironment(std::unique_ptr<Environment> Env)
      : Env(std::move(Env)), ObservedKind(observedKind(*this->Env)) {}

  py::object reset(const std::shared_ptr<Benchmark> &B) {
    std::optional<Observation> Initial;
    {
      py::gil_scoped_release Release;
      std::lock_guard<std::mutex> Lock(Mutex);
      Initial = unwrap(Env->reset(B));
      RewardsRead.clear();
    }
    return observed(std::move(Initial));
  }

  /// (observation, reward, done, info) of applying action \p Action.
  py::tuple step(int64_t Action) { return multistep({Action}); }

  /// step() for several actions at once (Environment::multistep).
  py::tuple multistep(const std::vector<int64_t> &Actions) {
    std::vector<size_t> Indices;
    for (int64_t Action : Actions) {
      // Negative indices would wrap around to huge ones; say what was asked.
      if (Action < 0)
        throw Failure("action " + std::to_string(Action) +
                      " is out of range: actions are numbered from 0");
      Indices.push_back(static_cast<size_t>(Action));
    }
    StepResult Result;
    {
      py::gil_scoped_release Release;
      std::lock_guard<std::mutex> Lock(Mutex);
      Result = unwrap(Env->multistep(Indices));
    }
    py::dict Info("changed"_a = Result.Info.Changed,
                  "error"_a = Result.Info.Error,
                  "pass_time"_a = seconds(Result.Info.PassTime),
                  "verify_time"_a = seconds(Result.Info.VerifyTime));
    return py::make_tuple(observed(std::move(Result.Observation)),
                          Result.Reward, Result.Done, std::move(Info));
  }

  py::object observe(const std::string &Space) {
    const ObservationSpace &Found = unwrap(findObservationSpace(Space));
    std::optional<Observation> Value;
    {
      py::gil_scoped_release Release;
      std::lock_guard<std::mutex> Lock(Mutex);
      Value = unwrap(Env->observe(Space));
    }
    return toPython(std::move(*Value), Found.Kind);
  }

  /// The reward under \p Space since the episode started or since the last
  /// call for \p Space, whichever is later: read after every step, it is each
  /// step's reward under that space, whatever the environment's own reward
  /// space is.
  double readReward(const std::string &Space) {
    const RewardSpace &Found = unwrap(findRewardSpace(Space));
    py::gil_scoped_release Release;
    std::lock_guard<std::mutex> Lock(Mutex);
    const llvm::Module &Current = unwrap(Env->module());
    const Benchmark &B = Env->benchmark();
    auto It = RewardsRead.find(Space);
    if (It == RewardsRead.end()) {
      // The episode's start is the benchmark's unoptimized module, loaded
      // again: the environment's own has been changed by the steps since.
      llvm::LLVMContext Context;
      std::unique_ptr<llvm::Module> Initial = unwrap(B.load(Context));
      It = RewardsRead
               .emplace(Space, unwrap(RewardTracker::start(
                                   Found, *Initial, B, Env->measurement())))
               .first;
    }
    return unwrap(
        It->second.step(Current, B, /*Changed=*/true, Env->measurement()));
  }

  std::unique_ptr<PyEnvironment> fork() const {
    py::gil_scoped_release Release;
    std::lock_guard<std::mutex> Lock(Mutex);
    auto Copy = std::make_unique<PyEnvironment>(unwrap(Env->fork()));
    Copy->RewardsRead = RewardsRead;
    return Copy;
  }

  /// Why the current module's program does not behave as the unoptimized
  /// one, or None when it does. Fails on a benchmark that is not runnable.
  std::optional<std::string> validate() const {
    py::gil_scoped_release Release;
    std::lock_guard<std::mutex> Lock(Mutex);
    const llvm::Module &Current = unwrap(Env->module());
    std::optional<std::string> Difference;
    check(llvm::handleErrors(validateModule(Current, Env->benchmark()),
                             [&](const BehaviourDifference &D) {
                               Difference = D.message();
                             }));
    return Difference;
  }

  /// Applies \p Actions in a C++ loop, converting nothing to Python: the
  /// reference that the binding's overhead per step is measured against
  /// (python/bench/overhead.py).
  void replayInCpp(const std::vector<size_t> &Actions) {
    py::gil_scoped_release Release;
    std::lock_guard<std::mutex> Lock(Mutex);
    for (size_t Action : Actions)
      unwrap(Env->step(Action));
  }

  std::string commandline(const std::string &Input,
                          const std::string &Output) const {
    std::lock_guard<std::mutex> Lock(Mutex);
    return Env->commandline(Input, Output);
  }
  std::vector<size_t> actionHistory() const {
    std::lock_guard<std::mutex> Lock(Mutex);
    return Env->actionHistory();
  }
  double episodeReward() const {
    std::lock_guard<std::mutex> Lock(Mutex);
    return Env->episodeReward();
  }
  bool inEpisode() const {
    std::lock_guard<std::mutex> Lock(Mutex);
    return Env->inEpisode();
  }

private:
  py::object observed(std::optional<Observation> O) const {
    if (!O)
      return py::none();
    return toPython(std::move(*O), *ObservedKind);
  }

  mutable std::mutex Mutex;
  std::unique_ptr<Environment> Env;
  std::optional<ObservationKind> ObservedKind;
  /// readReward()'s trackers, by reward space, for this episode.
  std::map<std::string, RewardTracker> RewardsRead;
};

} // namespace

void bindEnvironment(py::module_ &M) {
  py::class_<PyEnvironment>(
      M, "Environment",
      "The C++ environment; passgym.Env wraps it with the gymnasium API.")
      .def(py::init(&PyEnvironment::create), "actions"_a,
           "observation_space"_a, "reward_space"_a,
           "isolation"_a = "in-process", "step_timeout"_a = py::none())
      .def("reset", &PyEnvironment::reset, "benchmark"_a,
           "Starts an episode; returns the initial observation (None without "
           "an observation space).")
      .def("step", &PyEnvironment::step, "action"_a,
           "(observation, reward, done, info) of applying an action.")
      .def("multistep", &PyEnvironment::multistep, "actions"_a,
           "step() for several actions, verified once after the last.")
      .def("observe", &PyEnvironment::observe, "space"_a,
           "Any observation space of the current state.")
      .def("read_reward", &PyEnvironment::readReward, "space"_a,
           "The reward under a reward space since the episode started or "
           "since the last read of that space.")
      .def("fork", &PyEnvironment::fork,
           "An independent copy of the current state.")
      .def("validate", &PyEnvironment::validate,
           "Why the program no longer behaves as the unoptimized one, or None.")
      .def("replay_in_cpp", &PyEnvironment::replayInCpp, "actions"_a,
           "Applies actions in a C++ loop, converting nothing to Python.")
      .def("commandline", &PyEnvironment::commandline, "input"_a = "input.bc",
           "output"_a = "output.bc")
      .def_property_readonly("action_history", &PyEnvironment::actionHistory)
      .def_property_readonly("episode_reward", &PyEnvironment::episodeReward)
      .def_property_readonly("in_episode", &PyEnvironment::inEpisode);
}

} // namespace passgym::python
