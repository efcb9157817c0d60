#include "learning/inputs/GraphBatch.h"
#include "learning/networks/Encoders.h"
#include "learning/networks/Networks.h"

#include "datasets/Benchmark.h"
#include "graph/LlvmGraphBuilder.h"
#include "observations/Features.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <gtest/gtest.h>

#include <cmath>

namespace passgym::learning {
namespace {

using testing::take;

void expectClose(const torch::Tensor &Actual, const torch::Tensor &Expected) {
  ASSERT_EQ(Actual.sizes(), Expected.sizes()) << Actual;
  EXPECT_TRUE(torch::allclose(Actual, Expected, /*rtol=*/0, /*atol=*/1e-6))
      << "actual:\n"
      << Actual << "\nexpected:\n"
      << Expected;
}

torch::Tensor rows(std::vector<std::vector<float>> Rows) {
  std::vector<torch::Tensor> Tensors;
  for (auto &R : Rows)
    Tensors.push_back(torch::tensor(R));
  return torch::stack(Tensors);
}

torch::Tensor identity(int64_t N) { return torch::eye(N); }

/// Three instructions a, b, c (ids 1, 2, 3) and two edges into b:
///   a -> b  control, position 0
///   c -> b  data,    position 1
/// so that with backward edges every node receives a message and b receives
/// two.
struct TinyGraph {
  graph::ProgramGraph G;
  Vocabulary Vocab = Vocabulary::fromTexts({"a", "b", "c"});
  GraphBatch Batch;
  TinyGraph() {
    for (const char *T : {"a", "b", "c"})
      G.addNode(graph::NodeType::Instruction, T, T);
    G.addEdge(graph::EdgeFlow::Control, 0, 1, 0);
    G.addEdge(graph::EdgeFlow::Data, 2, 1, 1);
    Batch = makeBatch({&G}, Vocab);
  }
};

EncoderOptions tinyOptions() {
  EncoderOptions O;
  O.VocabularySize = 4;
  O.HiddenSize = 2;
  O.Layers = 1;
  O.MaxPosition = 4;
  return O;
}

/// h0: a = (1, -2), b = (0.5, 1), c = (-1, 3); type embeddings zero (all three
/// are instructions).
void setNodeEmbedding(NodeEmbedding &E) {
  E->Text->weight.copy_(rows({{0, 0}, {1, -2}, {0.5, 1}, {-1, 3}}));
  E->Type->weight.zero_();
}

TEST(GineTest, OneLayerByHand) {
  TinyGraph T;
  GineNetwork Net(tinyOptions());
  {
    torch::NoGradGuard NoGrad;
    setNodeEmbedding(Net->Embedding);
    Net->FlowEmbedding->weight.zero_();
    Net->FlowEmbedding->weight[0].copy_(torch::tensor({0.5f, 0.5f})); // control
    Net->FlowEmbedding->weight[1].copy_(torch::tensor({1.0f, -4.0f})); // data
    Net->FlowEmbedding->weight[4].copy_(
        torch::tensor({-1.0f, 1.0f})); // control, backward
    Net->FlowEmbedding->weight[5].copy_(
        torch::tensor({2.0f, 0.0f})); // data, backward
    Net->PositionEmbedding->weight.zero_();
    Net->PositionEmbedding->weight[1].copy_(torch::tensor({0.0f, 0.25f}));
    GineLayer &L = Net->Layers[0];
    L->Eps.fill_(0.5);
    for (torch::nn::Linear *Lin :
         {&L->Linear1, &L->Linear2, &Net->Readouts[0], &Net->Readouts[1]}) {
      (*Lin)->weight.copy_(identity(2));
      (*Lin)->bias.zero_();
    }
  }
  GraphEncoding Out = Net(T.Batch);
  // Messages ReLU(h_u + e_uv):
  //   a->b (control, pos 0): relu((1,-2) + (0.5,0.5))            = (1.5, 0)
  //   c->b (data, pos 1):    relu((-1,3) + (1,-4) + (0,0.25))    = (0, 0)
  //   b->a (control back):   relu((0.5,1) + (-1,1))              = (0, 2)
  //   b->c (data back, p 1): relu((0.5,1) + (2,0) + (0,0.25))    = (2.5, 1.25)
  // z = 1.5 h + sum of incoming messages, then relu(relu(z)) (identity MLP):
  //   a: (1.5,-3) + (0,2)   = (1.5,-1)  -> (1.5, 0)
  //   b: (0.75,1.5) + (1.5,0) = (2.25, 1.5)
  //   c: (-1.5,4.5) + (2.5,1.25) = (1, 5.75)
  expectClose(Out.Nodes, rows({{1.5, 0}, {2.25, 1.5}, {1, 5.75}}));
  // Jumping knowledge with identity read-outs: mean(h0) + mean(h1)
  //   = (0.5, 2)/3 + (4.75, 7.25)/3.
  expectClose(Out.Graphs, rows({{5.25f / 3, 9.25f / 3}}));
}

TEST(GgnnTest, OneStepByHand) {
  TinyGraph T;
  GgnnNetwork Net(tinyOptions());
  {
    torch::NoGradGuard NoGrad;
    setNodeEmbedding(Net->Embedding);
    // W_t = (t + 1) I, b_t = 0.
    Net->Messages->weight.zero_();
    Net->Messages->bias.zero_();
    for (int64_t Type = 0; Type < kEdgeTypeCount; ++Type)
      Net->Messages->weight.narrow(0, 2 * Type, 2)
          .copy_(identity(2) * (Type + 1));
    // Gates: position 0 -> sigmoid(0) = 0.5; position 1 -> (0.75, 0.25).
    Net->PositionGate->weight.zero_();
    Net->PositionGate->weight[1].copy_(
        torch::tensor({std::log(3.0f), -std::log(3.0f)}));
  }
  torch::Tensor H0 = Net->Embedding(T.Batch);
  torch::Tensor Aggregated = Net->aggregate(H0, withBackwardEdges(T.Batch));
  // Incoming messages:
  //   a: from b, control back (W = 5I), pos 0: 5 (0.5,1) * 0.5 = (1.25, 2.5)
  //   b: from a, control (W = I), pos 0:  (1,-2) * 0.5          = (0.5, -1)
  //      from c, data (W = 2I), pos 1:    (-2,6) * (0.75,0.25)   = (-1.5, 1.5)
  //      mean over b's in-degree 2:                               (-0.5, 0.25)
  //   c: from b, data back (W = 6I), pos 1: (3,6) * (0.75,0.25)  = (2.25, 1.5)
  expectClose(Aggregated, rows({{1.25, 2.5}, {-0.5, 0.25}, {2.25, 1.5}}));

  // The step is a GRU update of h0 by the aggregate; the read-out a mean.
  GraphEncoding Out = Net(T.Batch);
  torch::Tensor Expected = Net->Update(Aggregated, H0);
  expectClose(Out.Nodes, Expected);
  expectClose(Out.Graphs, Expected.mean(0, /*keepdim=*/true));
}

TEST(GgnnTest, NodesWithoutIncomingEdgesGetZeroAggregate) {
  graph::ProgramGraph G;
  G.addNode(graph::NodeType::Instruction, "a", "a");
  G.addNode(graph::NodeType::Instruction, "b", "b");
  GraphBatch B = makeBatch({&G}, Vocabulary::fromTexts({"a", "b"}));
  GgnnNetwork Net(tinyOptions());
  torch::Tensor A = Net->aggregate(Net->Embedding(B), withBackwardEdges(B));
  EXPECT_TRUE(torch::equal(A, torch::zeros({2, 2}))) << A;
}

/// The ProGraML graphs and Autophase vectors of two built-in programs, built
/// once for all tests.
class RealGraphsTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    for (const char *Uri :
         {"benchmark://builtin-v0/crc32", "benchmark://builtin-v0/bitcount"}) {
      BenchmarkPtr B = take(loadBenchmark(Uri));
      llvm::LLVMContext Context;
      std::unique_ptr<llvm::Module> M = take(B->load(Context));
      Graphs.push_back(take(graph::buildProgramGraph(*M)));
      Autophase.push_back(computeAutophase(*M));
    }
  }
  static void TearDownTestSuite() {
    Graphs.clear();
    Autophase.clear();
  }

  struct Inputs {
    Vocabulary Vocab;
    StateBatch States; ///< Graphs and Autophase features of both programs.
  };
  static Inputs inputs() {
    std::vector<const graph::ProgramGraph *> Pointers;
    for (const auto &G : Graphs)
      Pointers.push_back(&G);
    Inputs I;
    I.Vocab = Vocabulary::build(Pointers);
    I.States.Graph = makeBatch(Pointers, I.Vocab);
    I.States.Autophase =
        autophaseTensor(take(AutophaseNormalizer::fit(Autophase)), Autophase);
    I.States.NumStates = 2;
    return I;
  }
  static NetworkOptions options(const Inputs &I, EncoderKind Kind,
                                StateKind State) {
    NetworkOptions O;
    O.State = State;
    O.Encoder = Kind;
    O.VocabularySize = static_cast<int64_t>(I.Vocab.size());
    O.HiddenSize = 16;
    O.Layers = 3;
    O.NumActions = 7;
    return O;
  }

  static std::vector<graph::ProgramGraph> Graphs;
  static std::vector<std::vector<int64_t>> Autophase;
};
std::vector<graph::ProgramGraph> RealGraphsTest::Graphs;
std::vector<std::vector<int64_t>> RealGraphsTest::Autophase;

/// Every parameter of \p Net got a finite, non-zero gradient.
void expectEveryParameterLearns(const torch::nn::Module &Net) {
  for (const auto &P : Net.named_parameters()) {
    SCOPED_TRACE(P.key());
    ASSERT_TRUE(P.value().grad().defined());
    EXPECT_TRUE(torch::isfinite(P.value().grad()).all().item<bool>());
    EXPECT_GT(P.value().grad().abs().sum().item<double>(), 0.0);
  }
}

/// Random weights on the outputs, so that no gradient cancels by symmetry.
torch::Tensor randomlyWeighted(const torch::Tensor &Out) {
  return (Out * torch::randn_like(Out)).sum();
}

TEST_F(RealGraphsTest, ShapesFiniteAndGradients) {
  Inputs I = inputs();
  ASSERT_GT(I.States.Graph.numNodes(), 100);
  ASSERT_GT(I.States.Graph.numEdges(), 100);
  for (EncoderKind Kind : {EncoderKind::Gine, EncoderKind::Ggnn}) {
    for (StateKind State : {StateKind::Graph, StateKind::Autophase,
                            StateKind::GraphAndAutophase}) {
      SCOPED_TRACE(std::string(nameOf(kEncoderNames, Kind)) + " on " +
                   nameOf(kStateKindNames, State));
      torch::manual_seed(1);
      NetworkOptions O = options(I, Kind, State);
      ActorCritic Net(O);
      torch::Tensor Embedding = Net->Policy->Encoder(I.States);
      EXPECT_EQ(Embedding.sizes(),
                (std::vector<int64_t>{
                    2, State == StateKind::GraphAndAutophase ? 32 : 16}));
      // The two programs must not collapse to one embedding.
      EXPECT_FALSE(torch::allclose(Embedding[0], Embedding[1]));
      ActorCriticOutput Out = Net(I.States);
      EXPECT_EQ(Out.Logits.sizes(), (std::vector<int64_t>{2, 7}));
      EXPECT_EQ(Out.Value.sizes(), (std::vector<int64_t>{2}));
      EXPECT_TRUE(torch::isfinite(Out.Logits).all().item<bool>());
      EXPECT_TRUE(torch::isfinite(Out.Value).all().item<bool>());
      (randomlyWeighted(Out.Logits) + randomlyWeighted(Out.Value)).backward();
      expectEveryParameterLearns(*Net);

      Critic Q(O);
      torch::Tensor Values = Q(I.States);
      EXPECT_EQ(Values.sizes(), (std::vector<int64_t>{2, 7}));
      EXPECT_TRUE(torch::isfinite(Values).all().item<bool>());
      randomlyWeighted(Values).backward();
      expectEveryParameterLearns(*Q);
    }
  }
}

TEST_F(RealGraphsTest, SameSeedSameOutputs) {
  Inputs I = inputs();
  for (EncoderKind Kind : {EncoderKind::Gine, EncoderKind::Ggnn}) {
    auto Run = [&](uint64_t Seed) {
      torch::manual_seed(Seed);
      Actor Net(options(I, Kind, StateKind::GraphAndAutophase));
      return Net(I.States);
    };
    torch::Tensor First = Run(3);
    EXPECT_TRUE(torch::equal(First, Run(3)));
    EXPECT_FALSE(torch::equal(First, Run(4)));
  }
}

TEST_F(RealGraphsTest, FusionNeedsAutophase) {
  Inputs I = inputs();
  Actor Net(options(I, EncoderKind::Gine, StateKind::GraphAndAutophase));
  StateBatch GraphsOnly = I.States;
  GraphsOnly.Autophase = torch::Tensor();
  EXPECT_THROW(Net(GraphsOnly), c10::Error);
}

} // namespace
} // namespace passgym::learning
