#include "optimize/Optimize.h"

#include "actions/PassRunner.h"
#include "actions/StandardPieces.h"
#include "costs/Measurement.h"
#include "support/Files.h"
#include "support/ModuleHash.h"
#include "support/Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>
#include <map>
#include <thread>

namespace passgym {
namespace {

/// An inliner threshold at which -Oz's inliner takes only the calls that
/// cost nothing.
constexpr int kFrugalInlinerThreshold = -10;

/// An inliner threshold at which -O3's inliner takes callees about eight
/// times larger than its printed pipeline's (225).
constexpr int kGenerousInlinerThreshold = 1800;

double secondsSince(std::chrono::steady_clock::time_point Start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       Start)
      .count();
}

/// What LLVM prints for a pipeline text, for \p B's module (loaded on first
/// use); each text printed once: every policy proposal holding -O3's
/// inliner piece asks for it again.
PipelinePrinter printerFor(BenchmarkPtr B) {
  struct Loaded {
    llvm::LLVMContext Context;
    std::unique_ptr<llvm::Module> Module;
    std::map<std::string, std::string> Printed;
  };
  auto State = std::make_shared<Loaded>();
  return [B, State](llvm::StringRef Pipeline) -> llvm::Expected<std::string> {
    if (auto Known = State->Printed.find(Pipeline.str());
        Known != State->Printed.end())
      return Known->second;
    if (!State->Module) {
      auto M = B->load(State->Context);
      if (!M)
        return M.takeError();
      State->Module = std::move(*M);
    }
    auto Expanded = expandPipeline(*State->Module, Pipeline);
    if (Expanded)
      State->Printed.emplace(Pipeline.str(), *Expanded);
    return Expanded;
  };
}

llvm::Expected<Candidate> standardPipeline(const PipelinePrinter &Print,
                                           Baseline Level) {
  if (Level == Baseline::O0)
    return Candidate();
  // -Oz has pieces that LLVM's parser reads back as -Oz itself
  // (docs/actions.md); the others only have their printed forms. Its inliner
  // is given the same inliner with the threshold as a parameter, which the
  // search's edits can change (inlining only what costs nothing saves up to
  // a quarter of -Oz's instructions on the built-ins); optCommand() gives it
  // back to opt-19.
  if (Level == Baseline::Oz)
    return ozPiecesWithInlinerThreshold(
        llvm::InlineConstants::OptMinSizeThreshold);
  auto Expanded = Print(baselinePipeline(Level));
  if (!Expanded)
    return Expanded.takeError();
  // The printed inliner is a bare `inline`, which reads no parameter: given
  // its own threshold, the same pipeline's inliner is one that edits reach.
  return withInlineThreshold(splitPipeline(*Expanded), plainInlineThreshold());
}

/// \p C as withPrintedInliners spells it, or \p C itself if that fails
/// (evaluating it then says why opt-19 cannot run it).
Candidate spelledForOpt(Candidate C, const PipelinePrinter &Print) {
  auto Spelled = withPrintedInliners(C, Print);
  if (!Spelled) {
    llvm::consumeError(Spelled.takeError());
    return C;
  }
  return std::move(*Spelled);
}

/// Identifies the machine code a candidate gives; none when it cannot be
/// built.
using CodeFingerprint =
    std::function<std::optional<std::string>(const Candidate &)>;

/// A digest of the object file of \p C's module, compiled as run-time
/// measurements compile it; none when it cannot be built.
std::optional<std::string> compiledDigest(CandidateEvaluator &Checker,
                                          const Candidate &C) {
  auto M = Checker.moduleAfter(C);
  if (!M) {
    llvm::consumeError(M.takeError());
    return std::nullopt;
  }
  auto Object = emitObject(*M, kShippedCodeGenLevel);
  if (!Object) {
    llvm::consumeError(Object.takeError());
    return std::nullopt;
  }
  return bytesHash(llvm::StringRef(Object->data(), Object->size()));
}

/// compiledDigest, each candidate compiled once.
CodeFingerprint objectDigest(CandidateEvaluator &Checker) {
  auto Known =
      std::make_shared<std::map<Candidate, std::optional<std::string>>>();
  return [&Checker, Known](const Candidate &C) {
    auto [It, New] = Known->try_emplace(C);
    if (New)
      It->second = compiledDigest(Checker, C);
    return It->second;
  };
}

/// Removes, last first, every top-level element whose removal keeps the
/// cost within \p Tolerance (relative) of \p Cost, or, given \p CodeOf,
/// leaves the object code as it was. The second test is for noisy costs: a
/// removal that changes nothing is measured afresh, and that measurement
/// rarely comes within a percent of the best, which is the fastest of many.
Candidate minimize(Candidate Best, double Cost, double Tolerance,
                   const BatchEvaluator &Evaluate,
                   const CodeFingerprint &CodeOf, SearchState &State,
                   std::chrono::steady_clock::time_point Started,
                   double &MinimizedCost) {
  MinimizedCost = Cost;
  std::optional<std::string> BestCode = CodeOf ? CodeOf(Best) : std::nullopt;
  for (size_t I = Best.size(); I-- > 0;) {
    Candidate Shorter = Best;
    Shorter.erase(Shorter.begin() + I);
    if (BestCode && CodeOf(Shorter) == BestCode) {
      Best = std::move(Shorter);
      continue;
    }
    Evaluation E = std::move(Evaluate({Shorter}).front());
    E.At = secondsSince(Started);
    std::optional<double> ShorterCost = E.Cost;
    State.add(std::move(E));
    if (ShorterCost && *ShorterCost <= Cost * (1 + Tolerance)) {
      Best = std::move(Shorter);
      MinimizedCost = *ShorterCost;
      BestCode = CodeOf ? CodeOf(Best) : std::nullopt;
    }
  }
  return Best;
}

llvm::Expected<Comparison> remeasure(CandidateEvaluator &Evaluator,
                                     const Candidate &Winner,
                                     const Candidate &O3, const Benchmark &B,
                                     const OptimizeOptions &Options,
                                     const MeasurementOptions &Measure) {
  auto Build = [&](const Candidate &C) -> llvm::Expected<Program> {
    auto M = Evaluator.moduleAfter(C);
    if (!M)
      return M.takeError();
    return Program::build(*M, *B.runSpec());
  };
  auto Baseline = Build(O3);
  if (!Baseline)
    return Baseline.takeError();
  auto Candidate = Build(Winner);
  if (!Candidate)
    return Candidate.takeError();
  return comparePrograms(*Baseline, *Candidate, B, Options.RemeasurePairs,
                         Measure.Cpu);
}

std::string validate(CandidateEvaluator &Evaluator, const Candidate &C,
                     const Benchmark &B) {
  if (!B.runSpec())
    return "not runnable (not checked)";
  auto M = Evaluator.moduleAfter(C);
  if (!M)
    return llvm::toString(M.takeError());
  if (llvm::Error E = validateModule(*M, B))
    return llvm::toString(std::move(E));
  return "valid";
}

/// \p Evaluate for the candidates that one opt-19 command runs exactly;
/// the others are invalid with the reason, since the answer must be one.
BatchEvaluator onlyWhatOptRuns(BatchEvaluator Evaluate) {
  return [Evaluate](const std::vector<Candidate> &Batch) {
    std::vector<Evaluation> Results(Batch.size());
    std::vector<Candidate> Runnable;
    std::vector<size_t> RunnableAt;
    for (size_t I = 0; I < Batch.size(); ++I) {
      Results[I].Pipeline = Batch[I];
      if (auto Command = optCommand(Batch[I]); !Command) {
        Results[I].Error =
            "not one opt-19 command: " + llvm::toString(Command.takeError());
        continue;
      }
      Runnable.push_back(Batch[I]);
      RunnableAt.push_back(I);
    }
    if (Runnable.empty())
      return Results;
    std::vector<Evaluation> Evaluated = Evaluate(Runnable);
    for (size_t I = 0; I < Evaluated.size(); ++I)
      Results[RunnableAt[I]] = std::move(Evaluated[I]);
    return Results;
  };
}

/// \p Evaluate, except that every candidate that would become the search's
/// best is run first, and one that does not behave as the unoptimized program
/// is invalid. Instruction counts and sizes are read off the module, not a
/// run: a candidate that breaks the program (through undefined behaviour,
/// say) can look far smaller, and a search that built on it would waste its
/// budget on descendants that fail the final check too (huffman: 16.7x -Oz's
/// instruction count in the search, -Oz as the answer).
BatchEvaluator validatingNewBests(BatchEvaluator Evaluate,
                                  const SearchState &State,
                                  CandidateEvaluator &Checker,
                                  const Benchmark &B) {
  return [Evaluate, &State, &Checker, &B](const std::vector<Candidate> &Batch) {
    std::vector<Evaluation> Results = Evaluate(Batch);
    std::vector<size_t> ByCost;
    for (size_t I = 0; I < Results.size(); ++I)
      if (Results[I].Cost)
        ByCost.push_back(I);
    llvm::stable_sort(ByCost, [&](size_t L, size_t R) {
      return *Results[L].Cost < *Results[R].Cost;
    });
    double Best = State.best() ? *State.best()->Cost
                               : std::numeric_limits<double>::infinity();
    for (size_t I : ByCost) {
      Evaluation &E = Results[I];
      if (*E.Cost >= Best)
        break;
      std::string Verdict = validate(Checker, E.Pipeline, B);
      if (Verdict == "valid") {
        Best = *E.Cost;
        continue;
      }
      E.Cost.reset();
      E.Error = "does not behave as the unoptimized program: " + Verdict;
    }
    return Results;
  };
}

/// The minimized best, then the cheapest other candidates that beat the
/// reference (standard levels excluded) and compile to other object code
/// than those chosen before: the same program measured again could only win
/// by noise, and with a longer pipeline. \p Count in all.
std::vector<std::pair<Candidate, double>>
finalists(const OptimizeReport &R, double ReferenceCost, unsigned Count,
          const CodeFingerprint &CodeOf) {
  std::vector<std::pair<Candidate, double>> Chosen = {
      {R.Minimized, R.MinimizedCost}};
  std::vector<std::optional<std::string>> ChosenCode = {CodeOf(R.Minimized)};
  std::vector<const Evaluation *> Cheaper;
  for (const Evaluation &E : R.Search.History)
    if (E.Cost && *E.Cost < ReferenceCost)
      Cheaper.push_back(&E);
  llvm::stable_sort(Cheaper, [](const Evaluation *A, const Evaluation *B) {
    return *A->Cost < *B->Cost;
  });
  // Near the best, many candidates are the best's program again; how many
  // are compiled to find others is bounded.
  size_t Examined = 0;
  for (const Evaluation *E : Cheaper) {
    if (Chosen.size() >= Count || Examined >= 10 * size_t(Count))
      break;
    bool Standard = llvm::any_of(R.Baselines, [&](const BaselineResult &B) {
      return B.Pipeline == E->Pipeline;
    });
    bool Taken = llvm::any_of(Chosen, [&](const auto &C) {
      return C.first == E->Pipeline;
    });
    if (Standard || Taken)
      continue;
    ++Examined;
    std::optional<std::string> Code = CodeOf(E->Pipeline);
    if (Code && llvm::is_contained(ChosenCode, Code))
      continue;
    Chosen.emplace_back(E->Pipeline, *E->Cost);
    ChosenCode.push_back(std::move(Code));
  }
  return Chosen;
}

} // namespace

std::optional<Objective> parseObjective(llvm::StringRef Name) {
  if (Name == "runtime")
    return Objective::Runtime;
  if (Name == "size")
    return Objective::Size;
  if (Name == "instcount")
    return Objective::InstCount;
  return std::nullopt;
}

llvm::StringRef objectiveName(Objective O) {
  switch (O) {
  case Objective::Runtime:
    return "runtime";
  case Objective::Size:
    return "size";
  case Objective::InstCount:
    return "instcount";
  }
  llvm_unreachable("every objective is handled");
}

CostFunction costOf(Objective O) {
  switch (O) {
  case Objective::Runtime:
    return CostFunction::Runtime;
  case Objective::Size:
    return CostFunction::CodeSizeBytes;
  case Objective::InstCount:
    return CostFunction::IrInstructionCount;
  }
  llvm_unreachable("every objective is handled");
}

Baseline referenceOf(Objective O) {
  return O == Objective::Runtime ? Baseline::O3 : Baseline::Oz;
}

const BaselineResult *OptimizeReport::baseline(Baseline Level) const {
  for (const BaselineResult &B : Baselines)
    if (B.Level == Level)
      return &B;
  return nullptr;
}

llvm::Expected<OptimizeReport> optimize(BenchmarkPtr B,
                                        const OptimizeOptions &Options,
                                        const OptimizeObserver &Observe) {
  auto Started = std::chrono::steady_clock::now();
  if (Options.Strategy == StrategyKind::Policy &&
      !Options.Strategies.Proposals)
    return llvm::createStringError(
        "the policy strategy needs a trained policy: --policy CHECKPOINT");
  if (Options.Goal == Objective::Runtime && !B->runSpec())
    return llvm::createStringError(
        "benchmark '" + B->uri() +
        "' is not runnable, so its run time cannot be optimized; use "
        "--objective size or instcount");
  EnvironmentOptions Env;
  Env.Actions = Options.Actions;
  Env.Isolation = Options.Isolation;
  // Run times from earlier runs are not comparable: a baseline measured
  // once on a busy machine and kept in the persistent cache made every
  // candidate measured later on an idle one look faster (qsort: 1.5x in the
  // search, 0.80x when re-measured). Everything is measured in this run.
  Env.Measurement = Options.Measurement
                        ? Options.Measurement
                        : std::make_shared<MeasurementContext>(
                              MeasurementOptions(), /*CachePath=*/"");
  CostFunction Cost = costOf(Options.Goal);
  auto Evaluators =
      Options.Evaluators
          ? Options.Evaluators(B, Env, Cost)
          : parallelEvaluator(B, Env, Cost, Options.Jobs, Options.PinCpus);
  if (!Evaluators)
    return Evaluators.takeError();
  BatchEvaluator Evaluate = onlyWhatOptRuns(std::move(*Evaluators));
  auto Checker = CandidateEvaluator::create(B, Env, Cost);
  if (!Checker)
    return Checker.takeError();

  OptimizeReport R;
  R.Benchmark = B->uri();
  R.Goal = Options.Goal;
  R.Strategy = Options.Strategy;
  R.Jobs = std::max(Options.Jobs, 1u);

  // The standard levels, evaluated as candidates exactly as `opt
  // -passes='default<O3>'` runs them. Split into elements for the search's
  // edits they are seeds of their own: the printed forms of -O2, -O3 and -Os
  // are not quite the same pipelines (their inliner has lost the level's
  // inline threshold).
  PipelinePrinter Print = printerFor(B);
  std::vector<Candidate> Standard;
  std::vector<Candidate> Split;
  for (Baseline Level : kBaselines) {
    auto Pipeline = standardPipeline(Print, Level);
    if (!Pipeline)
      return Pipeline.takeError();
    Standard.push_back(Level == Baseline::O0
                           ? Candidate()
                           : Candidate{baselinePipeline(Level)});
    Split.push_back(std::move(*Pipeline));
  }
  std::vector<Evaluation> Measured = Evaluate(Standard);
  for (size_t I = 0; I < Standard.size(); ++I) {
    Measured[I].At = secondsSince(Started);
    R.Baselines.push_back({kBaselines[I], Standard[I], Measured[I]});
    R.Search.add(Measured[I]);
  }
  const BaselineResult &Reference = *R.baseline(referenceOf(Options.Goal));
  if (!Reference.Result.Cost)
    return llvm::createStringError(
        "-" + baselineName(Reference.Level).str() + " of '" + B->uri() +
        "' cannot be evaluated: " + Reference.Result.Error);
  R.BaselineSeconds = secondsSince(Started);

  for (Evaluation E : Options.Resumed) {
    if (R.Search.seen(E.Pipeline))
      continue;
    E.At = R.BaselineSeconds;
    R.Search.add(std::move(E));
    ++R.Resumed;
  }

  // Seeds: the standard pipelines split into their elements, the cheapest
  // level first.
  std::vector<size_t> ByCost;
  for (size_t I = 0; I < R.Baselines.size(); ++I)
    if (R.Baselines[I].Result.Cost && R.Baselines[I].Level != Baseline::O0)
      ByCost.push_back(I);
  llvm::stable_sort(ByCost, [&](size_t A, size_t B) {
    return *R.Baselines[A].Result.Cost < *R.Baselines[B].Result.Cost;
  });
  for (size_t I : ByCost)
    R.Search.Seeds.push_back(Split[I]);
  // For size, also -Oz whose inliner takes only the calls that cost nothing
  // (with opt-19: vm 1.32x -Oz's instruction count, qsort 1.22x, aes 1.17x;
  // 18 of the 26 built-ins fewer, 3 more; every threshold from -10 down gave
  // the same modules but aes's). Edits reach it only rarely: the threshold is
  // one parameter among -Oz's forty.
  if (Options.Goal != Objective::Runtime)
    R.Search.Seeds.push_back(
        ozPiecesWithInlinerThreshold(kFrugalInlinerThreshold));
  // For run time, also -O3 whose inliner takes larger callees (measured by
  // hand with clang-19 -O3 and -inline-threshold=2000 against -O3: sha256
  // 1.06x, aes 1.04x, median 1.02x; 13 of the 26 built-ins unchanged). Doubling
  // 225 step by step, edits would reach it only rarely.
  if (Options.Goal == Objective::Runtime)
    for (size_t I = 0; I < R.Baselines.size(); ++I)
      if (R.Baselines[I].Level == Baseline::O3)
        R.Search.Seeds.push_back(
            withInlineThreshold(Split[I], kGenerousInlinerThreshold));
  // Actions and proposals that opt-19 cannot run as they are (-O3's
  // inliner piece) are searched as LLVM prints them, as the standard levels
  // are: an answer is an opt-19 command.
  const ActionSpace &Actions = spaceOrBuiltin(Options.Actions);
  for (const Action &A : Actions.actions())
    R.Search.Edits.Insertable.push_back(
        pipelineText(spelledForOpt(splitPipeline(A.Pipeline), Print)));
  // CompilerGym's actions predate LLVM's IR outliner, and -Oz leaves
  // outlining to the machine outliner after the IR: for size it is worth
  // trying (stringsort: 1.011x -Oz's instruction count without it, 1.066x
  // with it, 60 s each). A user's own action space is taken as it is.
  if (Options.Goal != Objective::Runtime &&
      Actions.name() == ActionSpace::builtin().name())
    R.Search.Edits.Insertable.push_back("iroutliner");

  auto SearchStarted = std::chrono::steady_clock::now();
  StrategyOptions Strategies = Options.Strategies;
  if (Strategies.Proposals)
    Strategies.Proposals = [Proposed = Strategies.Proposals,
                            Print](size_t Count, uint64_t Round) {
      std::vector<Candidate> Candidates = Proposed(Count, Round);
      for (Candidate &C : Candidates)
        C = spelledForOpt(std::move(C), Print);
      return Candidates;
    };
  std::unique_ptr<Strategy> S = makeStrategy(Options.Strategy, Strategies);
  SearchLimits Limits;
  Limits.Time = Options.Budget;
  Limits.Candidates = Options.Candidates;
  Limits.BatchSize = batchSizeFor(R.Jobs);
  // Run times are measured only on programs that behave; other costs are
  // checked here before the search builds on them.
  BatchEvaluator Search =
      Options.Goal != Objective::Runtime && B->runSpec()
          ? validatingNewBests(Evaluate, R.Search, **Checker, *B)
          : Evaluate;
  // A resumed search draws other random numbers than the run it continues:
  // with the same ones it would propose what it has seen, batch after batch,
  // and stop as having nothing new.
  runSearch(*S, R.Search, Search, Limits, Options.Seed + R.Resumed, Started,
            Observe);
  R.SearchSeconds = secondsSince(SearchStarted);

  const Evaluation &Best = *R.Search.best();
  R.Found = Best.Pipeline;
  R.FoundCost = *Best.Cost;
  auto MinimizeStarted = std::chrono::steady_clock::now();
  // Run times vary by about a percent from measurement to measurement; exact
  // costs allow no loss.
  bool Noisy = Options.Goal == Objective::Runtime;
  double Tolerance = Noisy ? 0.01 : 0;
  CodeFingerprint Digest = objectDigest(**Checker);
  R.Minimized = minimize(R.Found, R.FoundCost, Tolerance, Evaluate,
                         Noisy ? Digest : CodeFingerprint(), R.Search, Started,
                         R.MinimizedCost);
  R.MinimizeSeconds = secondsSince(MinimizeStarted);

  auto CheckStarted = std::chrono::steady_clock::now();
  double ReferenceCost = *Reference.Result.Cost;
  Candidate Winner = R.Minimized;
  double WinnerCost = R.MinimizedCost;
  if (R.MinimizedCost >= ReferenceCost) {
    R.NotWonBecause = "no candidate was better than -" +
                      baselineName(Reference.Level).str();
  } else if (Options.Goal == Objective::Runtime) {
    // The search's own measurements flatter its best (the fastest of
    // hundreds of noisy candidates): the finalists are measured again
    // against -O3 and the one with the highest lower bound is chosen. That
    // choice flatters too, so a chosen finalist is confirmed by a fresh
    // comparison, and only the fresh one counts.
    std::optional<Comparison> Chosen;
    for (auto &[Finalist, Cost] :
         finalists(R, ReferenceCost, Options.Finalists, Digest)) {
      auto Compared = remeasure(**Checker, Finalist, Reference.Pipeline, *B,
                                Options, Env.Measurement->options());
      if (!Compared)
        return Compared.takeError();
      ++R.FinalistsRemeasured;
      if (Chosen && Compared->Lower <= Chosen->Lower)
        continue;
      Chosen = *Compared;
      Winner = Finalist;
      WinnerCost = Cost;
    }
    R.Remeasured = Chosen;
    if (R.FinalistsRemeasured > 1) {
      auto Confirmed = remeasure(**Checker, Winner, Reference.Pipeline, *B,
                                 Options, Env.Measurement->options());
      if (!Confirmed)
        return Confirmed.takeError();
      R.Remeasured = *Confirmed;
    }
    R.Won = R.Remeasured->candidateIsFaster();
    if (!R.Won)
      R.NotWonBecause =
          llvm::formatv("re-measured against -O3, the best of {0} finalists "
                        "has a speed-up of {1:F3}x with an interval [{2:F3}, "
                        "{3:F3}] that is not above 1",
                        R.FinalistsRemeasured, R.Remeasured->Speedup,
                        R.Remeasured->Lower, R.Remeasured->Upper)
              .str();
  } else {
    R.Won = true;
  }
  R.Answer = R.Won ? Winner : Reference.Pipeline;
  R.AnswerCost = R.Won ? WinnerCost : ReferenceCost;
  R.Validation = validate(**Checker, R.Answer, *B);
  if (R.Won && R.Validation != "valid" && Options.Goal != Objective::Runtime &&
      B->runSpec()) {
    // Removing elements can break a program whose best pipeline worked; the
    // search's best was checked when it was found.
    R.Answer = R.Found;
    R.AnswerCost = R.FoundCost;
    R.Validation = validate(**Checker, R.Answer, *B);
  }
  if (R.Won && R.Validation != "valid" &&
      R.Validation != "not runnable (not checked)") {
    R.NotWonBecause = "the best candidate does not behave as the "
                      "unoptimized program: " +
                      R.Validation;
    R.Won = false;
    R.Answer = Reference.Pipeline;
    R.AnswerCost = ReferenceCost;
    R.Validation = validate(**Checker, R.Answer, *B);
  }
  R.CheckSeconds = secondsSince(CheckStarted);
  CacheStatistics Cache = Env.Measurement->statistics();
  R.CacheHits = Cache.Hits;
  R.CacheMisses = Cache.Misses;
  return R;
}

} // namespace passgym
