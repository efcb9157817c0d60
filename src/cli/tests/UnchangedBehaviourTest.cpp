//===- cli/tests/UnchangedBehaviourTest.cpp - Same seeds, same answers ----===//
//
// Restructuring must not change what passgym finds: tests/data/unchanged/
// holds `passgym search` reports recorded with the binary from before the
// restructuring (issue #8), and the same commands must print the same report
// today, but for the line of timings. The learning commands have their own
// recordings, checked by the learning tests.
//
//===----------------------------------------------------------------------===//
#include "support/Subprocess.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace passgym {
namespace {

using testing::take;

/// The report without its "search ..." line, which holds wall times.
std::vector<std::string> withoutTimings(const std::string &Report) {
  std::vector<std::string> Lines;
  std::istringstream Stream(Report);
  for (std::string Line; std::getline(Stream, Line);)
    if (Line.rfind("search ", 0) != 0)
      Lines.push_back(Line);
  return Lines;
}

void expectSameSearch(const std::string &Recording,
                      std::vector<std::string> Args) {
  SubprocessOptions Options;
  Options.Argv = {PASSGYM_BINARY, "search"};
  Options.Argv.insert(Options.Argv.end(), Args.begin(), Args.end());
  Options.Timeout = std::chrono::seconds(120);
  SubprocessResult R = take(runSubprocess(Options));
  ASSERT_TRUE(R.succeeded()) << R.describeFailure() << "\n" << R.StandardError;
  auto Expected =
      llvm::MemoryBuffer::getFile(testing::testData("unchanged/" + Recording));
  ASSERT_TRUE(Expected) << Recording;
  std::vector<std::string> Want =
      withoutTimings((*Expected)->getBuffer().str());
  ASSERT_GT(Want.size(), 10u) << "the recording looks truncated";
  EXPECT_EQ(withoutTimings(R.StandardOutput), Want);
}

TEST(UnchangedBehaviour, RandomSearchOnCrc32) {
  expectSameSearch("search-crc32.txt",
                   {"benchmark://builtin-v0/crc32", "--steps", "400", "--time",
                    "0", "--seed", "7"});
}

TEST(UnchangedBehaviour, RandomSearchOnQsortWithShortEpisodes) {
  expectSameSearch("search-qsort.txt",
                   {"benchmark://builtin-v0/qsort", "--steps", "300", "--time",
                    "0", "--seed", "11", "--episode-length", "20"});
}

} // namespace
} // namespace passgym
