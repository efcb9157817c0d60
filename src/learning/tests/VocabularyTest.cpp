#include "learning/inputs/Vocabulary.h"
#include "learning/inputs/AutophaseNormalizer.h"

#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>

namespace passgym::learning {
namespace {

using testing::check;
using testing::errorOf;
using testing::take;

graph::ProgramGraph graphOf(const std::vector<std::string> &Texts) {
  graph::ProgramGraph G;
  for (const std::string &T : Texts)
    G.addNode(graph::NodeType::Instruction, T, T);
  return G;
}

void writeFile(const std::string &Path, llvm::StringRef Contents) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  ASSERT_FALSE(EC) << EC.message();
  OS << Contents;
}

TEST(VocabularyTest, MostFrequentFirstTiesByText) {
  graph::ProgramGraph A = graphOf({"load", "store", "add", "load", "zext"});
  graph::ProgramGraph B = graphOf({"store", "load", "br", "add"});
  // load 3, store 2, add 2, br 1, zext 1.
  Vocabulary V = Vocabulary::build({&A, &B});
  EXPECT_EQ(V.size(), 6u);
  EXPECT_EQ(V.id("load"), 1);
  EXPECT_EQ(V.id("add"), 2);
  EXPECT_EQ(V.id("store"), 3);
  EXPECT_EQ(V.id("br"), 4);
  EXPECT_EQ(V.id("zext"), 5);
  EXPECT_EQ(V.text(3), "store");
  // The order of the graphs does not matter.
  EXPECT_EQ(Vocabulary::build({&B, &A}), V);
}

TEST(VocabularyTest, UnknownTextsGetIdZero) {
  graph::ProgramGraph A = graphOf({"load", "load", "add"});
  Vocabulary V = Vocabulary::build({&A});
  EXPECT_EQ(Vocabulary::UnknownId, 0);
  EXPECT_EQ(V.id("fdiv"), Vocabulary::UnknownId);
  EXPECT_EQ(V.id(""), Vocabulary::UnknownId);
  EXPECT_NE(V.id("add"), Vocabulary::UnknownId);
  EXPECT_EQ(Vocabulary().size(), 1u);
  EXPECT_EQ(Vocabulary().id("load"), Vocabulary::UnknownId);
}

TEST(VocabularyTest, MaxSizeAndMinCount) {
  graph::ProgramGraph A = graphOf({"a", "a", "a", "b", "b", "c"});
  VocabularyOptions MinTwo;
  MinTwo.MinCount = 2;
  Vocabulary V = Vocabulary::build({&A}, MinTwo);
  EXPECT_EQ(V.size(), 3u);
  EXPECT_EQ(V.id("c"), Vocabulary::UnknownId);
  VocabularyOptions One;
  One.MaxSize = 1;
  Vocabulary W = Vocabulary::build({&A}, One);
  EXPECT_EQ(W.size(), 2u);
  EXPECT_EQ(W.id("a"), 1);
  EXPECT_EQ(W.id("b"), Vocabulary::UnknownId);
}

TEST(VocabularyTest, SaveLoadRoundTrip) {
  graph::ProgramGraph A = graphOf({"i32", "load", "load", "\"quoted\" text"});
  Vocabulary V = Vocabulary::build({&A});
  TempDir Dir = take(TempDir::create("vocabulary-test"));
  std::string Path = Dir.file("vocab.json");
  check(V.save(Path));
  Vocabulary Loaded = take(Vocabulary::load(Path));
  EXPECT_EQ(Loaded, V);
  EXPECT_EQ(Loaded.id("\"quoted\" text"), V.id("\"quoted\" text"));
}

TEST(VocabularyTest, CorruptOrMismatchedFilesAreErrors) {
  TempDir Dir = take(TempDir::create("vocabulary-test"));
  std::string Path = Dir.file("vocab.json");

  writeFile(Path, "{\"format\": \"passgym-vocabulary\", \"vers");
  EXPECT_NE(errorOf(Vocabulary::load(Path)).find("not valid JSON"),
            std::string::npos);

  writeFile(Path, "{\"format\": \"passgym-vocabulary\", \"version\": 99, "
                  "\"texts\": []}");
  EXPECT_NE(errorOf(Vocabulary::load(Path)).find("version 99"),
            std::string::npos);

  writeFile(Path, "{\"format\": \"something-else\", \"version\": 1}");
  EXPECT_NE(errorOf(Vocabulary::load(Path)).find("not a passgym vocabulary"),
            std::string::npos);

  writeFile(Path, "{\"format\": \"passgym-vocabulary\", \"version\": 1, "
                  "\"texts\": [\"a\", \"a\"]}");
  EXPECT_NE(errorOf(Vocabulary::load(Path)).find("appears twice"),
            std::string::npos);

  std::string Missing = Dir.file("missing.json");
  EXPECT_NE(errorOf(Vocabulary::load(Missing)).find("cannot read"),
            std::string::npos);
}

TEST(AutophaseNormalizerTest, StandardizesWithLog1p) {
  // Feature 0 after log1p: 0 and L = log1p(6), so mean L/2 and (population)
  // std L/2. Feature 1 is constant: std falls back to 1.
  std::vector<std::vector<int64_t>> Vectors = {{0, 5}, {6, 5}};
  AutophaseNormalizer N = take(AutophaseNormalizer::fit(Vectors));
  double L = std::log1p(6.0);
  EXPECT_NEAR(N.mean()[0], L / 2, 1e-12);
  EXPECT_NEAR(N.stddev()[0], L / 2, 1e-12);
  EXPECT_EQ(N.stddev()[1], 1.0);
  std::vector<float> Out = N.normalize(std::vector<int64_t>{6, 7});
  EXPECT_NEAR(Out[0], 1.0f, 1e-6);
  EXPECT_NEAR(Out[1], std::log1p(7.0) - std::log1p(5.0), 1e-6);

  AutophaseNormalizerOptions Raw;
  Raw.Log1p = false;
  AutophaseNormalizer R = take(AutophaseNormalizer::fit(Vectors, Raw));
  EXPECT_EQ(R.mean()[0], 3.0);
  EXPECT_EQ(R.stddev()[0], 3.0);

  TempDir Dir = take(TempDir::create("normalizer-test"));
  check(N.save(Dir.file("n.json")));
  AutophaseNormalizer Loaded =
      take(AutophaseNormalizer::load(Dir.file("n.json")));
  EXPECT_TRUE(Loaded.usesLog1p());
  EXPECT_EQ(Loaded.mean(), N.mean());
  EXPECT_EQ(Loaded.stddev(), N.stddev());

  EXPECT_FALSE(errorOf(AutophaseNormalizer::fit({})).empty());
  EXPECT_FALSE(errorOf(AutophaseNormalizer::fromJson("[1]")).empty());
}

} // namespace
} // namespace passgym::learning
