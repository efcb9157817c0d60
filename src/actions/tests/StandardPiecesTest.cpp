// The built-in spaces of pieces of LLVM's -O3 and -Oz pipelines: what they
// are made of, and that applying all of them in order is the standard
// pipeline, compared with opt-19's own `default<O3>` / `default<Oz>`.
#include "actions/ActionSpace.h"
#include "actions/PassRunner.h"
#include "actions/StandardPieces.h"
#include "env/Environment.h"
#include "support/ModuleHash.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"
#include "support/tests/ThroughOpt.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <set>

namespace passgym {
namespace {

using testing::builtin;
using testing::errorOf;
using testing::take;
using testing::throughBitcode;
using testing::throughOpt;

constexpr const char *kLevels[] = {"O3", "Oz"};

const ActionSpace &piecesOf(const std::string &Level) {
  return take(ActionSpace::builtin(Level + "-pieces"));
}

std::vector<size_t> everyAction(const ActionSpace &Space) {
  std::vector<size_t> All;
  for (size_t I = 0; I < Space.size(); ++I)
    All.push_back(I);
  return All;
}

TEST(StandardPiecesTest, BuiltinNamesSelectTheSpaces) {
  for (const char *Path : {"", "builtin:", "builtin:passes"})
    EXPECT_EQ(take(ActionSpace::load(Path)).get(), &ActionSpace::builtin())
        << Path;
  EXPECT_EQ(ActionSpace::builtinNames(),
            (std::vector<std::string>{"passes", "O3-pieces", "Oz-pieces"}));
  for (const std::string Level : kLevels) {
    auto Space = take(ActionSpace::load("builtin:" + Level + "-pieces"));
    EXPECT_EQ(Space->name(), "builtin:" + Level + "-pieces");
    EXPECT_EQ(Space.get(), &piecesOf(Level));
    ASSERT_EQ(Space->size(), 13u);
    EXPECT_EQ((*Space)[0].Name, "module-setup");
    EXPECT_EQ((*Space)[Space->size() - 1].Name, "module-cleanup");
    std::set<std::string> Names;
    for (const Action &A : Space->actions())
      Names.insert(A.Name);
    EXPECT_EQ(Names.size(), Space->size());
  }
  std::string Message = errorOf(ActionSpace::load("builtin:O4-pieces"));
  EXPECT_NE(Message.find("unknown built-in action space 'builtin:O4-pieces'"),
            std::string::npos)
      << Message;
  EXPECT_NE(Message.find("builtin:Oz-pieces"), std::string::npos) << Message;
}

TEST(StandardPiecesTest, EveryPieceParsesAndOptParsesAllButPassgymsInliner) {
  for (const std::string Level : kLevels) {
    const ActionSpace &Space = piecesOf(Level);
    std::vector<std::string> ForOpt;
    for (const Action &A : Space.actions()) {
      testing::check(checkPipeline(A.Pipeline));
      if (A.Pipeline != "inliner-pipeline<O3>")
        ForOpt.push_back(A.Pipeline);
    }
    EXPECT_EQ(ForOpt.size(), Space.size() - (Level == "O3" ? 1 : 0));
    SubprocessOptions Opt;
    Opt.Argv = {"/usr/bin/opt-19", "-passes=" + llvm::join(ForOpt, ","),
                "-print-pipeline-passes", "-disable-output", "/dev/null"};
    testing::check(runChecked(Opt));
  }
}

TEST(StandardPiecesTest, PiecesJoinedAreTheStandardPipelineAsPrinted) {
  llvm::LLVMContext Context;
  auto M = take(builtin("qsort")->load(Context));
  for (const std::string Level : kLevels) {
    const ActionSpace &Space = piecesOf(Level);
    std::string Joined =
        take(expandPipeline(*M, Space.pipeline(everyAction(Space))));
    // The optimizer's function pipeline is cut into four pieces
    // (StandardPieces.def); joined back, the cuts disappear.
    size_t Cuts = 0;
    for (size_t At; (At = Joined.find("),function<eager-inv>(")) !=
                    std::string::npos;
         ++Cuts)
      Joined.replace(At, 22, ",");
    EXPECT_EQ(Cuts, 3u);
    EXPECT_EQ(Joined, take(expandPipeline(*M, "default<" + Level + ">")));
  }
}

TEST(StandardPiecesTest, InlinerPipelineIsTheStandardInlinerNotItsPrintedText) {
  auto Run = [](const BenchmarkPtr &B, const std::string &Pipeline) {
    llvm::LLVMContext Context;
    auto M = take(B->load(Context));
    take(runPipeline(*M, Pipeline));
    return irHash(*M);
  };
  for (const std::string Name : {"qsort", "sha256", "spellcheck"}) {
    BenchmarkPtr B = builtin(Name);
    // LLVM's own name for -Oz's inliner pipeline, which opt-19 parses too.
    EXPECT_EQ(Run(B, "inliner-pipeline<Oz>"), Run(B, "scc-oz-module-inliner"))
        << Name;
    // -Oz's threshold given as a parameter is -Oz's inliner.
    EXPECT_EQ(Run(B, "inliner-pipeline<Oz;threshold=5>"),
              Run(B, "scc-oz-module-inliner"))
        << Name;
  }
  // -1 is the tuning option's "the level's own", not a threshold.
  EXPECT_NE(errorOf(checkPipeline("inliner-pipeline<Oz;threshold=-1>"))
                .find("inliner-pipeline"),
            std::string::npos);
  testing::check(checkPipeline("inliner-pipeline<Oz;threshold=-2>"));
  // -O3's, printed and parsed back, inlines with the default threshold: on
  // sha256 that is a different module.
  BenchmarkPtr B = builtin("sha256");
  llvm::LLVMContext Context;
  std::string Printed =
      take(expandPipeline(*take(B->load(Context)), "inliner-pipeline<O3>"));
  EXPECT_NE(Run(B, "inliner-pipeline<O3>"), Run(B, Printed));
  EXPECT_TRUE(llvm::StringRef(Printed).starts_with("require<globals-aa>"))
      << Printed;
}

TEST(StandardPiecesTest, AllPiecesInOrderAreOptsStandardPipelineOnEveryBuiltin) {
  auto Dir = take(TempDir::create("passgym-test"));
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    for (const std::string Level : kLevels) {
      EnvironmentOptions Options;
      Options.Actions = take(ActionSpace::load("builtin:" + Level + "-pieces"));
      Options.RewardSpace = "IrInstructionCount";
      auto Env = take(Environment::create(Options));
      take(Env->reset(B));
      for (size_t Action = 0; Action < Env->actions().size(); ++Action) {
        StepResult Step = take(Env->step(Action));
        ASSERT_FALSE(Step.Done) << Name << ": " << Step.Info.Error;
      }
      llvm::LLVMContext PiecesContext, OptContext;
      auto Pieces = throughBitcode(take(Env->module()), PiecesContext);
      auto FromOpt = throughOpt(*B, "default<" + Level + ">", Dir, OptContext);
      EXPECT_EQ(irHash(*FromOpt), irHash(*Pieces)) << Name << " " << Level;
      EXPECT_EQ(FromOpt->getInstructionCount(), Pieces->getInstructionCount())
          << Name << " " << Level;
    }
  }
}

TEST(StandardPiecesTest, PiecesNeedNoAnalysesKeptFromEarlierPieces) {
  // Searches fork between steps, and a fork starts with no analyses kept:
  // here every piece runs with a runner, and analyses, of its own.
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    for (const std::string Level : kLevels) {
      const ActionSpace &Space = piecesOf(Level);
      // Contexts of their own: in one, the second module's struct types
      // would be renamed apart from the first's.
      llvm::LLVMContext WholeContext, FreshContext;
      auto Whole = take(B->load(WholeContext));
      take(runPipeline(*Whole, "default<" + Level + ">"));
      auto Fresh = take(B->load(FreshContext));
      for (const Action &Piece : Space.actions())
        take(runPipeline(*Fresh, Piece.Pipeline));
      EXPECT_EQ(irHash(*Whole), irHash(*Fresh))
          << Name << " " << Level;
    }
  }
}

} // namespace
} // namespace passgym
