#include "datasets/DatasetSpec.h"

#include "datasets/Benchmark.h"
#include "support/tests/TestHelpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace passgym {
namespace {

using testing::errorOf;
using testing::take;
using testing::testData;

std::set<std::string> asSet(const std::vector<std::string> &V) {
  return {V.begin(), V.end()};
}

TEST(DatasetSpecTest, BuiltinSplitsPartitionTheSuite) {
  std::vector<std::string> All = take(expandDataset("builtin-v0"));
  std::vector<std::string> Train = take(expandDataset("builtin-v0:train"));
  std::vector<std::string> Test = take(expandDataset("builtin-v0:test"));
  EXPECT_EQ(asSet(All), asSet(take(builtinBenchmarkUris())));
  EXPECT_EQ(Train.size() + Test.size(), All.size());
  EXPECT_EQ(Test.size(), All.size() / 4);
  std::set<std::string> Union = asSet(Train);
  for (const std::string &Uri : Test)
    EXPECT_TRUE(Union.insert(Uri).second) << Uri << " is in both splits";
  EXPECT_EQ(Union, asSet(All));
  // Every fourth name in alphabetical order is held out.
  std::vector<std::string> Sorted = All;
  std::sort(Sorted.begin(), Sorted.end());
  EXPECT_EQ(Test.front(), Sorted[3]);
}

TEST(DatasetSpecTest, SeedRangesListsAndDuplicates) {
  EXPECT_EQ(take(expandDataset("csmith-v0:3-5")),
            (std::vector<std::string>{"generator://csmith-v0/3",
                                      "generator://csmith-v0/4",
                                      "generator://csmith-v0/5"}));
  EXPECT_EQ(
      take(expandDataset("llvm-stress-v0:7-7, prog.c,llvm-stress-v0:7-7")),
      (std::vector<std::string>{"generator://llvm-stress-v0/7", "prog.c"}));
}

TEST(DatasetSpecTest, ManifestWithoutAnEntryNameMeansEveryEntry) {
  std::string Directory = testData("manifest");
  std::vector<std::string> Uris = take(expandDataset("manifest:" + Directory));
  EXPECT_EQ(Uris, (std::vector<std::string>{
                      "manifest:" + Directory + "/manifest.json#sum",
                      "manifest:" + Directory + "/manifest.json#wordfreq"}));
}

TEST(DatasetSpecTest, ErrorsNameTheProblem) {
  auto Contains = [](const std::string &Text, const std::string &Part) {
    return Text.find(Part) != std::string::npos;
  };
  std::string M = errorOf(expandDataset("builtin-v0:validation"));
  EXPECT_TRUE(Contains(M, "unknown split 'builtin-v0:validation'")) << M;
  M = errorOf(expandDataset("csmith-v0:9-2"));
  EXPECT_TRUE(Contains(M, "malformed seed range 'csmith-v0:9-2'")) << M;
  M = errorOf(expandDataset("csmith-v0:x"));
  EXPECT_TRUE(Contains(M, "malformed seed range")) << M;
  M = errorOf(expandDataset(" , "));
  EXPECT_TRUE(Contains(M, "names no benchmarks")) << M;
  M = errorOf(expandDataset("manifest:/no/such/dir"));
  EXPECT_TRUE(Contains(M, "/no/such/dir")) << M;
}

} // namespace
} // namespace passgym
