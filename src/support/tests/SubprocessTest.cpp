#include "support/Subprocess.h"
#include "support/Files.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <csignal>
#include <gtest/gtest.h>

namespace passgym {
namespace {

using testing::take;

TEST(SubprocessTest, CapturesOutputAndExitCode) {
  auto R =
      take(runSubprocess({{"sh", "-c", "echo out; echo err >&2; exit 3"}}));
  EXPECT_EQ(R.StandardOutput, "out\n");
  EXPECT_EQ(R.StandardError, "err\n");
  ASSERT_TRUE(R.ExitCode);
  EXPECT_EQ(*R.ExitCode, 3);
  EXPECT_FALSE(R.succeeded());
}

TEST(SubprocessTest, FeedsStandardInput) {
  SubprocessOptions O{{"cat"}};
  O.StandardInput = std::string(200000, 'x');
  auto R = take(runSubprocess(O));
  EXPECT_EQ(R.StandardOutput.size(), 200000u);
}

TEST(SubprocessTest, ChildThatIgnoresItsInputDoesNotKillTheCaller) {
  SubprocessOptions O{{"true"}};
  O.StandardInput = std::string(1 << 20, 'x');
  auto R = take(runSubprocess(O));
  EXPECT_TRUE(R.succeeded()) << R.describeFailure();
  // SIGPIPE keeps its default disposition for the caller's own output.
  struct sigaction Current;
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &Current), 0);
  EXPECT_EQ(Current.sa_handler, SIG_DFL);
}

TEST(SubprocessTest, TimeoutKillsTheWholeProcessGroup) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Marker = Dir.file("marker");
  // The grandchild would create the marker after 2 s if it survived.
  SubprocessOptions O{
      {"sh", "-c", "(sleep 2; touch " + Marker + ") & sleep 30"}};
  O.Timeout = std::chrono::milliseconds(300);
  auto R = take(runSubprocess(O));
  EXPECT_TRUE(R.TimedOut);
  EXPECT_NE(R.describeFailure().find("timed out"), std::string::npos);
  ::sleep(3);
  EXPECT_FALSE(llvm::sys::fs::exists(Marker));
}

TEST(SubprocessTest, ReportsSignals) {
  auto R = take(runSubprocess({{"sh", "-c", "kill -SEGV $$"}}));
  ASSERT_TRUE(R.Signal);
  EXPECT_EQ(*R.Signal, SIGSEGV);
  EXPECT_NE(R.describeFailure().find("signal 11"), std::string::npos);
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  auto R = runSubprocess({{"/nonexistent/program"}});
  EXPECT_NE(testing::errorOf(std::move(R)).find("/nonexistent/program"),
            std::string::npos);
}

TEST(TempDirTest, RemovedWithItsContents) {
  std::string Path;
  {
    auto Dir = take(TempDir::create("passgym-test"));
    Path = Dir.path();
    testing::check(writeFileAtomically(Dir.file("a"), "hello"));
    EXPECT_TRUE(llvm::sys::fs::exists(Dir.file("a")));
  }
  EXPECT_FALSE(llvm::sys::fs::exists(Path));
}

TEST(TempDirTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string File = Dir.file("out.txt");
  testing::check(writeFileAtomically(File, "first"));
  testing::check(writeFileAtomically(File, "second"));
  auto Buffer = llvm::MemoryBuffer::getFile(File);
  ASSERT_TRUE(Buffer);
  EXPECT_EQ((*Buffer)->getBuffer(), "second");
  std::error_code EC;
  int Entries = 0;
  for (llvm::sys::fs::directory_iterator It(Dir.path(), EC), End;
       It != End && !EC; It.increment(EC))
    ++Entries;
  EXPECT_EQ(Entries, 1);
  EXPECT_TRUE(
      testing::errorOf(writeFileAtomically(Dir.file("no/such/dir/x"), "y"))
          .find("no/such/dir") != std::string::npos);
}

} // namespace
} // namespace passgym
