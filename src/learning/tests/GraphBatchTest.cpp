#include "learning/inputs/GraphBatch.h"
#include "learning/inputs/StateBatch.h"
#include "learning/networks/Encoders.h"

#include <gtest/gtest.h>

namespace passgym::learning {
namespace {

torch::Tensor longs(std::vector<int64_t> Values) {
  return torch::tensor(Values, torch::kInt64);
}

/// Two graphs whose edges are not sorted, so the test also checks that the
/// batch keeps each graph's edge order.
struct TwoGraphs {
  graph::ProgramGraph A, B;
  TwoGraphs() {
    using graph::EdgeFlow;
    using graph::NodeType;
    A.addNode(NodeType::Instruction, "load", "%2 = load i32, ptr %1");
    A.addNode(NodeType::Variable, "var", "ptr %1");
    A.addNode(NodeType::Type, "i32", "i32");
    A.addEdge(EdgeFlow::Data, 1, 0, 0);
    A.addEdge(EdgeFlow::Type, 2, 1, 0);
    B.addNode(NodeType::Instruction, "store", "store i32 0, ptr %p");
    B.addNode(NodeType::Constant, "val", "i32 0");
    B.addEdge(EdgeFlow::Data, 1, 0, 40);
    B.addEdge(EdgeFlow::Control, 0, 0, 1);
  }
};

void expectEqual(const torch::Tensor &Actual, const torch::Tensor &Expected) {
  EXPECT_EQ(Actual.dtype(), torch::kInt64);
  EXPECT_TRUE(torch::equal(Actual, Expected)) << "actual:\n"
                                              << Actual << "\nexpected:\n"
                                              << Expected;
}

TEST(GraphBatchTest, ConcatenatesWithOffsets) {
  TwoGraphs G;
  // "store" and "val" are unknown.
  Vocabulary V = Vocabulary::fromTexts({"load", "var", "i32"});
  GraphBatch B = makeBatch({&G.A, &G.B}, V);
  EXPECT_EQ(B.NumGraphs, 2);
  EXPECT_EQ(B.numNodes(), 5);
  EXPECT_EQ(B.numEdges(), 4);
  expectEqual(B.NodeIds, longs({1, 2, 3, 0, 0}));
  expectEqual(B.NodeTypes, longs({0, 1, 3, 0, 2}));
  expectEqual(B.NodeGraph, longs({0, 0, 0, 1, 1}));
  // B's nodes start at 3.
  expectEqual(
      B.EdgeIndex,
      torch::tensor({1, 2, 4, 3, 0, 1, 3, 3}, torch::kInt64).view({2, 4}));
  expectEqual(B.EdgeFlow, longs({1, 3, 1, 0}));
  // 40 is clamped to the last position, kDefaultMaxPosition - 1.
  expectEqual(B.EdgePosition, longs({0, 0, kDefaultMaxPosition - 1, 1}));

  BatchOptions Small;
  Small.MaxPosition = 2;
  expectEqual(makeBatch({&G.A, &G.B}, V, Small).EdgePosition,
              longs({0, 0, 1, 1}));
}

TEST(GraphBatchTest, ConcatenatingBatchesEqualsBatchingTheGraphs) {
  TwoGraphs G;
  Vocabulary V = Vocabulary::fromTexts({"load", "var", "i32", "store"});
  GraphBatch Whole = makeBatch({&G.A, &G.B, &G.A}, V);
  GraphBatch First = makeBatch({&G.A, &G.B}, V);
  GraphBatch Second = makeBatch({&G.A}, V);
  GraphBatch Joined = concatBatches({&First, &Second});
  EXPECT_EQ(Joined.NumGraphs, 3);
  expectEqual(Joined.NodeIds, Whole.NodeIds);
  expectEqual(Joined.NodeTypes, Whole.NodeTypes);
  expectEqual(Joined.NodeGraph, Whole.NodeGraph);
  expectEqual(Joined.EdgeIndex, Whole.EdgeIndex);
  expectEqual(Joined.EdgeFlow, Whole.EdgeFlow);
  expectEqual(Joined.EdgePosition, Whole.EdgePosition);
  EXPECT_EQ(concatBatches({}).NumGraphs, 0);
}

TEST(GraphBatchTest, EmptyBatchAndEmptyGraph) {
  graph::ProgramGraph Empty;
  GraphBatch B = makeBatch({&Empty}, Vocabulary());
  EXPECT_EQ(B.NumGraphs, 1);
  EXPECT_EQ(B.numNodes(), 0);
  EXPECT_EQ(B.EdgeIndex.sizes(), (std::vector<int64_t>{2, 0}));
}

TEST(GraphBatchTest, BackwardEdgesReverseAndShiftFlow) {
  TwoGraphs G;
  GraphBatch B = makeBatch({&G.A, &G.B}, Vocabulary());
  DirectedEdges E = withBackwardEdges(B);
  expectEqual(E.Source, longs({1, 2, 4, 3, 0, 1, 3, 3}));
  expectEqual(E.Target, longs({0, 1, 3, 3, 1, 2, 4, 3}));
  expectEqual(E.Type, longs({1, 3, 1, 0, 5, 7, 5, 4}));
  expectEqual(E.Position, longs({0, 0, 31, 1, 0, 0, 31, 1}));
}

TEST(GraphBatchTest, AutophaseTensorRows) {
  AutophaseNormalizerOptions Raw;
  Raw.Log1p = false;
  std::vector<std::vector<int64_t>> Vectors = {{1, 10}, {3, 10}};
  auto N = AutophaseNormalizer::fit(Vectors, Raw);
  ASSERT_TRUE(static_cast<bool>(N));
  torch::Tensor T = autophaseTensor(*N, Vectors);
  EXPECT_EQ(T.dtype(), torch::kFloat32);
  EXPECT_TRUE(
      torch::equal(T, torch::tensor({-1.0f, 0.0f, 1.0f, 0.0f}).view({2, 2})))
      << T;
}

} // namespace
} // namespace passgym::learning
