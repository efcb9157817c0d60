#include "actions/ActionSpace.h"
#include "actions/PassRunner.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <set>

namespace passgym {
namespace {

using testing::errorOf;
using testing::take;

std::string writeFile(const TempDir &Dir, const std::string &Text) {
  std::string Path = Dir.file("space.txt");
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC);
  Out << Text;
  return Path;
}

TEST(ActionSpaceTest, BuiltinSpaceIsCompilerGymsOrderWithoutTheSevenDropped) {
  const ActionSpace &Space = ActionSpace::builtin();
  EXPECT_EQ(Space.size(), 117u);
  EXPECT_EQ(Space[0].Name, "add-discriminators");
  EXPECT_EQ(Space[Space.size() - 1].Name, "mergereturn");
  std::set<std::string> Names, Pipelines;
  for (const Action &A : Space.actions()) {
    Names.insert(A.Name);
    Pipelines.insert(A.Pipeline);
  }
  EXPECT_EQ(Names.size(), Space.size());
  EXPECT_EQ(Pipelines.size(), Space.size());
  for (const char *Dropped : {"barrier", "constprop", "die", "ipconstprop",
                              "loop-guard-widening", "loop-reroll", "prune-eh"})
    EXPECT_FALSE(Space.find(Dropped)) << Dropped;
}

TEST(ActionSpaceTest, EveryBuiltinPipelineParsesInProcessAndInOpt) {
  const ActionSpace &Space = ActionSpace::builtin();
  std::vector<size_t> All;
  for (size_t I = 0; I < Space.size(); ++I) {
    testing::check(checkPipeline(Space[I].Pipeline));
    All.push_back(I);
  }
  // One opt-19 run checks every pipeline's syntax at once, joined as the
  // environment's commandline() joins them.
  SubprocessOptions Opt;
  Opt.Argv = {"/usr/bin/opt-19", "-passes=" + Space.pipeline(All),
              "-print-pipeline-passes", "-disable-output", "/dev/null"};
  testing::check(runChecked(Opt));
}

TEST(ActionSpaceTest, ReadsAUserSpaceFile) {
  auto Dir = take(TempDir::create("passgym-test"));
  auto Space = take(ActionSpace::fromFile(writeFile(
      Dir,
      "# my space\n\nfunction(sroa)\ncleanup "
      "function(instcombine<no-verify-fixpoint>,simplifycfg)\n  gvn  \n")));
  ASSERT_EQ(Space.size(), 3u);
  EXPECT_EQ(Space[0].Name, "function(sroa)");
  EXPECT_EQ(Space[1].Name, "cleanup");
  EXPECT_EQ(Space[1].Pipeline,
            "function(instcombine<no-verify-fixpoint>,simplifycfg)");
  EXPECT_EQ(Space[2].Pipeline, "gvn");
  EXPECT_EQ(*Space.find("cleanup"), 1u);
}

TEST(ActionSpaceTest, BadSpaceFilesNameTheLineAndTheProblem) {
  auto Dir = take(TempDir::create("passgym-test"));
  std::string Message = errorOf(ActionSpace::fromFile(
      writeFile(Dir, "function(sroa)\n\nno-such-pass\n")));
  EXPECT_NE(Message.find("space.txt:3"), std::string::npos) << Message;
  EXPECT_NE(Message.find("no-such-pass"), std::string::npos) << Message;

  Message = errorOf(ActionSpace::fromFile(writeFile(Dir, "a gvn\na sroa\n")));
  EXPECT_NE(Message.find("duplicate action name 'a'"), std::string::npos);
  Message = errorOf(ActionSpace::fromFile(writeFile(Dir, "a gvn sroa\n")));
  EXPECT_NE(Message.find("space.txt:1"), std::string::npos) << Message;
  Message = errorOf(ActionSpace::fromFile(writeFile(Dir, "# nothing\n")));
  EXPECT_NE(Message.find("no action"), std::string::npos);
  Message = errorOf(ActionSpace::fromFile(Dir.file("missing.txt")));
  EXPECT_NE(Message.find("missing.txt"), std::string::npos);
}

TEST(ActionSpaceTest, ResolvesNamesAndIndicesAndRejectsTheRest) {
  const ActionSpace &Space = ActionSpace::builtin();
  auto Indices = take(Space.resolve({"sroa", "0", "function(adce)"}));
  EXPECT_EQ(Indices, (std::vector<size_t>{*Space.find("sroa"), 0, 1}));
  std::string Message = errorOf(Space.resolve({"sroa", "117"}));
  EXPECT_NE(Message.find("action 117 is out of range"), std::string::npos)
      << Message;
  EXPECT_NE(Message.find("0 to 116"), std::string::npos) << Message;
  Message = errorOf(Space.resolve({"frobnicate"}));
  EXPECT_NE(Message.find("unknown action 'frobnicate'"), std::string::npos);
}

} // namespace
} // namespace passgym
