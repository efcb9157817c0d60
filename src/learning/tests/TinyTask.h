//===- learning/tests/TinyTask.h - A task small enough to solve -*- C++ -*-===//
//
// The training loops' tests share one tiny program and action space whose
// optimum is known, and the exact return of the uniformly random policy.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TESTS_TINYTASK_H
#define PASSGYM_LEARNING_TESTS_TINYTASK_H

#include "actions/ActionSpace.h"
#include "datasets/Benchmark.h"
#include "env/Environment.h"
#include "graph/LlvmGraphBuilder.h"
#include "learning/inputs/StateBatch.h"
#include "learning/networks/Networks.h"
#include "learning/training/Checkpoint.h"
#include "observations/Features.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

namespace passgym::learning {

/// A counting loop as clang -O0 writes it: every variable in an alloca.
/// 21 instructions; mem2reg leaves 9, and reg2mem after mem2reg makes 30.
constexpr const char *kLoopIr = R"(
define i32 @sum(i32 %n) {
entry:
  %n.addr = alloca i32
  %s = alloca i32
  %i = alloca i32
  store i32 %n, ptr %n.addr
  store i32 0, ptr %s
  store i32 0, ptr %i
  br label %cond
cond:
  %0 = load i32, ptr %i
  %1 = load i32, ptr %n.addr
  %cmp = icmp slt i32 %0, %1
  br i1 %cmp, label %body, label %end
body:
  %2 = load i32, ptr %i
  %3 = load i32, ptr %s
  %add = add nsw i32 %3, %2
  store i32 %add, ptr %s
  %4 = load i32, ptr %i
  %inc = add nsw i32 %4, 1
  store i32 %inc, ptr %i
  br label %cond
end:
  %5 = load i32, ptr %s
  ret i32 %5
}
)";

inline BenchmarkPtr loopBenchmark() {
  return testing::take(makeBenchmark(
      "file://ppo-loop.ll", llvm::MemoryBuffer::getMemBufferCopy(kLoopIr)));
}

/// One action helps (mem2reg: +12/21 once), two do nothing (or add an LCSSA
/// phi), and one undoes the help with interest (reg2mem after mem2reg).
inline EnvironmentOptions tinyEnvironment() {
  EnvironmentOptions O;
  O.Actions = std::make_shared<const ActionSpace>(
      "ppo-test", std::vector<Action>{{"mem2reg", "function(mem2reg)"},
                                      {"instnamer", "function(instnamer)"},
                                      {"lcssa", "function(lcssa)"},
                                      {"reg2mem", "function(reg2mem)"}});
  O.RewardSpace = "IrInstructionCountNorm";
  return O;
}

/// The vocabulary and Autophase normalizer of \p B's module before and
/// after mem2reg (which adds the phi texts), for states of kind \p Kind.
inline StateEncoding encodingOf(const BenchmarkPtr &B,
                                StateKind Kind = StateKind::Graph) {
  auto Env = testing::take(Environment::create(tinyEnvironment()));
  testing::take(Env->reset(B));
  graph::ProgramGraph Before =
      testing::take(graph::buildProgramGraph(testing::take(Env->module())));
  std::vector<std::vector<int64_t>> Features{
      computeAutophase(testing::take(Env->module()))};
  testing::take(Env->step(0));
  graph::ProgramGraph After =
      testing::take(graph::buildProgramGraph(testing::take(Env->module())));
  Features.push_back(computeAutophase(testing::take(Env->module())));
  StateEncoding Encoding;
  Encoding.Kind = Kind;
  Encoding.Vocab = Vocabulary::build({&Before, &After});
  Encoding.Normalizer = testing::take(AutophaseNormalizer::fit(Features));
  return Encoding;
}

/// The exact mean return of the uniformly random policy over EpisodeLength
/// steps: the mean over all action sequences.
inline double uniformPolicyReturn(const BenchmarkPtr &B,
                                  int64_t EpisodeLength) {
  auto Env = testing::take(Environment::create(tinyEnvironment()));
  const size_t A = Env->actions().size();
  size_t Sequences = 1;
  for (int64_t I = 0; I < EpisodeLength; ++I)
    Sequences *= A;
  double Sum = 0;
  for (size_t S = 0; S < Sequences; ++S) {
    testing::take(Env->reset(B));
    for (size_t Code = S, I = 0; I < static_cast<size_t>(EpisodeLength);
         ++I, Code /= A)
      if (testing::take(Env->step(Code % A)).Done)
        break;
    Sum += Env->episodeReward();
  }
  return Sum / static_cast<double>(Sequences);
}

/// Saves in \p Directory a checkpoint of a policy over the space of
/// \p ActionsFile whose logits are \p Logits in every state.
inline void saveFixedPolicy(const std::string &Directory,
                            const std::string &ActionsFile,
                            const std::vector<float> &Logits,
                            int64_t EpisodeLength) {
  NetworkOptions Net;
  Net.VocabularySize = 2;
  Net.HiddenSize = 4;
  Net.Layers = 1;
  Net.NumActions = static_cast<int64_t>(Logits.size());
  Actor Policy(Net);
  {
    torch::NoGradGuard NoGrad;
    Policy->Head->Output->weight.zero_();
    Policy->Head->Output->bias.copy_(torch::tensor(Logits));
  }
  CheckpointContents C;
  C.Policy = Policy;
  C.Vocab = Vocabulary::fromTexts({"load"});
  C.ActionSpace = identityOf(*testing::take(ActionSpace::load(ActionsFile)));
  C.EpisodeLength = EpisodeLength;
  testing::check(saveCheckpoint(Directory, C));
}

/// Every metric of every iteration equal (NaN equal to NaN) but steps per
/// second, which depends on the machine; \p MetricsT has fields().
template <typename MetricsT>
void expectSameMetrics(const std::vector<MetricsT> &A,
                       const std::vector<MetricsT> &B) {
  ASSERT_EQ(A.size(), B.size());
  for (size_t I = 0; I < A.size(); ++I) {
    SCOPED_TRACE(I);
    auto FA = A[I].fields(), FB = B[I].fields();
    ASSERT_EQ(FA.size(), FB.size());
    for (size_t F = 0; F < FA.size(); ++F) {
      if (FA[F].first == "steps_per_second")
        continue;
      EXPECT_TRUE(FA[F].second == FB[F].second ||
                  (std::isnan(FA[F].second) && std::isnan(FB[F].second)))
          << FA[F].first << ": " << FA[F].second << " vs " << FB[F].second;
    }
  }
}

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TESTS_TINYTASK_H
