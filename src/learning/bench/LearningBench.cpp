//===- learning/bench/LearningBench.cpp - How fast learning is ------------===//
//
// docs/benchmarks.md ("passgym bench learning") says what is measured.
//
//===----------------------------------------------------------------------===//
#include "learning/bench/LearningBench.h"
#include "support/Files.h"

#include "actions/ActionSpace.h"
#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "graph/LlvmGraphBuilder.h"
#include "learning/algorithms/Ppo.h"
#include "learning/inputs/StateBatch.h"
#include "learning/networks/Networks.h"
#include "learning/support/Messages.h"
#include "support/Statistics.h"
#include "support/TempDir.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <thread>

namespace passgym::learning {
namespace {

/// Built-ins measured when no benchmark is given.
constexpr size_t kDefaultSpread = 5;

/// \p Work's result, with torch's and the standard library's exceptions
/// turned into errors (their first line: torch appends a backtrace).
template <typename F> auto guarded(F &&Work) -> decltype(Work()) {
  try {
    return Work();
  } catch (const c10::Error &E) {
    return llvm::createStringError("torch: " +
                                   firstLine(E.what_without_backtrace()));
  } catch (const std::exception &E) {
    return llvm::createStringError(firstLine(E.what()));
  }
}

llvm::Error checkOptions(const LearningBenchOptions &Options) {
  if (Options.Network.State != StateKind::Graph)
    return llvm::createStringError(
        "learning bench: only the graph state is measured");
  if (Options.Network.HiddenSize < 1 || Options.Network.Layers < 1 ||
      Options.BatchSize < 1 || Options.Repetitions < 1 || Options.Steps < 1 ||
      Options.RolloutSteps < 1)
    return llvm::createStringError("learning bench: hidden size, layers, "
                                   "batch size, repetitions, steps and "
                                   "rollout steps must be at least 1");
  return llvm::Error::success();
}

/// The environments of the parallel rollouts: Options.Environments, or the
/// cores (at least 2, for a comparison).
unsigned environmentsOf(const LearningBenchOptions &Options) {
  if (Options.Environments > 0)
    return Options.Environments;
  return std::max(2u, std::thread::hardware_concurrency());
}

/// A benchmark ready to measure: an environment reset on it, and the graph
/// of its unoptimized module (or why that graph could not be built).
struct Prepared {
  std::string Uri;
  BenchmarkPtr Bench;
  std::unique_ptr<Environment> Env;
  std::optional<graph::ProgramGraph> Graph;
  std::string GraphFailure;
};

llvm::Expected<Prepared> prepare(const std::string &Uri) {
  auto B = loadBenchmark(Uri);
  if (!B)
    return B.takeError();
  EnvironmentOptions EnvOptions;
  EnvOptions.RewardSpace = "IrInstructionCount";
  EnvOptions.ObservationSpace.clear();
  auto Env = Environment::create(std::move(EnvOptions));
  if (!Env)
    return Env.takeError();
  if (auto Started = (*Env)->reset(*B); !Started)
    return llvm::createStringError("resetting on " + Uri + ": " +
                                   llvm::toString(Started.takeError()));
  Prepared P{Uri, *B, std::move(*Env), std::nullopt, ""};
  auto M = P.Env->module();
  if (!M)
    return M.takeError();
  if (auto G = graph::buildProgramGraph(*M))
    P.Graph = std::move(*G);
  else
    P.GraphFailure = "graph: " + llvm::toString(G.takeError());
  return P;
}

/// The benchmarks named, or a spread of built-ins by graph size: the
/// smallest, the largest, and evenly spaced ranks between them.
llvm::Expected<std::vector<Prepared>>
prepareAll(const LearningBenchOptions &Options) {
  std::vector<Prepared> All;
  bool Spread = Options.Benchmarks.empty();
  auto Uris = urisOrBuiltins(Options.Benchmarks);
  if (!Uris)
    return Uris.takeError();
  for (const std::string &Uri : *Uris) {
    auto P = prepare(Uri);
    if (!P)
      return P.takeError();
    if (Spread && !P->Graph)
      continue;
    All.push_back(std::move(*P));
  }
  if (All.empty())
    return llvm::createStringError("learning bench: no benchmark to measure");
  if (!Spread || All.size() <= kDefaultSpread)
    return All;
  std::vector<size_t> BySize(All.size());
  for (size_t I = 0; I < All.size(); ++I)
    BySize[I] = I;
  std::stable_sort(BySize.begin(), BySize.end(), [&](size_t A, size_t B) {
    return All[A].Graph->Nodes.size() < All[B].Graph->Nodes.size();
  });
  std::vector<Prepared> Chosen;
  for (size_t I = 0; I < kDefaultSpread; ++I)
    Chosen.push_back(
        std::move(All[BySize[I * (All.size() - 1) / (kDefaultSpread - 1)]]));
  return Chosen;
}

/// Times of one measurement in milliseconds, or why it failed.
struct Timing {
  std::vector<double> Ms;
  std::string Failure;
  bool ok() const { return Failure.empty(); }
  double value() const { return median(Ms); }
  void fail(llvm::Error E) {
    Failure = firstLine(llvm::toString(std::move(E)));
  }
};

struct Row {
  std::string Uri;
  int64_t Nodes = 0, Edges = 0;
  int64_t BatchNodes = 0, BatchEdges = 0;
  Timing Train, Policy, PolicyGraph, Step;
  /// Milliseconds per rollout of one environment and of several.
  Timing RolloutOne, RolloutMany;
  int64_t OneSteps = 0, ManySteps = 0; ///< Steps per rollout.

  bool hasRatio() const { return Policy.ok() && Step.ok(); }
  double ratio() const { return Policy.value() / Step.value(); }
  double usPerNode() const { return Train.value() * 1000 / BatchNodes; }
  double oneStepsPerSecond() const {
    return OneSteps * 1000 / RolloutOne.value();
  }
  double manyStepsPerSecond() const {
    return ManySteps * 1000 / RolloutMany.value();
  }
  bool hasSpeedup() const { return RolloutOne.ok() && RolloutMany.ok(); }
  double speedup() const {
    return manyStepsPerSecond() / oneStepsPerSecond();
  }
};

/// makeBatch + forward + a scalar loss + backward + zero_grad on a batch of
/// Options.BatchSize copies of \p G; one untimed warm-up first.
llvm::Error measureTraining(ActorCritic &Net, const graph::ProgramGraph &G,
                            const Vocabulary &Vocab,
                            const LearningBenchOptions &Options, Row &R) {
  return guarded([&]() -> llvm::Error {
    std::vector<const graph::ProgramGraph *> Copies(Options.BatchSize, &G);
    for (unsigned I = 0; I <= Options.Repetitions; ++I) {
      StateBatch Batch;
      double Ms = millisecondsOf([&] {
        Batch.Graph = makeBatch(Copies, Vocab);
        Batch.NumStates = Batch.Graph.NumGraphs;
        ActorCriticOutput Out = Net->forward(Batch);
        torch::Tensor Loss =
            torch::log_softmax(Out.Logits, -1).mean() + Out.Value.mean();
        Loss.backward();
        Net->zero_grad();
      });
      R.BatchNodes = Batch.Graph.numNodes();
      R.BatchEdges = Batch.Graph.numEdges();
      if (I > 0)
        R.Train.Ms.push_back(Ms);
    }
    return llvm::Error::success();
  });
}

/// One policy step as a rollout takes it, on the environment's current
/// module: build its graph, batch it, forward without gradient, sample.
llvm::Error measurePolicyStep(ActorCritic &Net, const Environment &Env,
                              const Vocabulary &Vocab,
                              const LearningBenchOptions &Options, Row &R) {
  return guarded([&]() -> llvm::Error {
    torch::NoGradGuard NoGrad;
    for (unsigned I = 0; I <= Options.Repetitions; ++I) {
      // Timed apart and added: the graph build is reported as its share.
      auto M = Env.module();
      if (!M)
        return M.takeError();
      std::optional<llvm::Expected<graph::ProgramGraph>> G;
      double GraphMs =
          millisecondsOf([&] { G.emplace(graph::buildProgramGraph(*M)); });
      if (!*G)
        return G->takeError();
      int64_t Action = -1;
      double RestMs = millisecondsOf([&] {
        StateBatch State;
        State.Graph = makeBatch({&**G}, Vocab);
        State.NumStates = 1;
        ActorCriticOutput Out = Net->forward(State);
        torch::Tensor LogProbs = torch::log_softmax(Out.Logits[0], -1);
        Action = torch::multinomial(LogProbs.exp(), 1).item<int64_t>();
      });
      if (Action < 0 || Action >= Net->Policy->Options.NumActions)
        return llvm::createStringError(
            "sampled action " + std::to_string(Action) + " out of range");
      if (I > 0) {
        R.Policy.Ms.push_back(GraphMs + RestMs);
        R.PolicyGraph.Ms.push_back(GraphMs);
      }
    }
    return llvm::Error::success();
  });
}

/// PPO rollouts of Options.RolloutSteps steps in each of \p Environments
/// environments on \p P's benchmark, with a fresh network: one untimed,
/// then Options.Repetitions timed. Returns the steps per rollout.
llvm::Expected<int64_t> measureRollouts(const Prepared &P,
                                        const StateEncoding &Encoding,
                                        const NetworkOptions &Network,
                                        unsigned Environments,
                                        const LearningBenchOptions &Options,
                                        Timing &T) {
  return guarded([&]() -> llvm::Expected<int64_t> {
    PpoOptions O;
    O.Run.Seed = Options.Seed;
    O.Run.Environments = Environments;
    O.Run.StepsPerIteration = Environments * Options.RolloutSteps;
    O.Network = Network;
    EnvironmentOptions Env;
    Env.RewardSpace = "IrInstructionCount";
    auto Trainer = PpoTrainer::create({P.Bench}, std::move(Env), Encoding, O);
    if (!Trainer)
      return Trainer.takeError();
    for (unsigned I = 0; I <= Options.Repetitions; ++I) {
      std::optional<llvm::Expected<PpoTrainer::Rollout>> R;
      double Ms = millisecondsOf([&] { R.emplace((*Trainer)->collectRollout()); });
      if (!*R)
        return R->takeError();
      if (I > 0)
        T.Ms.push_back(Ms);
    }
    return O.Run.StepsPerIteration;
  });
}

/// Options.Steps random steps, resetting (untimed) when an episode ends.
llvm::Error measureEnvSteps(Prepared &P, const LearningBenchOptions &Options,
                            std::mt19937_64 &Random, Row &R) {
  std::uniform_int_distribution<size_t> Pick(0, P.Env->actions().size() - 1);
  for (unsigned I = 0; I < Options.Steps; ++I) {
    if (P.Env->done())
      if (auto Restarted = P.Env->reset(P.Bench); !Restarted)
        return Restarted.takeError();
    size_t Action = Pick(Random);
    std::optional<llvm::Expected<StepResult>> Step;
    double Ms = millisecondsOf([&] { Step.emplace(P.Env->step(Action)); });
    if (!*Step)
      return Step->takeError();
    R.Step.Ms.push_back(Ms);
  }
  return llvm::Error::success();
}

/// Rollouts with one environment and with environmentsOf(Options).
void measureRolloutSpeeds(const Prepared &P, const Vocabulary &Vocab,
                          const NetworkOptions &NetOptions,
                          const LearningBenchOptions &Options, Row &R) {
  StateEncoding Encoding;
  Encoding.Vocab = Vocab;
  for (auto [Environments, T, Steps] :
       {std::tuple{1u, &R.RolloutOne, &R.OneSteps},
        {environmentsOf(Options), &R.RolloutMany, &R.ManySteps}}) {
    auto Measured =
        measureRollouts(P, Encoding, NetOptions, Environments, Options, *T);
    if (!Measured)
      T->fail(Measured.takeError());
    else
      *Steps = *Measured;
  }
}

Row measure(Prepared &P, const Vocabulary &Vocab,
            const NetworkOptions &NetOptions,
            const LearningBenchOptions &Options, std::mt19937_64 &Random) {
  Row R;
  R.Uri = P.Uri;
  if (!P.Graph) {
    R.Train.Failure = R.Policy.Failure = R.PolicyGraph.Failure = P.GraphFailure;
    R.RolloutOne.Failure = R.RolloutMany.Failure = P.GraphFailure;
  } else {
    measureRolloutSpeeds(P, Vocab, NetOptions, Options, R);
    R.Nodes = static_cast<int64_t>(P.Graph->Nodes.size());
    R.Edges = static_cast<int64_t>(P.Graph->Edges.size());
    // The same initial weights on every benchmark, whatever the order.
    torch::manual_seed(Options.Seed);
    auto Net = guarded([&]() -> llvm::Expected<ActorCritic> {
      return ActorCritic(NetOptions);
    });
    if (!Net) {
      std::string Why = "network: " + llvm::toString(Net.takeError());
      R.Train.Failure = R.Policy.Failure = R.PolicyGraph.Failure = Why;
    } else {
      if (llvm::Error E = measureTraining(*Net, *P.Graph, Vocab, Options, R))
        R.Train.fail(std::move(E));
      if (llvm::Error E = measurePolicyStep(*Net, *P.Env, Vocab, Options, R)) {
        R.Policy.fail(std::move(E));
        R.PolicyGraph.Failure = R.Policy.Failure;
      }
    }
  }
  if (llvm::Error E = measureEnvSteps(P, Options, Random, R))
    R.Step.fail(std::move(E));
  return R;
}

/// \p Value right-aligned in \p Width with \p Format, or "failed".
std::string cell(const Timing &T, double Value, int Width, const char *Format) {
  std::string Text = T.ok() ? llvm::formatv(Format, Value).str() : "failed";
  return std::string(std::max(0, Width - static_cast<int>(Text.size())), ' ') +
         Text;
}

void printRow(llvm::raw_ostream &Out, const Row &R) {
  Out << llvm::formatv("{0,-34} {1,7} {2,7}", R.Uri, R.Nodes, R.Edges) << ' '
      << cell(R.Train, R.Train.value(), 12, "{0:f2}") << ' '
      << cell(R.Train, R.Train.ok() ? R.usPerNode() : 0, 8, "{0:f3}") << ' '
      << cell(R.Policy, R.Policy.value(), 10, "{0:f3}") << ' '
      << cell(R.PolicyGraph, R.PolicyGraph.value(), 9, "({0:f3})") << ' '
      << cell(R.Step, R.Step.value(), 9, "{0:f3}") << ' '
      << (R.hasRatio() ? llvm::formatv("{0,7:f2}x", R.ratio()).str()
                       : std::string("       -"))
      << ' '
      << cell(R.RolloutOne,
              R.RolloutOne.ok() ? R.oneStepsPerSecond() : 0, 9, "{0:f1}")
      << ' '
      << cell(R.RolloutMany,
              R.RolloutMany.ok() ? R.manyStepsPerSecond() : 0, 9, "{0:f1}")
      << ' '
      << (R.hasSpeedup() ? llvm::formatv("{0,7:f2}x", R.speedup()).str()
                         : std::string("       -"))
      << '\n';
  for (auto [Name, T] : {std::pair{"fwd+bwd", &R.Train},
                         {"policy step", &R.Policy},
                         {"env step", &R.Step},
                         {"rollout, 1 env", &R.RolloutOne},
                         {"rollout, N envs", &R.RolloutMany}})
    if (!T->ok())
      Out << "    " << Name << " failed: " << T->Failure << '\n';
}

nlohmann::json timingJson(const Timing &T, double Value) {
  return T.ok() ? nlohmann::json(Value) : nlohmann::json(nullptr);
}

nlohmann::json rowJson(const Row &R, const LearningBenchOptions &Options) {
  nlohmann::json J = {
      {"uri", R.Uri},
      {"nodes", R.Nodes},
      {"edges", R.Edges},
      {"batch_size", Options.BatchSize},
      {"batch_nodes", R.BatchNodes},
      {"batch_edges", R.BatchEdges},
      {"train_ms_per_batch", timingJson(R.Train, R.Train.value())},
      {"train_us_per_node",
       timingJson(R.Train, R.Train.ok() ? R.usPerNode() : 0)},
      {"policy_step_ms", timingJson(R.Policy, R.Policy.value())},
      {"policy_graph_ms", timingJson(R.PolicyGraph, R.PolicyGraph.value())},
      {"env_step_ms", timingJson(R.Step, R.Step.value())},
      {"policy_env_ratio",
       R.hasRatio() ? nlohmann::json(R.ratio()) : nlohmann::json(nullptr)},
      {"rollout_steps", R.OneSteps},
      {"rollout_steps_per_second",
       timingJson(R.RolloutOne,
                  R.RolloutOne.ok() ? R.oneStepsPerSecond() : 0)},
      {"parallel_rollout_steps", R.ManySteps},
      {"parallel_rollout_steps_per_second",
       timingJson(R.RolloutMany,
                  R.RolloutMany.ok() ? R.manyStepsPerSecond() : 0)},
      {"parallel_rollout_speedup", R.hasSpeedup() ? nlohmann::json(R.speedup())
                                                  : nlohmann::json(nullptr)}};
  nlohmann::json Errors = nlohmann::json::object();
  for (auto [Name, T] : {std::pair{"train", &R.Train},
                         {"policy_step", &R.Policy},
                         {"env_step", &R.Step},
                         {"rollout", &R.RolloutOne},
                         {"parallel_rollout", &R.RolloutMany}})
    if (!T->ok())
      Errors[Name] = T->Failure;
  if (!Errors.empty())
    J["errors"] = Errors;
  return J;
}

} // namespace

llvm::Error runLearningBench(const LearningBenchOptions &Options,
                             llvm::raw_ostream &Out,
                             const std::function<void(double)> &Progress) {
  if (llvm::Error E = checkOptions(Options))
    return E;
  Progress(0);
  auto Benchmarks = prepareAll(Options);
  if (!Benchmarks)
    return Benchmarks.takeError();

  std::vector<const graph::ProgramGraph *> Graphs;
  for (const Prepared &P : *Benchmarks)
    if (P.Graph)
      Graphs.push_back(&*P.Graph);
  Vocabulary Vocab = Vocabulary::build(Graphs);
  NetworkOptions NetOptions = Options.Network;
  NetOptions.VocabularySize = static_cast<int64_t>(Vocab.size());
  NetOptions.NumActions = static_cast<int64_t>(ActionSpace::builtin().size());
  int Threads = torch::get_num_threads();
  const unsigned Environments = environmentsOf(Options);

  Out << llvm::formatv("{0} encoder, hidden {1}, {2} layers, batches of {3} "
                       "graphs; medians of {4} repetitions and {5} env steps; "
                       "{6} torch thread(s); PPO rollouts of {7} steps per "
                       "environment, 1 and {8} environments (steps/s)\n",
                       nameOf(kEncoderNames, NetOptions.Encoder),
                       NetOptions.HiddenSize, NetOptions.Layers,
                       Options.BatchSize, Options.Repetitions, Options.Steps,
                       Threads, Options.RolloutSteps, Environments)
      << llvm::formatv("{0,-34} {1,7} {2,7} {3,12} {4,8} {5,10} {6,9} {7,9} "
                       "{8,8} {9,9} {10,9} {11,8}\n",
                       "benchmark", "nodes", "edges", "fwd+bwd ms", "us/node",
                       "policy ms", "(graph)", "env ms", "pol/env", "1 env",
                       llvm::formatv("{0} envs", Environments).str(),
                       "N/1");

  std::mt19937_64 Random(Options.Seed);
  std::vector<Row> Rows;
  nlohmann::json Json = {{"encoder", nameOf(kEncoderNames, NetOptions.Encoder)},
                         {"hidden_size", NetOptions.HiddenSize},
                         {"layers", NetOptions.Layers},
                         {"batch_size", Options.BatchSize},
                         {"repetitions", Options.Repetitions},
                         {"steps", Options.Steps},
                         {"seed", Options.Seed},
                         {"torch_threads", Threads},
                         {"rollout_steps_per_environment",
                          Options.RolloutSteps},
                         {"environments", Environments},
                         {"vocabulary_size", Vocab.size()},
                         {"benchmarks", nlohmann::json::array()}};
  for (size_t I = 0; I < Benchmarks->size(); ++I) {
    Progress(static_cast<double>(I) / Benchmarks->size());
    Rows.push_back(
        measure((*Benchmarks)[I], Vocab, NetOptions, Options, Random));
    printRow(Out, Rows.back());
    Json["benchmarks"].push_back(rowJson(Rows.back(), Options));
  }
  Progress(1);

  // Medians across benchmarks of the per-benchmark medians, failures left
  // out.
  std::vector<double> Train, PerNode, Policy, PolicyGraph, Step, Ratio,
      RolloutOne, RolloutMany, Speedup;
  for (const Row &R : Rows) {
    if (R.Train.ok()) {
      Train.push_back(R.Train.value());
      PerNode.push_back(R.usPerNode());
    }
    if (R.Policy.ok()) {
      Policy.push_back(R.Policy.value());
      PolicyGraph.push_back(R.PolicyGraph.value());
    }
    if (R.Step.ok())
      Step.push_back(R.Step.value());
    if (R.hasRatio())
      Ratio.push_back(R.ratio());
    if (R.RolloutOne.ok())
      RolloutOne.push_back(R.oneStepsPerSecond());
    if (R.RolloutMany.ok())
      RolloutMany.push_back(R.manyStepsPerSecond());
    if (R.hasSpeedup())
      Speedup.push_back(R.speedup());
  }
  auto Summary = [](const std::vector<double> &V, const char *Format) {
    return V.empty() ? std::string("failed")
                     : llvm::formatv(Format, median(V)).str();
  };
  Out << "\nmedians over " << Rows.size() << " benchmarks: fwd+bwd "
      << Summary(Train, "{0:f2} ms/batch") << ", "
      << Summary(PerNode, "{0:f3} us/node") << "; policy step "
      << Summary(Policy, "{0:f3} ms") << " (graph build "
      << Summary(PolicyGraph, "{0:f3} ms") << "); env step "
      << Summary(Step, "{0:f3} ms") << "; policy/env "
      << Summary(Ratio, "{0:f2}x") << "; rollout steps/s "
      << Summary(RolloutOne, "{0:f1}") << " with 1 environment, "
      << Summary(RolloutMany, "{0:f1}") << " with " << Environments << ": "
      << Summary(Speedup, "{0:f2}x") << '\n';
  if (Options.JsonPath.empty())
    return llvm::Error::success();
  auto OrNull = [](const std::vector<double> &V) {
    return V.empty() ? nlohmann::json(nullptr) : nlohmann::json(median(V));
  };
  Json["summary"] = {{"train_ms_per_batch", OrNull(Train)},
                     {"train_us_per_node", OrNull(PerNode)},
                     {"policy_step_ms", OrNull(Policy)},
                     {"policy_graph_ms", OrNull(PolicyGraph)},
                     {"env_step_ms", OrNull(Step)},
                     {"policy_env_ratio", OrNull(Ratio)},
                     {"rollout_steps_per_second", OrNull(RolloutOne)},
                     {"parallel_rollout_steps_per_second", OrNull(RolloutMany)},
                     {"parallel_rollout_speedup", OrNull(Speedup)}};
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym::learning
