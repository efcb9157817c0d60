#include "learning/evaluation/Evaluation.h"
#include "learning/evaluation/Proposals.h"
#include "learning/tests/PassgymBinary.h"
#include "learning/tests/TinyFiles.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/ADT/StringExtras.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace passgym::learning {
namespace {

using testing::take;

/// The tiny program and its four actions, and a policy over them that
/// prefers mem2reg and leaves the others equally likely, saved as a
/// checkpoint.
struct PolicyFiles : TinyFiles {
  std::string Policy = Dir.file("policy");

  PolicyFiles() { saveFixedPolicy(Policy, Actions, {1, 0, 0, 0}, 4); }

  ProposeOptions options(uint64_t Seed) const {
    ProposeOptions O;
    O.Policy = Policy;
    O.Benchmark = Program;
    O.ActionsFile = Actions;
    O.Count = 12;
    O.Seed = Seed;
    return O;
  }
};

TEST(ProposalsTest, GreedyFirstThenSampledAndReproducible) {
  PolicyFiles Files;
  auto First = take(proposeSequences(Files.options(5)));
  ASSERT_FALSE(First.empty());
  // The first proposal is the greedy episode `eval` reports.
  EvalRunOptions E;
  E.Policy = Files.Policy;
  E.Datasets = {Files.Program};
  E.ActionsFile = Files.Actions;
  E.Runtime = false;
  EvalResult Greedy = take(runEvaluation(E));
  ASSERT_EQ(Greedy.Rows.size(), 1u);
  EXPECT_EQ(llvm::join(First[0], ","), Greedy.Rows[0].Pipeline);

  std::set<std::string> Known = {"function(mem2reg)", "function(instnamer)",
                                 "function(lcssa)", "function(reg2mem)"};
  std::set<std::string> Distinct;
  for (const auto &Proposal : First) {
    EXPECT_LE(Proposal.size(), 4u);
    for (const std::string &Pipeline : Proposal)
      EXPECT_TRUE(Known.count(Pipeline)) << Pipeline;
    Distinct.insert(llvm::join(Proposal, ","));
  }
  // Sampled episodes differ from one another.
  EXPECT_GT(Distinct.size(), 2u);
  EXPECT_EQ(take(proposeSequences(Files.options(5))), First);
  EXPECT_NE(take(proposeSequences(Files.options(6))), First);

  ProposeOptions Cold = Files.options(5);
  Cold.Temperature = 0;
  std::string M = testing::errorOf(proposeSequences(Cold));
  EXPECT_NE(M.find("temperature"), std::string::npos) << M;
}

TEST(ProposalsTest, OptimizeMeasuresWhatThePolicyProposes) {
  PolicyFiles Files;
  Outcome Propose = passgym({"propose", Files.Program, "--policy",
                             Files.Policy, "--actions", Files.Actions,
                             "--count", "4"});
  ASSERT_EQ(Propose.ExitCode, 0) << Propose.Err;
  // The greedy episode first: the policy prefers mem2reg.
  EXPECT_EQ(Propose.Out.rfind("function(mem2reg)", 0), 0u) << Propose.Out;

  std::string Out = Files.Dir.file("out");
  Outcome R = passgym({"optimize", Files.Program, "--objective", "instcount",
                       "--policy", Files.Policy, "--actions", Files.Actions,
                       "--budget", "60s", "--jobs", "1", "-o", Out});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(R.Err.find("proposals failed"), std::string::npos) << R.Err;
  auto Report = nlohmann::json::parse(readFile(Out + "/report.json"));
  EXPECT_EQ(Report["strategy"], "policy");
  // The five levels, then the policy's proposals.
  EXPECT_GT(Report["candidates"]["evaluated"].get<int>(), 5);
  EXPECT_LE(Report["answer"]["cost"].get<double>(),
            Report["baselines"]["-Oz"]["cost"].get<double>());

  Outcome Missing = passgym({"optimize", Files.Program, "--strategy",
                             "policy", "-o", Files.Dir.file("out2")});
  EXPECT_NE(Missing.ExitCode, 0);
  EXPECT_NE(Missing.Err.find("--policy"), std::string::npos) << Missing.Err;
}

} // namespace
} // namespace passgym::learning
