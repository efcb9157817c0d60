#include "optimize/Optimize.h"

#include "optimize/Pipeline.h"
#include "optimize/Remeasure.h"
#include "optimize/Strategy.h"
#include "actions/PassRunner.h"
#include "actions/StandardPieces.h"
#include "support/ModuleHash.h"
#include "support/Files.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"
#include "support/tests/ThroughOpt.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

namespace passgym {
namespace {

using testing::builtin;
using testing::check;
using testing::take;

TEST(PipelineTest, SplitKeepsNestedListsWhole) {
  EXPECT_EQ(splitPipeline("a,f<x;y>(b,c(d)),e"),
            (std::vector<std::string>{"a", "f<x;y>(b,c(d))", "e"}));
  EXPECT_TRUE(splitPipeline("").empty());
}

TEST(PipelineTest, EditsChangeThePipelineAndKeepItParseable) {
  std::mt19937_64 Random(3);
  Candidate O3 = splitPipeline(
      "function<eager-inv>(mem2reg,simplifycfg<bonus-inst-threshold=1;"
      "no-forward-switch-cond>),cgscc(devirt<4>(inline,function(sroa<"
      "modify-cfg>,loop-unroll<O3>))),globaldce");
  EditSpace Space{{"function(adce)"}};
  size_t Parsed = 0;
  for (int I = 0; I < 200; ++I) {
    Candidate Edited = editPipeline(O3, Space, Random);
    EXPECT_NE(Edited, O3);
    // Edits may change parameters to values LLVM refuses, but most parse.
    if (llvm::Error E = checkPipeline(pipelineText(Edited)))
      llvm::consumeError(std::move(E));
    else
      ++Parsed;
  }
  EXPECT_GT(Parsed, 150u);
}

TEST(PipelineTest, ThresholdEditsCanChangeTheirSign) {
  std::mt19937_64 Random(5);
  const Candidate Inliner = {"inliner-pipeline<Oz;threshold=5>"};
  std::set<std::string> Seen;
  for (int I = 0; I < 200; ++I)
    Seen.insert(pipelineText(editPipeline(Inliner, EditSpace{}, Random)));
  EXPECT_TRUE(Seen.count("inliner-pipeline<Oz;threshold=-5>"));
  EXPECT_TRUE(Seen.count("inliner-pipeline<Oz;threshold=10>"));
  // Other numbers only scale.
  const Candidate Unroll = {"function(instcombine<max-iterations=2>)"};
  for (int I = 0; I < 50; ++I)
    EXPECT_EQ(pipelineText(editPipeline(Unroll, EditSpace{}, Random))
                  .find("=-"),
              std::string::npos);
}

TEST(PipelineTest, OptRunsTheOzInlinerWithAThresholdAsPassgymDoes) {
  auto Dir = take(TempDir::create("passgym-test"));
  OptCommand Own = take(optCommand(ozPiecesWithInlinerThreshold(5)));
  EXPECT_TRUE(Own.Options.empty());
  EXPECT_NE(Own.Passes.find(",scc-oz-module-inliner,"), std::string::npos);
  const Candidate Low = ozPiecesWithInlinerThreshold(-10);
  OptCommand Command = take(optCommand(Low));
  EXPECT_EQ(Command.Options,
            (std::vector<std::string>{"-inline-threshold=-10",
                                      "-inlinecold-threshold=45"}));
  EXPECT_EQ(Command.Passes, Own.Passes);
  size_t Different = 0;
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    auto InProcess = [&](const Candidate &C) {
      llvm::LLVMContext Context, Copied;
      auto M = take(B->load(Context));
      take(runPipeline(*M, pipelineText(C)));
      return irHash(*testing::throughBitcode(*M, Copied));
    };
    auto ThroughOpt = [&](const OptCommand &Command) {
      llvm::LLVMContext Context;
      return irHash(*testing::throughOpt(*B, Command.Passes, Dir, Context,
                                         Command.Options));
    };
    std::string LowHash = InProcess(Low);
    EXPECT_EQ(LowHash, ThroughOpt(Command)) << Name;
    std::string OwnHash = InProcess(ozPiecesWithInlinerThreshold(5));
    EXPECT_EQ(OwnHash, ThroughOpt(Own)) << Name;
    Different += LowHash != OwnHash;
  }
  // The threshold is not ignored: it changes most programs.
  EXPECT_GT(Different, 10u);
}

TEST(PipelineTest, OptCommandRefusesWhatOneOptionCannotExpress) {
  auto ErrorOf = [](const Candidate &C) {
    return testing::errorOf(optCommand(C));
  };
  const std::string Low = "inliner-pipeline<Oz;threshold=-10>";
  EXPECT_NE(ErrorOf({Low, "inliner-pipeline<Oz;threshold=-20>"})
                .find("thresholds -10 and -20"),
            std::string::npos);
  EXPECT_NE(ErrorOf({Low, "cgscc(inline)"}).find("change 'inline'"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"scc-oz-module-inliner", Low})
                .find("change 'scc-oz-module-inliner'"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"inliner-pipeline<Oz;threshold=10>"})
                .find("-inline-threshold=10"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"inliner-pipeline<O3>"}).find("no pass"),
            std::string::npos);
  // Inliners that read no threshold may stay; -Oz's own threshold needs no
  // option, whatever else inlines.
  OptCommand Command = take(optCommand({"always-inline", Low, "globaldce"}));
  EXPECT_EQ(Command.Passes, "always-inline,scc-oz-module-inliner,globaldce");
  EXPECT_EQ(Command.text(), "opt-19 -inline-threshold=-10 "
                            "-inlinecold-threshold=45 -passes='always-inline,"
                            "scc-oz-module-inliner,globaldce'");
  EXPECT_TRUE(take(optCommand({"inliner-pipeline<Oz;threshold=5>",
                               "cgscc(inline)"}))
                  .Options.empty());
  // -Oz's inliner without a threshold is -Oz's own, as with threshold 5.
  EXPECT_TRUE(take(optCommand({"inliner-pipeline<Oz>", "cgscc(inline)"}))
                  .Options.empty());
}

TEST(PipelineTest, OptRunsTheO3InlinerWithAThresholdAsPassgymDoes) {
  auto Dir = take(TempDir::create("passgym-test"));
  const int Plain = plainInlineThreshold();
  size_t Different = 0;
  for (const std::string &Name : take(builtinBenchmarkNames())) {
    BenchmarkPtr B = builtin(Name);
    llvm::LLVMContext Context;
    const Candidate Printed =
        splitPipeline(take(expandPipeline(*take(B->load(Context)),
                                          "default<O3>")));
    auto InProcess = [&](const Candidate &C) {
      llvm::LLVMContext Context, Copied;
      auto M = take(B->load(Context));
      take(runPipeline(*M, pipelineText(C)));
      return irHash(*testing::throughBitcode(*M, Copied));
    };
    auto ThroughOpt = [&](const Candidate &C) {
      OptCommand Command = take(optCommand(C));
      llvm::LLVMContext Context;
      return irHash(*testing::throughOpt(*B, Command.Passes, Dir, Context,
                                         Command.Options));
    };
    const Candidate Own = withInlineThreshold(Printed, Plain);
    ASSERT_NE(Own, Printed);
    std::string OwnHash = InProcess(Own);
    EXPECT_EQ(OwnHash, InProcess(Printed)) << Name;
    EXPECT_EQ(OwnHash, ThroughOpt(Own)) << Name;
    const Candidate Generous = withInlineThreshold(Own, 1800);
    std::string GenerousHash = InProcess(Generous);
    EXPECT_EQ(GenerousHash, ThroughOpt(Generous)) << Name;
    Different += GenerousHash != OwnHash;
  }
  // The threshold is not ignored.
  EXPECT_GT(Different, 5u);
}

TEST(PipelineTest, PrintedInlinersLetOptRunTheO3PiecesAsPassgymDoes) {
  // builtin:O3-pieces' inliner has no opt-19 pass; spelled as LLVM prints
  // it, a sequence of pieces is one opt-19 command that gives what passgym
  // gives, at the plain threshold and at one of its own.
  auto Dir = take(TempDir::create("passgym-test"));
  for (const char *Name : {"qsort", "sha256"}) {
    BenchmarkPtr B = builtin(Name);
    llvm::LLVMContext Context;
    auto M = take(B->load(Context));
    PipelinePrinter Print = [&](llvm::StringRef Text) {
      return expandPipeline(*M, Text);
    };
    for (const char *Inliner :
         {"inliner-pipeline<O3>", "inliner-pipeline<O3;threshold=1800>"}) {
      const Candidate Pieces = {"function(sroa)", Inliner,
                                "function(instcombine<no-verify-fixpoint>)",
                                Inliner};
      EXPECT_FALSE(static_cast<bool>(optCommand(Pieces)));
      llvm::consumeError(optCommand(Pieces).takeError());
      Candidate Spelled = take(withPrintedInliners(Pieces, Print));
      EXPECT_EQ(Spelled.front(), "function(sroa)");
      EXPECT_FALSE(llvm::is_contained(Spelled, Inliner));
      OptCommand Command = take(optCommand(Spelled));
      EXPECT_EQ(Command.Options.empty(),
                llvm::StringRef(Inliner).find("1800") == llvm::StringRef::npos)
          << Inliner;
      llvm::LLVMContext InProcessContext, Copied, OptContext;
      auto InProcess = take(B->load(InProcessContext));
      take(runPipeline(*InProcess, pipelineText(Spelled)));
      EXPECT_EQ(irHash(*testing::throughBitcode(*InProcess, Copied)),
                irHash(*testing::throughOpt(*B, Command.Passes, Dir, OptContext,
                                            Command.Options)))
          << Name << " " << Inliner;
    }
    // -Oz's inliner is opt-19's already (optCommand translates it).
    EXPECT_EQ(take(withPrintedInliners({"inliner-pipeline<Oz>"}, Print)),
              Candidate{"inliner-pipeline<Oz>"});
  }
}

TEST(PipelineTest, InlineParamsNeedsTheOptionOnlyForAThresholdOfItsOwn) {
  const std::string Walk = "cgscc(devirt<4>(inline,function(sroa<modify-cfg>)))";
  const Candidate Own = withInlineThreshold({"globalopt", Walk, "globaldce"},
                                            plainInlineThreshold());
  EXPECT_EQ(Own[1], "inline-params<threshold=" +
                        std::to_string(plainInlineThreshold()) + ">(" + Walk +
                        ")");
  OptCommand Plain = take(optCommand(Own));
  EXPECT_TRUE(Plain.Options.empty());
  EXPECT_EQ(Plain.Passes, "globalopt," + Walk + ",globaldce");
  // Wrapping again changes the threshold, not the nesting.
  const Candidate Generous = withInlineThreshold(Own, 900);
  EXPECT_EQ(Generous[1], "inline-params<threshold=900>(" + Walk + ")");
  OptCommand Command = take(optCommand(Generous));
  EXPECT_EQ(Command.text(), "opt-19 -inline-threshold=900 "
                            "-inlinecold-threshold=45 -passes='globalopt," +
                                Walk + ",globaldce'");
  // LLVM's parser takes it, also alone (one element is one step), and
  // refuses it malformed.
  check(checkPipeline(pipelineText(Generous)));
  check(checkPipeline(Generous[1]));
  check(checkPipeline(Own[1]));
  for (const char *Bad : {"inline-params<threshold=x>(cgscc(inline))",
                          "inline-params<900>(cgscc(inline))"})
    EXPECT_NE(testing::errorOf(checkPipeline(Bad)), "") << Bad;
}

TEST(PipelineTest, OptCommandRefusesInlineParamsItCannotExpress) {
  auto ErrorOf = [](const Candidate &C) {
    return testing::errorOf(optCommand(C));
  };
  const std::string Generous = "inline-params<threshold=900>(cgscc(inline))";
  EXPECT_NE(ErrorOf({Generous, "inline-params<threshold=450>(cgscc(inline))"})
                .find("thresholds 900 and 450"),
            std::string::npos);
  EXPECT_NE(ErrorOf({Generous, "cgscc(inline)"}).find("change 'inline'"),
            std::string::npos);
  // A plain threshold's `inline` reads the option like any other.
  EXPECT_NE(ErrorOf({Generous, withInlineThreshold({"cgscc(inline)"},
                                                   plainInlineThreshold())[0]})
                .find("change 'inline'"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"inline-params<threshold=900>(partial-inliner)"})
                .find("change 'partial-inliner'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({"inline-params<threshold=900>(inliner-pipeline<Oz>)"})
          .find("inside 'inline-params'"),
      std::string::npos);
  // -Oz's own inliner would read another inliner's threshold too.
  EXPECT_NE(ErrorOf({"inliner-pipeline<Oz;threshold=5>", Generous})
                .find("change 'scc-oz-module-inliner'"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"inliner-pipeline<Oz;threshold=5>",
                     "inliner-pipeline<Oz;threshold=-10>"})
                .find("change 'scc-oz-module-inliner'"),
            std::string::npos);
  // One threshold for both is one option.
  EXPECT_EQ(take(optCommand({"inline-params<threshold=-10>(cgscc(inline))",
                             "inliner-pipeline<Oz;threshold=-10>"}))
                .Options.front(),
            "-inline-threshold=-10");
}

/// A known problem over three actions: the cost falls along the prefixes of
/// "b,a,c" (cost 0) and is high elsewhere. Every candidate of up to three
/// actions (39 of them) can be checked, and only the target costs 0.
Evaluation fakeCost(const Candidate &C) {
  const Candidate Target = {"b", "a", "c"};
  Evaluation E;
  E.Pipeline = C;
  bool Prefix = C.size() <= 3 && std::equal(C.begin(), C.end(), Target.begin());
  E.Cost = Prefix ? 3.0 - C.size() : 10.0 + C.size();
  return E;
}

TEST(StrategyTest, EveryStrategyFindsTheKnownBestOfATinyProblem) {
  BatchEvaluator Evaluate = [](const std::vector<Candidate> &Batch) {
    std::vector<Evaluation> Results;
    for (const Candidate &C : Batch)
      Results.push_back(fakeCost(C));
    return Results;
  };
  for (StrategyKind Kind : strategyKinds()) {
    SearchState State;
    State.Seeds = {{"c"}};
    State.Edits.Insertable = {"a", "b", "c"};
    StrategyOptions Options;
    Options.EpisodeLength = 3;
    // As a policy would: every sequence of up to three actions, some each
    // call.
    Options.Proposals = [](size_t Count, uint64_t Round) {
      std::vector<Candidate> All;
      for (size_t Code = 0; Code < 3 + 9 + 27; ++Code) {
        size_t Length = Code < 3 ? 1 : Code < 12 ? 2 : 3;
        size_t Digits = Code - (Length == 1 ? 0 : Length == 2 ? 3 : 12);
        Candidate C;
        for (size_t I = 0; I < Length; ++I, Digits /= 3)
          C.push_back(std::string(1, static_cast<char>('a' + Digits % 3)));
        All.push_back(C);
      }
      size_t First = std::min(All.size(), Round * Count);
      size_t Last = std::min(All.size(), First + Count);
      return std::vector<Candidate>(All.begin() + First, All.begin() + Last);
    };
    auto S = makeStrategy(Kind, Options);
    SearchLimits Limits;
    Limits.Time = std::chrono::seconds(20);
    Limits.Candidates = 3000;
    runSearch(*S, State, Evaluate, Limits, 1, std::chrono::steady_clock::now());
    ASSERT_TRUE(State.best()) << strategyName(Kind).str();
    EXPECT_EQ(*State.best()->Cost, 0) << strategyName(Kind).str();
    EXPECT_EQ(State.best()->Pipeline, (Candidate{"b", "a", "c"}))
        << strategyName(Kind).str();
  }
}

TEST(StrategyTest, APolicyThatOffersNothingNewIsNotAskedForever) {
  size_t Calls = 0;
  StrategyOptions Options;
  Options.Proposals = [&Calls](size_t, uint64_t) {
    ++Calls;
    return std::vector<Candidate>{{"a"}};
  };
  auto S = makeStrategy(StrategyKind::Policy, Options);
  SearchState State;
  SearchLimits Limits;
  Limits.Time = std::chrono::seconds(20);
  runSearch(*S, State, [](const std::vector<Candidate> &Batch) {
    std::vector<Evaluation> Results;
    for (const Candidate &C : Batch)
      Results.push_back(fakeCost(C));
    return Results;
  }, Limits, 1, std::chrono::steady_clock::now());
  EXPECT_EQ(State.History.size(), 1u);
  // The fresh call, then three that brought nothing new.
  EXPECT_EQ(Calls, 4u);
}

TEST(RemeasureTest, AWinNeedsItsIntervalAboveOne) {
  std::mt19937_64 Random(7);
  std::normal_distribution<double> Noise(1.0, 0.02);
  auto Timed = [&](double Ms) -> TimedRun {
    return [&, Ms]() -> llvm::Expected<double> { return Ms * Noise(Random); };
  };
  Comparison Faster = take(compareInterleaved(Timed(10), Timed(9), 31));
  EXPECT_TRUE(Faster.candidateIsFaster());
  EXPECT_NEAR(Faster.Speedup, 10.0 / 9, 0.03);
  EXPECT_EQ(Faster.BaselineMs.size(), 31u);

  Comparison Same = take(compareInterleaved(Timed(10), Timed(10), 31));
  EXPECT_FALSE(Same.candidateIsFaster());
  EXPECT_LE(Same.Lower, 1.0);
  EXPECT_GE(Same.Upper, 1.0);

  // Drift that slows everything down as time passes cancels out.
  double Drift = 1;
  auto Drifting = [&](double Ms) -> TimedRun {
    return [&, Ms]() -> llvm::Expected<double> {
      Drift *= 1.01;
      return Ms * Drift;
    };
  };
  Comparison Drifted =
      take(compareInterleaved(Drifting(10), Drifting(10), 30));
  EXPECT_NEAR(Drifted.Speedup, 1.0, 0.011);

  TimedRun Failing = []() -> llvm::Expected<double> {
    return llvm::createStringError("the program crashed");
  };
  EXPECT_NE(testing::errorOf(compareInterleaved(Timed(1), Failing, 3))
                .find("crashed"),
            std::string::npos);
}

OptimizeOptions smallRun(Objective Goal, StrategyKind Strategy,
                         uint64_t Candidates) {
  OptimizeOptions Options;
  Options.Goal = Goal;
  Options.Strategy = Strategy;
  Options.Candidates = Candidates;
  Options.Budget = std::chrono::seconds(120);
  Options.Isolation = Isolation::InProcess;
  Options.Measurement = std::make_shared<MeasurementContext>(
      MeasurementOptions(), std::string());
  return Options;
}

TEST(OptimizeTest, WithNothingBetterThanOzTheAnswerIsOzAndSaysSo) {
  // One random sequence of at most two actions from the unoptimized module
  // cannot come near -Oz; only another standard level can beat it.
  for (const char *Name : {"crc32", "qsort", "fft"}) {
    OptimizeOptions Options =
        smallRun(Objective::InstCount, StrategyKind::Random, 1);
    Options.Strategies.EpisodeLength = 2;
    OptimizeReport R = take(optimize(builtin(Name), Options));
    double Oz = *R.baseline(Baseline::Oz)->Result.Cost;
    double BestLevel = Oz;
    for (Baseline Level : {Baseline::O2, Baseline::O3, Baseline::Os})
      BestLevel = std::min(BestLevel, *R.baseline(Level)->Result.Cost);
    EXPECT_EQ(R.AnswerCost, BestLevel) << Name;
    EXPECT_EQ(R.Won, BestLevel < Oz) << Name;
    if (!R.Won) {
      EXPECT_NE(R.NotWonBecause.find("-Oz"), std::string::npos) << Name;
      EXPECT_EQ(R.Answer, R.baseline(Baseline::Oz)->Pipeline) << Name;
    }
    EXPECT_EQ(R.Validation, "valid") << Name;
    // Size searches of the built-in space may insert the IR outliner too.
    EXPECT_TRUE(llvm::is_contained(R.Search.Edits.Insertable, "iroutliner"));
  }
}

TEST(OptimizeTest, ACandidateThatChangesWhatTheProgramDoesNeverLeadsTheSearch) {
  // Deleting the program's printing gives fewer instructions than anything
  // else; every new best is run before the search builds on it, so those
  // candidates are invalid and the answer is a program that behaves.
  check(addPassPlugin(PASSGYM_FAULTY_PASSES));
  OptimizeOptions Options =
      smallRun(Objective::InstCount, StrategyKind::Evolution, 40);
  Options.Actions = std::make_shared<ActionSpace>(
      "drops-output",
      std::vector<Action>{{"drop-output", "faulty-drop-output"},
                          {"dce", "function(dce)"}});
  OptimizeReport R = take(optimize(builtin("crc32"), Options));
  size_t Refused = 0;
  for (const Evaluation &E : R.Search.History)
    if (llvm::is_contained(E.Pipeline, "faulty-drop-output"))
      Refused += E.Error.find("does not behave") != std::string::npos;
  EXPECT_GT(Refused, 0u);
  EXPECT_FALSE(llvm::is_contained(R.Answer, "faulty-drop-output"));
  // A user's action space is all that is inserted.
  EXPECT_EQ(R.Search.Edits.Insertable,
            (std::vector<std::string>{"faulty-drop-output", "function(dce)"}));
  EXPECT_EQ(R.Validation, "valid");
  EXPECT_LE(R.AnswerCost, *R.baseline(Baseline::Oz)->Result.Cost);
}

TEST(OptimizeTest, AnswerIsNeverWorseThanOzAndOptReproducesIt) {
  // On crc32, -Oz with an inliner that takes only free calls is smaller than
  // -Oz: the answer needs an opt-19 option.
  BenchmarkPtr B = builtin("crc32");
  OptimizeOptions Options =
      smallRun(Objective::InstCount, StrategyKind::Evolution, 60);
  OptimizeReport R = take(optimize(B, Options));
  double Oz = *R.baseline(Baseline::Oz)->Result.Cost;
  EXPECT_LE(R.AnswerCost, Oz);
  EXPECT_LE(R.MinimizedCost, R.FoundCost);
  EXPECT_LE(R.Minimized.size(), R.Found.size());
  EXPECT_EQ(R.Won, R.AnswerCost < Oz);
  // The baselines are in the history, and so is every candidate counted.
  EXPECT_GE(R.Search.History.size(), 5u + 60u);

  auto Dir = take(TempDir::create("passgym-test"));
  check(writeOptimizeOutputs(R, B, Options, Dir.path()));
  auto Pipeline = llvm::MemoryBuffer::getFile(Dir.file("pipeline.txt"));
  ASSERT_TRUE(Pipeline);
  std::string Input = Dir.file("input.bc"), Output = Dir.file("output.ll");
  check(writeFileAtomically(Input, B->bitcode().getBuffer()));
  SubprocessOptions Opt;
  Opt.Argv = {"/usr/bin/opt-19"};
  // The options opt-19 needs to run the pipeline, if any (an inliner
  // threshold), are beside it.
  auto OptOptions = llvm::MemoryBuffer::getFile(Dir.file("opt-options.txt"));
  ASSERT_TRUE(OptOptions);
  llvm::SmallVector<llvm::StringRef> Split;
  (*OptOptions)->getBuffer().trim().split(Split, ' ');
  for (llvm::StringRef Option : Split)
    Opt.Argv.push_back(Option.str());
  llvm::append_range(Opt.Argv, std::vector<std::string>{
                                   "-passes=" +
                                       (*Pipeline)->getBuffer().trim().str(),
                                   Input, "-S", "-o", Output});
  check(runChecked(Opt));
  llvm::LLVMContext Context;
  llvm::SMDiagnostic Diagnostic;
  auto FromOpt = llvm::parseIRFile(Output, Diagnostic, Context);
  ASSERT_TRUE(FromOpt);
  EXPECT_EQ(FromOpt->getInstructionCount(), R.AnswerCost);

  auto Report = llvm::MemoryBuffer::getFile(Dir.file("report.json"));
  ASSERT_TRUE(Report);
  auto Json = nlohmann::json::parse((*Report)->getBuffer().str());
  EXPECT_EQ(Json["answer"]["cost"].get<double>(), R.AnswerCost);
  EXPECT_EQ(Json["baselines"]["-Oz"]["cost"].get<double>(), Oz);
  EXPECT_TRUE(llvm::sys::fs::exists(Dir.file("program")));
  EXPECT_TRUE(llvm::sys::fs::exists(Dir.file("progress.svg")));
  EXPECT_TRUE(llvm::sys::fs::exists(Dir.file("report.md")));
  EXPECT_NE(Json["answer"]["opt_command"].get<std::string>().find(
                "opt-19 " + (*OptOptions)->getBuffer().trim().str() +
                " -passes="),
            std::string::npos);

  // Written again with an answer that needs no option, the directory keeps
  // no options of the earlier answer.
  OptimizeReport AsOz = R;
  AsOz.Answer = R.baseline(Baseline::Oz)->Pipeline;
  check(writeOptimizeOutputs(AsOz, B, Options, Dir.path()));
  EXPECT_FALSE(llvm::sys::fs::exists(Dir.file("opt-options.txt")));
}

TEST(OptimizeTest, RunTimeMinimizationDropsWhatLeavesTheCodeAsItWas) {
  // Noisy run times, the fastest the luckiest: a candidate's cost is 10 ms
  // with sroa, 30 with no-ops alone and 20 for the standard levels, plus up
  // to 5 % of noise. Elements that change nothing (no-op-module, a second
  // sroa) must go, however their fresh measurement falls; the sroa that
  // matters must stay.
  OptimizeOptions Options =
      smallRun(Objective::Runtime, StrategyKind::Random, 12);
  Options.Strategies.EpisodeLength = 4;
  Options.Finalists = 3;
  Options.RemeasurePairs = 3;
  Options.Actions = std::make_shared<ActionSpace>(
      "noop-and-sroa", std::vector<Action>{{"no-op", "no-op-module"},
                                           {"sroa", "function(sroa)"}});
  Options.Evaluators = [](BenchmarkPtr, const EnvironmentOptions &,
                          CostFunction) -> llvm::Expected<BatchEvaluator> {
    auto Noise = std::make_shared<std::mt19937>(7);
    return [Noise](const std::vector<Candidate> &Batch) {
      std::vector<Evaluation> Results;
      for (const Candidate &C : Batch) {
        bool NoOps = llvm::all_of(
            C, [](const std::string &E) { return E == "no-op-module"; });
        double Ms = llvm::is_contained(C, "function(sroa)") ? 10
                    : NoOps                                 ? 30
                                                            : 20;
        Evaluation E;
        E.Pipeline = C;
        E.Cost = Ms * (1 + 0.05 * std::uniform_real_distribution<>()(*Noise));
        Results.push_back(std::move(E));
      }
      return Results;
    };
  };
  OptimizeReport R = take(optimize(builtin("crc32"), Options));
  ASSERT_TRUE(llvm::is_contained(R.Found, "function(sroa)"));
  EXPECT_GT(R.Found.size(), 1u);
  EXPECT_EQ(R.Minimized, Candidate{"function(sroa)"});
  // Every other candidate with sroa is the same program: none is a
  // finalist to re-measure against -O3.
  EXPECT_EQ(R.FinalistsRemeasured, 1u);
}

TEST(OptimizeTest, ACrashingCandidateIsInvalidAndTheSearchGoesOn) {
  // The worker evaluator survives a pipeline LLVM refuses and reports why.
  EnvironmentOptions Env;
  Env.Isolation = Isolation::Worker;
  auto Evaluator = take(CandidateEvaluator::create(
      builtin("crc32"), Env, CostFunction::IrInstructionCount));
  Evaluation Bad = Evaluator->evaluate({"sroa", "no-such-pass"});
  EXPECT_FALSE(Bad.Cost);
  EXPECT_NE(Bad.Error.find("no-such-pass"), std::string::npos) << Bad.Error;
  Evaluation Good = Evaluator->evaluate({"sroa", "function(instcombine<no-verify-fixpoint>)"});
  ASSERT_TRUE(Good.Cost) << Good.Error;
  // Sharing the prefix gives the same result as starting afresh.
  auto Fresh = take(CandidateEvaluator::create(
      builtin("crc32"), Env, CostFunction::IrInstructionCount));
  EXPECT_EQ(*Fresh->evaluate(Good.Pipeline).Cost, *Good.Cost);
}

TEST(OptimizeTest, KeptPrefixStatesGiveTheCostsOfFreshEvaluations) {
  // Candidates that share prefixes, edit the middle, go back to shorter ones
  // and crash the worker on the way: each cost is what an evaluator that
  // starts from the unoptimized module gives.
  check(addPassPlugin(PASSGYM_FAULTY_PASSES));
  EnvironmentOptions Env;
  Env.Isolation = Isolation::Worker;
  auto Evaluator = take(CandidateEvaluator::create(
      builtin("qsort"), Env, CostFunction::IrInstructionCount));
  const std::string Sroa = "function(sroa)", Inline = "cgscc(inline)",
                    Combine = "function(instcombine<no-verify-fixpoint>)",
                    Cfg = "function(simplifycfg)", Gvn = "function(gvn)",
                    Crash = "faulty-crash";
  std::vector<Candidate> Candidates = {
      {Sroa, Inline, Combine, Cfg, Gvn, Combine, Cfg},
      {Sroa, Inline, Combine, Cfg, Gvn, Combine, Cfg, Gvn},
      {Sroa, Inline, Combine, Gvn, Gvn, Combine, Cfg},
      {Sroa, Inline, Crash},
      {Sroa, Inline, Combine, Cfg, Gvn, Combine},
      {Sroa},
      {},
      {Inline, Sroa, Crash, Cfg},
      {Sroa, Inline, Combine, Cfg, Gvn, Combine, Cfg, Gvn, Sroa},
      {Sroa, Inline, Combine, Cfg, Gvn, Combine, Cfg},
  };
  for (const Candidate &C : Candidates) {
    Evaluation Kept = Evaluator->evaluate(C);
    auto Fresh = take(CandidateEvaluator::create(
        builtin("qsort"), Env, CostFunction::IrInstructionCount));
    Evaluation Alone = Fresh->evaluate(C);
    std::string Text = pipelineText(C);
    ASSERT_EQ(Kept.Cost.has_value(), Alone.Cost.has_value()) << Text;
    if (!Alone.Cost) {
      EXPECT_NE(Kept.Error.find("crashed"), std::string::npos) << Kept.Error;
      continue;
    }
    EXPECT_EQ(*Kept.Cost, *Alone.Cost) << Text;
  }
}

} // namespace
} // namespace passgym
