//===- env/tests/WorkerTest.cpp - Environments in worker processes --------===//
//
// Worker isolation behaves like in-process isolation, and what kills a
// worker (a crash, heap corruption, a pass that never returns) ends the
// episode with the reason while this process carries on. The misbehaving
// passes come from a pass plugin, which worker processes load too.
//
//===----------------------------------------------------------------------===//
#include "env/Environment.h"

#include "actions/PassRunner.h"
#include "graph/ProgramGraph.h"
#include "support/ModuleHash.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/Module.h"

#include <gtest/gtest.h>
#include <random>

namespace passgym {
namespace {

using testing::builtin;
using testing::errorOf;
using testing::take;

std::unique_ptr<Environment>
create(Isolation Where, std::shared_ptr<const ActionSpace> Space = nullptr,
       std::string Observation = "",
       std::optional<std::chrono::milliseconds> StepTimeout = std::nullopt) {
  EnvironmentOptions Options;
  Options.Actions = std::move(Space);
  Options.ObservationSpace = std::move(Observation);
  Options.Isolation = Where;
  Options.StepTimeout = StepTimeout;
  return take(Environment::create(std::move(Options)));
}

std::shared_ptr<const ActionSpace> faultySpace() {
  testing::check(addPassPlugin(PASSGYM_FAULTY_PASSES));
  return std::make_shared<ActionSpace>(
      "faulty", std::vector<Action>{{"sroa", "function(sroa)"},
                                    {"crash", "faulty-crash"},
                                    {"corrupt-heap", "faulty-corrupt-heap"},
                                    {"hang", "faulty-hang"},
                                    {"break", "faulty-break-ir"},
                                    {"fatal", "faulty-fatal-error"}});
}

TEST(WorkerTest, AWorkerGivesWhatTheCallingProcessGives) {
  BenchmarkPtr B = builtin("qsort");
  auto Local = create(Isolation::InProcess, nullptr, "Autophase");
  auto Remote = create(Isolation::Worker, nullptr, "Autophase");
  EXPECT_EQ(take(Local->reset(B)), take(Remote->reset(B)));
  std::mt19937_64 Random(3);
  for (int I = 0; I < 25; ++I) {
    size_t Action = Random() % Local->actions().size();
    StepResult A = take(Local->step(Action));
    StepResult W = take(Remote->step(Action));
    ASSERT_EQ(A.Done, W.Done) << W.Info.Error;
    if (A.Done)
      break;
    EXPECT_EQ(A.Reward, W.Reward);
    EXPECT_EQ(A.Observation, W.Observation);
    EXPECT_EQ(A.Info.Changed, W.Info.Changed);
  }
  if (!Local->done()) {
    std::vector<size_t> More = {*Local->actions().find("gvn"),
                                *Local->actions().find("simplifycfg")};
    StepResult A = take(Local->multistep(More));
    StepResult W = take(Remote->multistep(More));
    EXPECT_EQ(A.Reward, W.Reward);
    EXPECT_EQ(A.Observation, W.Observation);
  }
  EXPECT_EQ(Local->actionHistory(), Remote->actionHistory());
  EXPECT_EQ(Local->reward().currentCost(), Remote->reward().currentCost());
  EXPECT_EQ(Local->episodeReward(), Remote->episodeReward());
  EXPECT_EQ(take(Local->observe("IrHash")), take(Remote->observe("IrHash")));
  EXPECT_EQ(take(Local->observe("Programl")),
            take(Remote->observe("Programl")));
  EXPECT_EQ(irHash(take(Local->module())), irHash(take(Remote->module())));
  EXPECT_EQ(Local->commandline(), Remote->commandline());
}

TEST(WorkerTest, ForksOfAWorkerAreIndependentAndOutliveIt) {
  auto Env = create(Isolation::Worker);
  take(Env->reset(builtin("crc32")));
  size_t Sroa = *Env->actions().find("sroa");
  size_t Inline = *Env->actions().find("inline");
  take(Env->step(Sroa));
  std::string Before = std::get<std::string>(take(Env->observe("IrHash")));
  auto Fork = take(Env->fork());
  EXPECT_EQ(std::get<std::string>(take(Fork->observe("IrHash"))), Before);
  take(Fork->step(Inline));
  EXPECT_NE(std::get<std::string>(take(Fork->observe("IrHash"))), Before);
  EXPECT_EQ(std::get<std::string>(take(Env->observe("IrHash"))), Before);
  // A fork of a fork keeps working after the worker it was forked from ends.
  auto Grandchild = take(Fork->fork());
  Fork.reset();
  Env.reset();
  StepResult Step = take(Grandchild->step(Sroa));
  EXPECT_FALSE(Step.Done) << Step.Info.Error;
  EXPECT_EQ(Grandchild->actionHistory().size(), 3u);
}

std::string hashOf(const Environment &Env) {
  return std::get<std::string>(take(Env.observe("IrHash")));
}

TEST(WorkerTest, KeptStatesComeBackInEitherIsolation) {
  for (Isolation Where : {Isolation::InProcess, Isolation::Worker}) {
    auto Env = create(Where, faultySpace());
    take(Env->reset(builtin("crc32")));
    std::string Start = hashOf(*Env);
    testing::check(Env->keep(7));
    take(Env->step(0)); // sroa
    std::string AfterSroa = hashOf(*Env);
    ASSERT_NE(AfterSroa, Start);
    testing::check(Env->keep(8));
    take(Env->stepPipeline("function(instcombine<no-verify-fixpoint>)"));
    ASSERT_NE(hashOf(*Env), AfterSroa);

    testing::check(Env->restore(7));
    EXPECT_EQ(hashOf(*Env), Start);
    EXPECT_TRUE(Env->actionHistory().empty());
    EXPECT_EQ(Env->pipeline(), "");
    testing::check(Env->restore(8));
    EXPECT_EQ(hashOf(*Env), AfterSroa);
    EXPECT_EQ(Env->actionHistory(), std::vector<size_t>{0});
    // A kept state stays kept after a restore: stepping changes the copy.
    take(Env->step(0));
    testing::check(Env->restore(8));
    EXPECT_EQ(hashOf(*Env), AfterSroa);

    Env->forget(8);
    EXPECT_NE(errorOf(Env->restore(8)).find("no state is kept under 8"),
              std::string::npos);
    // A crash ends the episode; in a worker, the kept states go with it.
    EXPECT_TRUE(take(Env->step(1)).Done);
    llvm::Error Restored = Env->restore(7);
    if (Where == Isolation::InProcess) {
      testing::check(std::move(Restored));
      EXPECT_EQ(hashOf(*Env), Start);
      EXPECT_FALSE(take(Env->step(0)).Done);
    } else {
      EXPECT_NE(errorOf(std::move(Restored)).find("gone"), std::string::npos);
    }
  }
}

/// The step ends the episode with an error containing \p Expected; this
/// process is still here, and the environment starts a new episode.
void expectSurvived(Environment &Env, size_t Action,
                    const std::vector<std::string> &Expected) {
  BenchmarkPtr B = builtin("crc32");
  take(Env.reset(B));
  take(Env.step(0));
  StepResult Step = take(Env.step(Action));
  EXPECT_TRUE(Step.Done);
  EXPECT_FALSE(Env.inEpisode());
  EXPECT_EQ(Step.Reward, Env.reward().failurePenalty());
  bool Named = false;
  for (const std::string &Text : Expected)
    Named |= Step.Info.Error.find(Text) != std::string::npos;
  EXPECT_TRUE(Named) << Step.Info.Error;
  EXPECT_NE(Step.Info.Error.find(Env.actions()[Action].Pipeline),
            std::string::npos)
      << Step.Info.Error;
  take(Env.reset(B));
  EXPECT_FALSE(take(Env.step(0)).Done);
}

TEST(WorkerTest, ACrashingPassEndsTheEpisodeInEitherIsolation) {
  auto Space = faultySpace();
  expectSurvived(*create(Isolation::InProcess, Space), 1, {"crashed"});
  expectSurvived(*create(Isolation::Worker, Space), 1, {"crashed"});
}

TEST(WorkerTest, HeapCorruptionKillsOnlyTheWorker) {
  expectSurvived(*create(Isolation::Worker, faultySpace()), 2,
                 {"crashed", "the worker died"});
}

TEST(WorkerTest, WhatAWorkerPrintsBeforeItDiesIsInTheReason) {
  // LLVM prints a fatal error's reason, and glibc a corrupt heap's, on
  // stderr: the episode's error carries it, the terminal does not.
  auto Env = create(Isolation::Worker, faultySpace());
  take(Env->reset(builtin("crc32")));
  StepResult Fatal = take(Env->step(5));
  EXPECT_TRUE(Fatal.Done);
  EXPECT_NE(Fatal.Info.Error.find("faulty-fatal-error gives up here"),
            std::string::npos)
      << Fatal.Info.Error;
  take(Env->reset(builtin("crc32")));
  StepResult Corrupt = take(Env->step(2));
  EXPECT_TRUE(Corrupt.Done);
  EXPECT_NE(Corrupt.Info.Error.find("free()"), std::string::npos)
      << Corrupt.Info.Error;
}

TEST(WorkerTest, APassThatNeverReturnsIsKilledAtTheTimeout) {
  auto Env = create(Isolation::Worker, faultySpace(), "",
                    std::chrono::milliseconds(1500));
  auto Start = std::chrono::steady_clock::now();
  expectSurvived(*Env, 3, {"timed out after 1500 ms"});
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(20));
}

TEST(WorkerTest, InvalidIrEndsTheEpisodeInAWorker) {
  expectSurvived(*create(Isolation::Worker, faultySpace()), 4, {"invalid IR"});
}

TEST(WorkerTest, AMultistepThatKillsTheWorkerEndsAtTheActionThatKilledIt) {
  // The batch runs in one request: when the worker dies, or LLVM fails in
  // it, a new worker replays the episode step by step to find the action.
  auto Env = create(Isolation::Worker, faultySpace(), "",
                    std::chrono::milliseconds(1500));
  for (size_t Failing : {1, 2, 3, 4, 5}) {
    take(Env->reset(builtin("crc32")));
    StepResult Step = take(Env->multistep({0, Failing, 0}));
    const std::string &Pipeline = Env->actions()[Failing].Pipeline;
    EXPECT_TRUE(Step.Done) << Pipeline;
    EXPECT_EQ(Env->actionHistory(), (std::vector<size_t>{0, Failing}));
    EXPECT_NE(Step.Info.Error.find("'" + Pipeline + "'"), std::string::npos)
        << Step.Info.Error;
    EXPECT_EQ(Step.Info.Error.find("function(sroa)"), std::string::npos)
        << Step.Info.Error;
  }
  take(Env->reset(builtin("crc32")));
  EXPECT_FALSE(take(Env->multistep({0, 0})).Done);
}

TEST(WorkerTest, AnUnparsablePipelineIsAnErrorNotTheEnd) {
  auto Space = std::make_shared<ActionSpace>(
      "bad", std::vector<Action>{{"nope", "function(no-such-pass)"}});
  auto Env = create(Isolation::Worker, Space);
  take(Env->reset(builtin("crc32")));
  EXPECT_NE(errorOf(Env->step(0)).find("no-such-pass"), std::string::npos);
  EXPECT_FALSE(Env->done());
  EXPECT_TRUE(Env->inEpisode());
}

} // namespace
} // namespace passgym
