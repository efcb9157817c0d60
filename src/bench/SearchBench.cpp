#include "bench/SearchBench.h"

#include "actions/ActionSpace.h"
#include "costs/Measurement.h"
#include "datasets/Benchmark.h"
#include "datasets/Manifest.h"
#include "support/Files.h"
#include "support/Statistics.h"
#include "support/Subprocess.h"
#include "support/TempDir.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

namespace passgym {
namespace {

constexpr llvm::StringLiteral kOptProcessName = "random (opt-19)";

struct Row {
  std::string Uri;
  std::string Strategy;
  size_t Candidates = 0;
  double Seconds = 0;
  /// The reference level's cost, as this row's evaluator found it.
  double ReferenceCost = 0;
  /// Reference cost over the search's best cost (above 1: better).
  double SearchBest = 0;
  /// Reference cost over the answer's (run time: the re-measured speed-up
  /// when the answer is not the reference itself); none for the opt-process
  /// search, which has no answer of its own.
  std::optional<double> Answer;

  double candidatesPerSecond() const {
    return Candidates / std::max(Seconds, 1e-9);
  }
};

llvm::Expected<Row> optimizeRow(const BenchmarkPtr &B, StrategyKind Strategy,
                                const SearchBenchOptions &Options) {
  OptimizeOptions Optimize;
  Optimize.Goal = Options.Goal;
  Optimize.Budget = Options.Budget;
  Optimize.Strategy = Strategy;
  Optimize.Jobs = Options.Jobs;
  Optimize.Seed = Options.Seed;
  Optimize.Measurement = Options.Measurement;
  Optimize.Actions = Options.Actions;
  if (Options.PolicyFor)
    Optimize.Strategies.Proposals = Options.PolicyFor(B->uri());
  auto R = optimize(B, Optimize);
  if (!R)
    return R.takeError();
  double Reference = *R->baseline(referenceOf(Options.Goal))->Result.Cost;
  Row Result;
  Result.Uri = B->uri();
  Result.Strategy = strategyName(Strategy).str();
  Result.ReferenceCost = Reference;
  Result.Candidates = R->Search.History.size();
  Result.Seconds = R->BaselineSeconds + R->SearchSeconds + R->MinimizeSeconds;
  Result.SearchBest = Reference / R->FoundCost;
  Result.Answer = R->Won && R->Remeasured ? R->Remeasured->Speedup
                                          : Reference / R->AnswerCost;
  return Result;
}

/// What a user without passgym would run: one opt-19 process per candidate
/// on the unoptimized bitcode, and the cost of what it wrote.
class OptProcessEvaluator {
public:
  OptProcessEvaluator(BenchmarkPtr B, const SearchBenchOptions &Options,
                      const TempDir &Dir)
      : B(std::move(B)), Cost(costOf(Options.Goal)), Dir(Dir) {
    // One context per job: each thread measures on its own.
    for (unsigned Job = 0; Job < std::max(Options.Jobs, 1u); ++Job)
      Contexts.push_back(std::make_unique<MeasurementContext>(
          Options.Measurement->options(), Options.Measurement->cachePath()));
  }

  Evaluation evaluate(unsigned Job, const Candidate &C) {
    Evaluation E;
    E.Pipeline = C;
    auto Value = cost(Job, C);
    if (Value)
      E.Cost = *Value;
    else
      E.Error = llvm::toString(Value.takeError());
    return E;
  }

private:
  llvm::Expected<double> cost(unsigned Job, const Candidate &C) {
    std::string Output = Dir.file("out-" + std::to_string(Job) + ".bc");
    SubprocessOptions Opt;
    Opt.Argv = {std::string(PASSGYM_LLVM_BINDIR) + "/opt",
                "-passes=" + pipelineText(C), Dir.file("in.bc"), "-o", Output};
    Opt.Timeout = std::chrono::seconds(60);
    if (llvm::Error E = runChecked(Opt))
      return std::move(E);
    auto Buffer = llvm::MemoryBuffer::getFile(Output);
    if (!Buffer)
      return llvm::errorCodeToError(Buffer.getError());
    llvm::LLVMContext Context;
    auto M = parseModule((*Buffer)->getMemBufferRef(), Context);
    if (!M)
      return M.takeError();
    return computeCost(Cost, **M, *B, *Contexts[Job]);
  }

  BenchmarkPtr B;
  CostFunction Cost;
  const TempDir &Dir;
  std::vector<std::unique_ptr<MeasurementContext>> Contexts;
};

llvm::Expected<Row> optProcessRow(const BenchmarkPtr &B,
                                  const SearchBenchOptions &Options,
                                  const TempDir &Dir) {
  if (llvm::Error E =
          writeFileAtomically(Dir.file("in.bc"), B->bitcode().getBuffer()))
    return std::move(E);
  auto Evaluator = std::make_shared<OptProcessEvaluator>(B, Options, Dir);
  BatchEvaluator Evaluate =
      shareOut(Options.Jobs, [Evaluator](unsigned Job, const Candidate &C) {
        return Evaluator->evaluate(Job, C);
      });
  auto Started = std::chrono::steady_clock::now();
  Evaluation Reference = Evaluate(
      {Candidate{baselinePipeline(referenceOf(Options.Goal))}})[0];
  if (!Reference.Cost)
    return llvm::createStringError("the reference level through opt-19: " +
                                   Reference.Error);
  SearchState State;
  for (const Action &A : spaceOrBuiltin(Options.Actions).actions())
    State.Edits.Insertable.push_back(A.Pipeline);
  SearchLimits Limits;
  Limits.Time = Options.Budget;
  Limits.BatchSize = batchSizeFor(Options.Jobs);
  std::unique_ptr<Strategy> Random = makeStrategy(StrategyKind::Random);
  runSearch(*Random, State, Evaluate, Limits, Options.Seed, Started);
  Row Result;
  Result.Uri = B->uri();
  Result.Strategy = kOptProcessName.str();
  Result.ReferenceCost = *Reference.Cost;
  Result.Candidates = State.History.size() + 1;
  Result.Seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - Started)
                       .count();
  const Evaluation *Best = State.best();
  Result.SearchBest = Best ? *Reference.Cost / *Best->Cost : 0;
  return Result;
}

std::vector<std::string> strategyNames(const SearchBenchOptions &Options) {
  std::vector<std::string> Names;
  for (StrategyKind Kind :
       Options.Strategies.empty() ? strategyKinds() : Options.Strategies)
    if (Kind != StrategyKind::Policy || Options.PolicyFor ||
        !Options.Strategies.empty())
      Names.push_back(strategyName(Kind).str());
  if (Options.OptProcessBaseline)
    Names.push_back(kOptProcessName.str());
  return Names;
}

void printSummary(const std::vector<Row> &Rows,
                  const std::vector<std::string> &Strategies,
                  llvm::StringRef Reference, llvm::raw_ostream &Out) {
  Out << llvm::formatv("\ngeometric means over {0} program(s), ratios to "
                       "-{1} (above 1.000x: better than -{1}):\n",
                       Rows.size() / Strategies.size(), Reference);
  Out << llvm::formatv("{0,-16} {1,12} {2,12} {3,12} {4,8}\n", "strategy",
                       "search best", "answer", "lowest", "cand/s");
  for (const std::string &Strategy : Strategies) {
    std::vector<double> Found, Answers, Rates;
    for (const Row &R : Rows) {
      if (R.Strategy != Strategy)
        continue;
      Found.push_back(R.SearchBest);
      Rates.push_back(R.candidatesPerSecond());
      if (R.Answer)
        Answers.push_back(*R.Answer);
    }
    std::string Answer = "-", Lowest = "-";
    if (!Answers.empty()) {
      Answer = llvm::formatv("{0:F3}x", geometricMean(Answers)).str();
      Lowest = llvm::formatv("{0:F3}x", *llvm::min_element(Answers)).str();
    }
    Out << llvm::formatv("{0,-16} {1,11:F3}x {2,12} {3,12} {4,8:F1}\n",
                         Strategy, geometricMean(Found), Answer, Lowest,
                         geometricMean(Rates));
  }
  Out << "\nsearch best: the search's own figure (for run time, the fastest "
         "of many noisy measurements, so flattering); answer: what optimize "
         "returns (minimized, validated, for run time re-measured against -O3 "
         "and never below 1.000x); cand/s: candidates evaluated per second, "
         "geometric mean\n";
}

nlohmann::json rowJson(const Row &R) {
  nlohmann::json J = {{"uri", R.Uri},
                      {"strategy", R.Strategy},
                      {"candidates", R.Candidates},
                      {"seconds", R.Seconds},
                      {"reference_cost", R.ReferenceCost},
                      {"search_best", R.SearchBest}};
  if (R.Answer)
    J["answer"] = *R.Answer;
  return J;
}

} // namespace

llvm::Error
runSearchBench(const SearchBenchOptions &Options, llvm::raw_ostream &Out,
               const std::function<void(double, llvm::StringRef)> &Progress) {
  std::vector<std::string> Uris = Options.Benchmarks.empty()
                                      ? kDefaultSearchBenchmarks
                                      : Options.Benchmarks;
  std::vector<std::string> Strategies = strategyNames(Options);
  auto Dir = TempDir::create("passgym-bench-search");
  if (!Dir)
    return Dir.takeError();
  llvm::StringRef Reference = baselineName(referenceOf(Options.Goal));
  BenchmarkColumn Column = benchmarkColumn(Uris);
  Out << Column.Note;
  Out << llvm::formatv("{0} {1,-16} {2,10} {3,8} {4,12} {5,10}\n",
                       Column.cell("benchmark"), "strategy", "candidates",
                       "cand/s", "search best", "answer");
  std::vector<Row> Rows;
  size_t Done = 0, Total = Uris.size() * Strategies.size();
  for (const std::string &Uri : Uris) {
    auto B = loadBenchmark(Uri);
    if (!B)
      return B.takeError();
    for (const std::string &Strategy : Strategies) {
      Progress(static_cast<double>(Done++) / Total,
               Column.cell(Uri) + " " + Strategy);
      auto Kind = parseStrategy(Strategy);
      auto Measured = Kind ? optimizeRow(*B, *Kind, Options)
                           : optProcessRow(*B, Options, *Dir);
      if (!Measured)
        return llvm::createStringError(
            "bench search: " + Strategy + " on " + Uri + ": " +
            llvm::toString(Measured.takeError()));
      const Row &R = Rows.emplace_back(std::move(*Measured));
      std::string Answer =
          R.Answer ? llvm::formatv("{0:F3}x", *R.Answer).str() : "-";
      Out << llvm::formatv("{0} {1,-16} {2,10} {3,8:F1} {4,11:F3}x {5,10}\n",
                           Column.cell(Uri), Strategy, R.Candidates,
                           R.candidatesPerSecond(), R.SearchBest, Answer);
      Out.flush();
    }
  }
  Progress(1, "done");
  printSummary(Rows, Strategies, Reference, Out);
  if (Options.JsonPath.empty())
    return llvm::Error::success();
  nlohmann::json Json = {
      {"objective", objectiveName(Options.Goal)},
      {"reference", Reference},
      {"budget_seconds", Options.Budget.count()},
      {"jobs", Options.Jobs},
      {"seed", Options.Seed},
      {"rows", nlohmann::json::array()}};
  for (const Row &R : Rows)
    Json["rows"].push_back(rowJson(R));
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym
