#include "learning/bench/LearningBench.h"

#include "graph/LlvmGraphBuilder.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace passgym::learning {
namespace {

using testing::builtin;
using testing::check;
using testing::errorOf;
using testing::take;

constexpr const char *kUri = "benchmark://builtin-v0/crc32";

/// Small enough that a run on one built-in takes about a second.
LearningBenchOptions tinyOptions() {
  LearningBenchOptions O;
  O.Benchmarks = {kUri};
  O.Network.HiddenSize = 16;
  O.Network.Layers = 2;
  O.BatchSize = 2;
  O.Repetitions = 2;
  O.Steps = 3;
  O.Environments = 2;
  O.RolloutSteps = 2;
  return O;
}

TEST(LearningBenchTest, MeasuresOneBenchmark) {
  TempDir Dir = take(TempDir::create("passgym-learning-bench-test"));
  LearningBenchOptions O = tinyOptions();
  O.JsonPath = Dir.file("bench.json");
  std::string Table;
  llvm::raw_string_ostream Out(Table);
  std::vector<double> Fractions;
  check(runLearningBench(O, Out, [&](double F) { Fractions.push_back(F); }));

  // The graph of the unoptimized module, built here without the bench.
  llvm::LLVMContext Context;
  std::unique_ptr<llvm::Module> M = take(builtin("crc32")->load(Context));
  graph::ProgramGraph G = take(graph::buildProgramGraph(*M));
  const auto Nodes = static_cast<int64_t>(G.Nodes.size());
  const auto Edges = static_cast<int64_t>(G.Edges.size());

  auto Buffer = llvm::MemoryBuffer::getFile(O.JsonPath);
  ASSERT_TRUE(Buffer) << Buffer.getError().message();
  nlohmann::json J = nlohmann::json::parse((*Buffer)->getBuffer().str());
  ASSERT_EQ(J["benchmarks"].size(), 1u) << J.dump(2);
  const nlohmann::json &B = J["benchmarks"][0];
  EXPECT_EQ(B["uri"], kUri);
  EXPECT_FALSE(B.contains("errors")) << B.dump(2);
  EXPECT_EQ(B["nodes"].get<int64_t>(), Nodes);
  EXPECT_EQ(B["edges"].get<int64_t>(), Edges);
  EXPECT_EQ(B["batch_size"].get<int64_t>(), O.BatchSize);
  EXPECT_EQ(B["batch_nodes"].get<int64_t>(), O.BatchSize * Nodes);
  EXPECT_EQ(B["batch_edges"].get<int64_t>(), O.BatchSize * Edges);
  for (const char *Field :
       {"train_ms_per_batch", "train_us_per_node", "policy_step_ms",
        "policy_graph_ms", "env_step_ms", "policy_env_ratio",
        "rollout_steps_per_second", "parallel_rollout_steps_per_second",
        "parallel_rollout_speedup"}) {
    SCOPED_TRACE(Field);
    ASSERT_TRUE(B[Field].is_number()) << B.dump(2);
    double V = B[Field].get<double>();
    EXPECT_TRUE(std::isfinite(V)) << V;
    EXPECT_GT(V, 0);
  }
  double Policy = B["policy_step_ms"].get<double>();
  EXPECT_DOUBLE_EQ(B["policy_env_ratio"].get<double>(),
                   Policy / B["env_step_ms"].get<double>());
  EXPECT_LE(B["policy_graph_ms"].get<double>(), Policy);
  EXPECT_DOUBLE_EQ(B["train_us_per_node"].get<double>(),
                   B["train_ms_per_batch"].get<double>() * 1000 /
                       static_cast<double>(O.BatchSize * Nodes));
  EXPECT_EQ(B["rollout_steps"].get<int64_t>(), 2);
  EXPECT_EQ(B["parallel_rollout_steps"].get<int64_t>(), 4);
  EXPECT_DOUBLE_EQ(B["parallel_rollout_speedup"].get<double>(),
                   B["parallel_rollout_steps_per_second"].get<double>() /
                       B["rollout_steps_per_second"].get<double>());
  EXPECT_EQ(J["environments"].get<unsigned>(), 2u);
  EXPECT_TRUE(J["summary"]["parallel_rollout_speedup"].is_number())
      << J.dump(2);
  EXPECT_GE(J["torch_threads"].get<int>(), 1);
  EXPECT_TRUE(J["summary"]["policy_env_ratio"].is_number()) << J.dump(2);

  EXPECT_NE(Table.find(kUri), std::string::npos) << Table;
  EXPECT_NE(Table.find("torch thread"), std::string::npos) << Table;
  EXPECT_NE(Table.find("medians over 1 benchmarks"), std::string::npos)
      << Table;
  EXPECT_EQ(Table.find("failed"), std::string::npos) << Table;
  ASSERT_FALSE(Fractions.empty());
  EXPECT_EQ(Fractions.back(), 1);
}

TEST(LearningBenchTest, OnlyTheGraphStateIsMeasured) {
  LearningBenchOptions O = tinyOptions();
  O.Network.State = StateKind::Autophase;
  std::string Table;
  llvm::raw_string_ostream Out(Table);
  std::string Message = errorOf(runLearningBench(O, Out, [](double) {}));
  EXPECT_NE(Message.find("only the graph state"), std::string::npos) << Message;
  EXPECT_EQ(Message.find('\n'), std::string::npos) << Message;
}

TEST(LearningBenchTest, UnknownBenchmarkIsAnError) {
  LearningBenchOptions O = tinyOptions();
  O.Benchmarks = {"benchmark://builtin-v0/no-such-program"};
  std::string Table;
  llvm::raw_string_ostream Out(Table);
  std::string Message = errorOf(runLearningBench(O, Out, [](double) {}));
  EXPECT_NE(Message.find("benchmark://builtin-v0/no-such-program"),
            std::string::npos)
      << Message;
  EXPECT_EQ(Message.find('\n'), std::string::npos) << Message;
}

} // namespace
} // namespace passgym::learning
