//===- learning/tests/UnchangedBehaviourTest.cpp - Same runs, same numbers ===//
//
// A short PPO and SAC run and their evaluation through the passgym binary
// must give exactly the metrics and evaluation recorded in
// tests/data/unchanged/ (its README says how they were made): a refactoring
// of the learning code must not change what training computes.
//
//===----------------------------------------------------------------------===//
#include "learning/tests/PassgymBinary.h"
#include "support/TempDir.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

namespace passgym::learning {
namespace {

using testing::take;

void run(std::vector<std::string> Args) {
  Outcome R = passgym(std::move(Args));
  ASSERT_EQ(R.ExitCode, 0) << R.Err;
}

std::vector<std::vector<std::string>> csvRows(const std::string &Text) {
  std::vector<std::vector<std::string>> Rows;
  llvm::SmallVector<llvm::StringRef> Lines, Cells;
  llvm::StringRef(Text).split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Line : Lines) {
    Cells.clear();
    Line.split(Cells, ',');
    Rows.emplace_back(Cells.begin(), Cells.end());
  }
  return Rows;
}

/// Every cell equal but those of steps_per_second, which depends on the
/// machine.
void expectSameMetrics(const std::string &Actual, const std::string &Golden) {
  auto A = csvRows(Actual), G = csvRows(Golden);
  ASSERT_EQ(A.size(), G.size()) << Actual;
  ASSERT_FALSE(G.empty());
  ASSERT_EQ(A[0], G[0]) << "header";
  for (size_t Row = 1; Row < G.size(); ++Row) {
    ASSERT_EQ(A[Row].size(), G[0].size()) << Actual;
    for (size_t Column = 0; Column < G[0].size(); ++Column)
      if (G[0][Column] != "steps_per_second")
        EXPECT_EQ(A[Row][Column], G[Row][Column])
            << "row " << Row << ", " << G[0][Column];
  }
}

void expectUnchanged(const std::string &Agent) {
  TempDir Dir = take(TempDir::create("passgym-unchanged"));
  std::string Run = Dir.file(Agent);
  std::string Json = Dir.file("eval-" + Agent + ".json");
  run({"train", "--agent", Agent, "--dataset", "benchmark://builtin-v0/crc32",
       "--steps", "128", "--iteration-steps", "64", "--episode-length", "8",
       "--hidden", "16", "--layers", "2", "--seed", "3", "-o", Run});
  run({"eval", "--policy", Run + "/checkpoint", "--dataset",
       "benchmark://builtin-v0/crc32,benchmark://builtin-v0/qsort",
       "--no-runtime", "--json", Json});
  std::string Golden = std::string(PASSGYM_TEST_DATA_DIR) + "/unchanged/";
  expectSameMetrics(readFile(Run + "/metrics.csv"),
                    readFile(Golden + "train-" + Agent + ".csv"));
  EXPECT_EQ(readFile(Json), readFile(Golden + "eval-" + Agent + ".json"));
}

TEST(UnchangedBehaviour, PpoTrainAndEval) { expectUnchanged("ppo"); }

TEST(UnchangedBehaviour, SacTrainAndEval) { expectUnchanged("sac"); }

} // namespace
} // namespace passgym::learning
