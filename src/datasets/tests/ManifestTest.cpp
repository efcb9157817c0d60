#include "datasets/Manifest.h"

#include "actions/PassRunner.h"
#include "costs/Measurement.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::check;
using testing::errorOf;
using testing::take;
using testing::testData;

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

void writeFile(const TempDir &Dir, const std::string &Name,
               const std::string &Text) {
  std::error_code EC;
  llvm::raw_fd_ostream Out(Dir.file(Name), EC);
  ASSERT_FALSE(EC) << EC.message();
  Out << Text;
}

/// A directory with a.c, b.c (programs with a main) and lib.c (without), and
/// a manifest.json holding \p Manifest.
TempDir datasetWith(const std::string &Manifest) {
  auto Dir = take(TempDir::create("passgym-manifest-test"));
  writeFile(Dir, "a.c", "int main(void) { return 0; }\n");
  writeFile(Dir, "b.c", "int main(void) { return 0; }\n");
  writeFile(Dir, "lib.c", "int twice(int x) { return 2 * x; }\n");
  writeFile(Dir, "manifest.json", Manifest);
  return Dir;
}

/// A manifest whose benchmarks[0] is fine and benchmarks[1] is \p Second.
std::string withSecondEntry(const std::string &Second) {
  return R"({"benchmarks": [{"name": "a", "sources": ["a.c"]}, )" + Second +
         "]}";
}

/// readManifest's error for \p Manifest; checks that it names the file.
/// The error of the manifest as a whole or, if it reads, of its first bad
/// entry; a bad entry must leave the others (entry "a") usable.
std::string manifestError(const std::string &Manifest) {
  TempDir Dir = datasetWith(Manifest);
  auto Read = readManifest(Dir.path());
  std::string Message;
  if (!Read) {
    Message = llvm::toString(Read.takeError());
  } else if (Read->Problems.empty()) {
    ADD_FAILURE() << "expected a problem";
  } else {
    Message = Read->Problems.front().Message;
    EXPECT_NE(Read->find("a"), nullptr) << "the good entry was lost";
  }
  EXPECT_TRUE(contains(Message, "manifest '" + Dir.file("manifest.json") + "'"))
      << Message;
  return Message;
}

TEST(ManifestTest, DatasetLoadsRunsAndValidatesAfterO3) {
  Manifest M = take(readManifest(testData("manifest/manifest.json")));
  EXPECT_EQ(M.Name, "manifest-test");
  ASSERT_EQ(M.Entries.size(), 2u);

  const ManifestEntry *Sum = M.find("sum");
  ASSERT_TRUE(Sum);
  auto SumBenchmark = take(loadBenchmark(M.uriOf(*Sum)));
  EXPECT_EQ(SumBenchmark->uri(),
            "manifest:" + testData("manifest/manifest.json") + "#sum");
  ASSERT_TRUE(SumBenchmark->runSpec());
  EXPECT_EQ(SumBenchmark->runSpec()->Timeout, std::chrono::milliseconds(5000));
  ProgramBehaviour SumReference = take(referenceBehaviour(*SumBenchmark));
  // The numbers come from the stdin file, the factor 3 from the arguments.
  EXPECT_EQ(SumReference.StandardOutput, "count: 8\nsum: 603\nmax: 100\n");

  const ManifestEntry *Words = M.find("wordfreq");
  ASSERT_TRUE(Words);
  auto WordsBenchmark = take(loadBenchmark(M.uriOf(*Words)));
  ProgramBehaviour WordsReference = take(referenceBehaviour(*WordsBenchmark));
  EXPECT_EQ(WordsReference.StandardOutput, "words: 28\ndistinct: 13\n");
  ASSERT_EQ(WordsReference.OutputFiles.size(), 1u);
  EXPECT_EQ(WordsReference.OutputFiles[0].first, "counts.txt");
  EXPECT_TRUE(WordsReference.OutputFiles[0].second.starts_with("the 5\n"))
      << WordsReference.OutputFiles[0].second;

  for (const BenchmarkPtr &B : {SumBenchmark, WordsBenchmark}) {
    SCOPED_TRACE(B->uri());
    llvm::LLVMContext Context;
    auto Module = take(B->load(Context));
    take(runPipeline(*Module, "default<O3>"));
    check(validateModule(*Module, *B));
  }
  // Both sources of wordfreq were linked into one module.
  llvm::LLVMContext Context;
  auto Linked = take(WordsBenchmark->load(Context));
  for (const char *Function : {"main", "add_word", "sort_counts"}) {
    llvm::Function *F = Linked->getFunction(Function);
    EXPECT_TRUE(F && !F->isDeclaration()) << Function;
  }
}

TEST(ManifestTest, UrisNameTheManifestFileOrItsDirectory) {
  std::string Directory = testData("manifest");
  auto B = take(loadBenchmark("manifest:" + Directory + "#sum"));
  EXPECT_EQ(B->uri(), "manifest:" + Directory + "/manifest.json#sum");

  std::string Message =
      errorOf(loadBenchmark("manifest:" + Directory + "#nope"));
  EXPECT_TRUE(contains(Message, "unknown benchmark 'nope'")) << Message;
  EXPECT_TRUE(contains(Message, "it has: sum, wordfreq")) << Message;

  Message = errorOf(loadBenchmark("manifest:" + Directory));
  EXPECT_TRUE(contains(Message, "expected manifest:PATH#NAME")) << Message;

  Message = errorOf(loadBenchmark("manifest:/no/such/dir#x"));
  EXPECT_TRUE(contains(Message, "no such manifest: '/no/such/dir'")) << Message;
}

TEST(ManifestTest, RunnableDefaultsToDefiningMain) {
  TempDir Dir = datasetWith(R"({"benchmarks": [
    {"name": "program", "sources": ["a.c"]},
    {"name": "library", "sources": ["lib.c"]},
    {"name": "quiet", "sources": ["a.c"], "runnable": false},
    {"name": "wrong", "sources": ["lib.c"], "runnable": true},
    {"name": "twice", "sources": ["a.c", "b.c"]}
  ]})");
  Manifest M = take(readManifest(Dir.file("manifest.json")));
  EXPECT_TRUE(take(loadManifestEntry(M, *M.find("program")))->runSpec());
  EXPECT_FALSE(take(loadManifestEntry(M, *M.find("library")))->runSpec());
  EXPECT_FALSE(take(loadManifestEntry(M, *M.find("quiet")))->runSpec());

  std::string Message = errorOf(loadManifestEntry(M, *M.find("wrong")));
  EXPECT_TRUE(contains(Message, "#wrong")) << Message;
  EXPECT_TRUE(contains(Message, "marked runnable")) << Message;
  EXPECT_TRUE(contains(Message, "no main function")) << Message;

  Message = errorOf(loadManifestEntry(M, *M.find("twice")));
  EXPECT_TRUE(contains(Message, "#twice")) << Message;
  EXPECT_TRUE(contains(Message, "cannot link")) << Message;
  EXPECT_TRUE(contains(Message, "main")) << Message;
}

TEST(ManifestTest, CompileErrorsNameTheBenchmarkAndSource) {
  TempDir Dir = datasetWith(
      R"({"benchmarks": [{"name": "broken", "sources": ["bad.c"]}]})");
  writeFile(Dir, "bad.c", "int main( {\n");
  Manifest M = take(readManifest(Dir.path()));
  std::string Message = errorOf(loadManifestEntry(M, M.Entries[0]));
  EXPECT_TRUE(contains(Message, "#broken")) << Message;
  EXPECT_TRUE(contains(Message, "cannot compile")) << Message;
  EXPECT_TRUE(contains(Message, "bad.c")) << Message;
}

TEST(ManifestTest, UnknownFieldIsAnError) {
  std::string Message = manifestError(
      withSecondEntry(R"({"name": "b", "sources": ["b.c"], "srcs": []})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('b')")) << Message;
  EXPECT_TRUE(contains(Message, "unknown field 'srcs'")) << Message;

  Message = manifestError(R"({"benchmarks": [], "dataset": "x"})");
  EXPECT_TRUE(contains(Message, "unknown top-level field 'dataset'"))
      << Message;
}

TEST(ManifestTest, WrongTypeIsAnError) {
  std::string Message = manifestError(
      withSecondEntry(R"({"name": "b", "sources": ["b.c"], "args": "-n 3"})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('b')")) << Message;
  EXPECT_TRUE(
      contains(Message, "'args' must be an array of strings, not string"))
      << Message;

  Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "args": ["-n", 3]})"));
  EXPECT_TRUE(contains(Message, "'args[1]' must be a string, not number"))
      << Message;

  Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "timeout_ms": "5s"})"));
  EXPECT_TRUE(contains(Message, "'timeout_ms' must be a whole number"))
      << Message;

  Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "main_repeat": 0})"));
  EXPECT_TRUE(contains(Message, "'main_repeat' must be from 1 to 1000000"))
      << Message;

  Message = manifestError(
      withSecondEntry(R"({"name": "b", "sources": ["b.c"], "main_repeat": 3,)"
                      R"( "main_repeat_ms": 20})"));
  EXPECT_TRUE(contains(Message, "'main_repeat' and 'main_repeat_ms' exclude "
                                "each other"))
      << Message;

  // Without a usable name the entry is identified by its index alone.
  Message =
      manifestError(withSecondEntry(R"({"name": 7, "sources": ["b.c"]})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] (unnamed)")) << Message;
  EXPECT_TRUE(contains(Message, "'name' must be a string, not number"))
      << Message;

  Message = manifestError(R"({"benchmarks": {"a": {}}})");
  EXPECT_TRUE(contains(Message, "'benchmarks' must be an array, not object"))
      << Message;
}

TEST(ManifestTest, MissingSourcesAreAnError) {
  std::string Message = manifestError(withSecondEntry(R"({"name": "b"})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('b')")) << Message;
  EXPECT_TRUE(contains(Message, "missing 'sources'")) << Message;

  Message = manifestError(
      withSecondEntry(R"({"name": "b", "sources": ["b.c", "nope.c"]})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('b')")) << Message;
  EXPECT_TRUE(contains(Message, "source file 'nope.c' does not exist"))
      << Message;

  Message = manifestError(withSecondEntry(R"({"name": "b", "sources": []})"));
  EXPECT_TRUE(contains(Message, "'sources' is empty")) << Message;
}

TEST(ManifestTest, MissingInputFileIsAnError) {
  std::string Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "input_files": ["data/in.txt"]})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('b')")) << Message;
  EXPECT_TRUE(contains(Message, "input file 'data/in.txt' does not exist"))
      << Message;

  Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "stdin": "in.txt"})"));
  EXPECT_TRUE(contains(Message, "stdin file 'in.txt' does not exist"))
      << Message;
}

TEST(ManifestTest, DuplicateNameIsAnError) {
  std::string Message =
      manifestError(withSecondEntry(R"({"name": "a", "sources": ["b.c"]})"));
  EXPECT_TRUE(contains(Message, "benchmarks[1] ('a')")) << Message;
  EXPECT_TRUE(
      contains(Message, "duplicate name, already used by benchmarks[0]"))
      << Message;
}

TEST(ManifestTest, InvalidJsonIsAnErrorWithLineAndColumn) {
  std::string Message =
      manifestError("{\n  \"benchmarks\": [\n    {\"name\": "
                    "\"a\",, \"sources\": [\"a.c\"]}\n  ]\n}\n");
  EXPECT_TRUE(contains(Message, "invalid JSON at line 3, column 18"))
      << Message;
}

TEST(ManifestTest, OtherProblemsAreErrors) {
  std::string Message =
      manifestError(withSecondEntry(R"({"name": "b c", "sources": ["b.c"]})"));
  EXPECT_TRUE(contains(Message, "invalid name 'b c'")) << Message;

  Message = manifestError(withSecondEntry(
      R"({"name": "b", "sources": ["b.c"], "output_files": ["../out"]})"));
  EXPECT_TRUE(contains(Message, "output file '../out' must be a relative path"))
      << Message;

  Message = manifestError(
      withSecondEntry(R"({"name": "b", "sources": ["manifest.json"]})"));
  EXPECT_TRUE(contains(Message, "unsupported type '.json'")) << Message;

  Message = manifestError("[]");
  EXPECT_TRUE(contains(Message, "expected an object with a 'benchmarks' array"))
      << Message;

  Message = errorOf(readManifest("/no/such/manifest.json"));
  EXPECT_TRUE(contains(Message, "no such manifest: '/no/such/manifest.json'"))
      << Message;
}

TEST(ManifestTest, InputDirectoriesEnvironmentAndStdoutSettings) {
  std::string File = testData("manifest-features/manifest.json");
  auto Reference = [&](const std::string &Name) {
    return referenceBehaviour(
        *take(loadBenchmark("manifest:" + File + "#" + Name)));
  };
  EXPECT_EQ(take(Reference("reads_dir")).StandardOutput, "alpha\nbeta\n");
  EXPECT_EQ(take(Reference("greets")).StandardOutput,
            "hello from the manifest\n");
  ProgramBehaviour FourTimes = take(Reference("greets_four_times"));
  EXPECT_EQ(FourTimes.StandardOutput, "hi\n");
  EXPECT_EQ(FourTimes.Calls, 4);
  // Its stdout differs from run to run; only its output file is compared.
  BenchmarkPtr Timed = take(loadBenchmark("manifest:" + File + "#timed"));
  take(referenceBehaviour(*Timed));
  llvm::LLVMContext Context;
  check(validateModule(*take(Timed->load(Context)), *Timed));
}

TEST(ManifestTest, AFailingReferenceRunSaysHowItEnded) {
  std::string File = testData("manifest-features/manifest.json");
  std::string Message = errorOf(referenceBehaviour(
      *take(loadBenchmark("manifest:" + File + "#exits3"))));
  EXPECT_TRUE(contains(Message, "exit code 3 (expected 0)")) << Message;
  EXPECT_TRUE(contains(Message, "usage: exits3 FILE")) << Message;
  EXPECT_EQ(take(referenceBehaviour(*take(loadBenchmark(
                     "manifest:" + File + "#exits3_expected"))))
                .ExitCode,
            3);
}

TEST(ManifestTest, ABadEntryLeavesTheOthersUsable) {
  std::string File = testData("manifest-features/manifest.json");
  Manifest M = take(readManifest(File));
  EXPECT_EQ(M.Entries.size(), 6u);
  ASSERT_EQ(M.Problems.size(), 1u);
  EXPECT_EQ(M.Problems[0].Name, "broken");
  EXPECT_TRUE(contains(M.Problems[0].Message, "no_such_file.c"));
  std::string Message =
      errorOf(loadBenchmark("manifest:" + File + "#broken"));
  EXPECT_TRUE(contains(Message, "benchmarks[6] ('broken')")) << Message;
  take(loadBenchmark("manifest:" + File + "#greets"));
}

} // namespace
} // namespace passgym
