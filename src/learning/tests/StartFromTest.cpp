//===- learning/tests/StartFromTest.cpp - eval and propose from a start ---===//
//
// A policy trained with --start-from O3 is run by eval and propose from the
// output of default<O3>, as it was trained, and the pipelines they report
// begin with it: opt-19 applying them to the unoptimized program gives what
// they measured. A checkpoint without a start (or from before start_from)
// runs from the unoptimized module, as before.
//
//===----------------------------------------------------------------------===//
#include "learning/evaluation/Evaluation.h"
#include "learning/evaluation/Proposals.h"
#include "learning/tests/OptInstructionCount.h"
#include "learning/tests/PassgymBinary.h"
#include "learning/tests/TinyFiles.h"
#include "learning/tests/TinyTask.h"
#include "learning/training/Checkpoint.h"
#include "learning/training/Training.h"
#include "support/ModuleHash.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace passgym::learning {
namespace {

using testing::take;

/// Prefers mem2reg, then reg2mem. After default<O3> no alloca is left for
/// mem2reg, so the greedy episode from there begins with reg2mem (which
/// demotes the phi -O3 leaves); from the unoptimized module, with mem2reg.
const std::vector<float> kPrefersMem2Reg = {2, 0, 0, 1};

/// The tiny files and fixed policies over them, one without a start and one
/// from -O3.
struct StartFiles : TinyFiles {
  std::string FromNothing = Dir.file("from-none");
  std::string FromO3 = Dir.file("from-o3");

  StartFiles() {
    saveFixedPolicy(FromNothing, Actions, kPrefersMem2Reg, 4);
    saveFixedPolicy(FromO3, Actions, kPrefersMem2Reg, 4);
    CheckpointContents C = take(loadCheckpoint(FromO3));
    C.StartFrom = Baseline::O3;
    testing::check(saveCheckpoint(FromO3, C));
  }

  EvalRow evaluate(const std::string &Policy) const {
    EvalRunOptions E;
    E.Policy = Policy;
    E.Datasets = {Program};
    E.ActionsFile = Actions;
    E.Runtime = false;
    EvalResult R = take(runEvaluation(E));
    EXPECT_EQ(R.Rows.size(), 1u);
    return R.Rows.empty() ? EvalRow() : R.Rows[0];
  }

  std::vector<std::vector<std::string>>
  propose(const std::string &Policy) const {
    ProposeOptions O;
    O.Policy = Policy;
    O.Benchmark = Program;
    O.ActionsFile = Actions;
    O.Count = 8;
    O.Seed = 3;
    return take(proposeSequences(O));
  }
};

bool startsWith(const std::string &Text, const std::string &Prefix) {
  return llvm::StringRef(Text).starts_with(Prefix);
}

/// Every element of \p Proposal after the first \p Skip is an action of the
/// tiny space.
void expectActionsAfter(const std::vector<std::string> &Proposal, size_t Skip) {
  static const std::set<std::string> Known = {
      "function(mem2reg)", "function(instnamer)", "function(lcssa)",
      "function(reg2mem)"};
  ASSERT_GT(Proposal.size(), Skip);
  for (size_t I = Skip; I < Proposal.size(); ++I)
    EXPECT_TRUE(Known.count(Proposal[I])) << llvm::join(Proposal, ",");
}

TEST(StartFromTest, EvalOfAPolicyTrainedFromO3StartsThereAndSaysSo) {
  TinyFiles Files;
  TrainRunOptions O = Files.options(Agent::Ppo);
  O.Schedule.StartFrom = Baseline::O3;
  TrainSummary S = take(runTraining(O));
  EvalRunOptions E;
  E.Policy = S.CheckpointPath;
  E.Datasets = {Files.Program};
  E.ActionsFile = Files.Actions;
  EvalResult R = take(runEvaluation(E));
  EXPECT_EQ(R.StartPipeline, "default<O3>");
  ASSERT_EQ(R.Rows.size(), 1u);
  const EvalRow &Row = R.Rows[0];
  ASSERT_TRUE(Row.Error.empty()) << Row.Error;
  ASSERT_FALSE(Row.Sequence.empty());
  EXPECT_EQ(Row.Sequence[0], "default<O3>");
  EXPECT_TRUE(startsWith(Row.Pipeline, "default<O3>")) << Row.Pipeline;
  // Whatever the policy learnt, opt-19 running the reported pipeline on the
  // unoptimized program gives the module eval measured.
  ASSERT_TRUE(Row.InstCount && Row.InstCountOz);
  EXPECT_EQ(*Row.InstCount, optInstructionCount(Files.Program, Row.Pipeline));
  // The baselines still start from the unoptimized program.
  EXPECT_EQ(*Row.InstCountOz,
            optInstructionCount(Files.Program, "default<Oz>"));
}

TEST(StartFromTest, EvalAppliesTheStartBeforeThePolicysActions) {
  StartFiles Files;
  EvalRow FromO3 = Files.evaluate(Files.FromO3);
  ASSERT_TRUE(FromO3.Error.empty()) << FromO3.Error;
  ASSERT_GE(FromO3.Sequence.size(), 2u);
  EXPECT_EQ(FromO3.Sequence[0], "default<O3>");
  EXPECT_EQ(FromO3.Sequence[1], "reg2mem");
  ASSERT_TRUE(FromO3.InstCount);
  EXPECT_EQ(*FromO3.InstCount,
            optInstructionCount(Files.Program, FromO3.Pipeline));

  // The same policy without a start: no default<O3>, mem2reg first.
  EvalRow FromNothing = Files.evaluate(Files.FromNothing);
  ASSERT_TRUE(FromNothing.Error.empty()) << FromNothing.Error;
  ASSERT_FALSE(FromNothing.Sequence.empty());
  EXPECT_EQ(FromNothing.Sequence[0], "mem2reg");
  EXPECT_EQ(FromNothing.Pipeline.find("default<"), std::string::npos)
      << FromNothing.Pipeline;
  ASSERT_TRUE(FromNothing.InstCount);
  EXPECT_EQ(*FromNothing.InstCount,
            optInstructionCount(Files.Program, FromNothing.Pipeline));
}

TEST(StartFromTest,
     ACheckpointFromBeforeStartFromRunsFromTheUnoptimizedModule) {
  StartFiles Files;
  // agent.json as it was before start_from, its hash in the manifest.
  std::string Agent = readFile(Files.FromNothing + "/agent.json");
  auto J = nlohmann::json::parse(Agent);
  ASSERT_EQ(J["start_from"], "none");
  J.erase("start_from");
  std::string Old = J.dump(1) + "\n";
  std::ofstream(Files.FromNothing + "/agent.json") << Old;
  auto Manifest =
      nlohmann::json::parse(readFile(Files.FromNothing + "/manifest.json"));
  Manifest["payloads"]["agent.json"] = {{"blake3", bytesHash(Old)},
                                        {"bytes", Old.size()}};
  std::ofstream(Files.FromNothing + "/manifest.json") << Manifest.dump();

  EvalRow Row = Files.evaluate(Files.FromNothing);
  ASSERT_TRUE(Row.Error.empty()) << Row.Error;
  ASSERT_FALSE(Row.Sequence.empty());
  EXPECT_EQ(Row.Sequence[0], "mem2reg");
  ASSERT_TRUE(Row.InstCount);
  EXPECT_EQ(*Row.InstCount, optInstructionCount(Files.Program, Row.Pipeline));
  for (const std::vector<std::string> &Proposal :
       Files.propose(Files.FromNothing))
    expectActionsAfter(Proposal, 0);
}

TEST(StartFromTest, ProposalsBeginWithTheStartOnlyWhenThereIsOne) {
  StartFiles Files;
  auto FromO3 = Files.propose(Files.FromO3);
  ASSERT_FALSE(FromO3.empty());
  for (const std::vector<std::string> &Proposal : FromO3) {
    EXPECT_EQ(Proposal[0], "default<O3>");
    expectActionsAfter(Proposal, 1);
  }
  // The first is the greedy episode eval reports.
  EXPECT_EQ(llvm::join(FromO3[0], ","), Files.evaluate(Files.FromO3).Pipeline);

  auto FromNothing = Files.propose(Files.FromNothing);
  ASSERT_FALSE(FromNothing.empty());
  for (const std::vector<std::string> &Proposal : FromNothing)
    expectActionsAfter(Proposal, 0);
}

TEST(StartFromTest, OptimizeMeasuresTheProposalsFromTheUnoptimizedModule) {
  StartFiles Files;
  Outcome Propose = passgym({"propose", Files.Program, "--policy", Files.FromO3,
                             "--actions", Files.Actions, "--count", "4"});
  ASSERT_EQ(Propose.ExitCode, 0) << Propose.Err;
  llvm::SmallVector<llvm::StringRef> Lines;
  llvm::StringRef(Propose.Out).split(Lines, '\n', -1, false);
  ASSERT_FALSE(Lines.empty());
  for (llvm::StringRef Line : Lines)
    EXPECT_TRUE(Line.starts_with("default<O3>,")) << Line.str();

  // optimize applies each candidate to the unoptimized program: the greedy
  // proposal's cost is what opt-19 makes of it.
  std::string Out = Files.Dir.file("out");
  Outcome R = passgym({"optimize", Files.Program, "--objective", "instcount",
                       "--policy", Files.FromO3, "--actions", Files.Actions,
                       "--budget", "30s", "--jobs", "1", "-o", Out});
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
  EXPECT_EQ(R.Err.find("proposals failed"), std::string::npos) << R.Err;
  auto Checkpoint = nlohmann::json::parse(readFile(Out + "/checkpoint.json"));
  bool Measured = false;
  for (const nlohmann::json &C : Checkpoint["candidates"]) {
    if (llvm::join(C["pipeline"].get<std::vector<std::string>>(), ",") !=
        Lines[0])
      continue;
    Measured = true;
    ASSERT_TRUE(C.contains("cost")) << C.dump();
    EXPECT_EQ(C["cost"].get<double>(),
              optInstructionCount(Files.Program, Lines[0].str()));
  }
  EXPECT_TRUE(Measured) << Lines[0].str();
}

} // namespace
} // namespace passgym::learning
