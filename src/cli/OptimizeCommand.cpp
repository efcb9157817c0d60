#include "cli/Commands.h"
#include "cli/Common.h"

#include "distributed/Distributed.h"
#include "optimize/Optimize.h"
#include "support/Files.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <thread>

namespace passgym::cli {
namespace {

struct OptimizeCommandOptions {
  std::string Benchmark;
  std::string Objective = "runtime";
  std::string Budget = "10m";
  std::string Strategy = "auto";
  unsigned Jobs = std::max(1u, std::thread::hardware_concurrency());
  uint64_t Candidates = 0;
  uint64_t Seed = 0;
  bool PinCpus = false;
  std::string ActionsFile;
  std::string Policy;
  std::string Output;
  bool Force = false;
  passgym::Isolation Isolation = Isolation::Worker;
  bool Mpi = false;
  bool Resume = false;
};

void printSummary(const OptimizeReport &R, const std::string &Output) {
  Baseline RefLevel = referenceOf(R.Goal);
  double Ref = *R.baseline(RefLevel)->Result.Cost;
  llvm::outs() << "\n"
               << llvm::formatv("{0,-26} {1,14} {2,12}\n", "pipeline",
                                costName(costOf(R.Goal)),
                                "vs -" + baselineName(RefLevel).str());
  auto Row = [&](const std::string &Name, std::optional<double> Cost,
                 const std::string &Note = "") {
    if (!Cost) {
      llvm::outs() << llvm::formatv("{0,-26} {1,14}\n", Name, "failed");
      return;
    }
    llvm::outs() << llvm::formatv("{0,-26} {1,14:F3} {2,11:F3}x {3}\n", Name,
                                  *Cost, Ref / *Cost, Note);
  };
  for (const BaselineResult &B : R.Baselines)
    Row("-" + baselineName(B.Level).str(), B.Result.Cost);
  Row("found (" + std::to_string(R.Found.size()) + " elements)", R.FoundCost);
  Row("minimized (" + std::to_string(R.Minimized.size()) + " elements)",
      R.MinimizedCost);
  if (R.Remeasured)
    llvm::outs() << llvm::formatv(
        "\nre-measured against -O3 (best of {4} finalists, confirmed by {0} "
        "fresh interleaved pairs): {1:F3}x, 95% interval [{2:F3}, {3:F3}]\n",
        R.Remeasured->BaselineMs.size(), R.Remeasured->Speedup,
        R.Remeasured->Lower, R.Remeasured->Upper, R.FinalistsRemeasured);
  if (R.Won)
    llvm::outs() << "\nanswer: the pipeline found beats -"
                 << baselineName(RefLevel) << "\n";
  else
    llvm::outs() << "\nanswer: -" << baselineName(RefLevel)
                 << " is the best found (" << R.NotWonBecause << ")\n";
  llvm::outs() << "command: " << optCommandLine(R.Answer)
               << " input.bc -o output.bc\n";
  llvm::outs() << "validation: " << R.Validation << "\n"
               << "candidates: " << R.Search.History.size() << "\n"
               << "written to " << Output
               << "/ (pipeline.txt, program.bc, report.md, report.json, "
                  "progress.svg)\n";
}

/// Every candidate evaluated so far, in order, written atomically to
/// OUTDIR/checkpoint.json: what a run that was killed (an MPI job ends when
/// one rank dies) had found.
llvm::Error writeCheckpoint(const SearchState &State,
                            const OptimizeCommandOptions &Options) {
  nlohmann::json Candidates = nlohmann::json::array();
  for (const Evaluation &E : State.History) {
    nlohmann::json Entry = {{"pipeline", E.Pipeline}, {"at_seconds", E.At}};
    if (E.Cost)
      Entry["cost"] = *E.Cost;
    else
      Entry["error"] = E.Error;
    if (!E.Host.empty())
      Entry["host"] = E.Host;
    Candidates.push_back(std::move(Entry));
  }
  nlohmann::json J = {{"benchmark", Options.Benchmark},
                      {"objective", Options.Objective},
                      {"strategy", Options.Strategy},
                      {"seed", Options.Seed},
                      {"candidates", std::move(Candidates)}};
  if (std::error_code EC = llvm::sys::fs::create_directories(Options.Output))
    return llvm::createStringError(EC, "cannot create '" + Options.Output +
                                           "': " + EC.message());
  return writeFileAtomically(Options.Output + "/checkpoint.json",
                             J.dump(1) + "\n");
}

/// The candidates of OUTDIR/checkpoint.json, for --resume: the checkpoint
/// must be of the same benchmark and objective.
llvm::Expected<std::vector<Evaluation>>
readCheckpoint(const OptimizeCommandOptions &Options) {
  std::string Path = Options.Output + "/checkpoint.json";
  auto Fail = [&](const std::string &Why) {
    return llvm::createStringError("cannot resume from '" + Path + "': " + Why);
  };
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return Fail(Buffer.getError().message());
  nlohmann::json J = nlohmann::json::parse((*Buffer)->getBuffer(), nullptr,
                                           /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object() || !J.contains("candidates") ||
      !J["candidates"].is_array())
    return Fail("not a checkpoint of passgym optimize");
  for (const char *Key : {"benchmark", "objective"}) {
    std::string Saved = J.value(Key, "");
    std::string Asked = Key == llvm::StringRef("benchmark") ? Options.Benchmark
                                                            : Options.Objective;
    if (Saved != Asked)
      return Fail(std::string("its ") + Key + " is '" + Saved + "', not '" +
                  Asked + "'");
  }
  std::vector<Evaluation> Candidates;
  for (const nlohmann::json &Entry : J["candidates"]) {
    Evaluation E;
    if (!Entry.is_object() || !Entry.contains("pipeline") ||
        !Entry["pipeline"].is_array())
      return Fail("candidate " + std::to_string(Candidates.size()) +
                  " has no pipeline");
    for (const nlohmann::json &Element : Entry["pipeline"]) {
      if (!Element.is_string())
        return Fail("candidate " + std::to_string(Candidates.size()) +
                    " has a pipeline element that is not a string");
      E.Pipeline.push_back(Element.get<std::string>());
    }
    if (Entry.contains("cost") && Entry["cost"].is_number())
      E.Cost = Entry["cost"].get<double>();
    else
      E.Error = Entry.value("error", std::string("no cost in the checkpoint"));
    E.Host = Entry.value("host", std::string());
    Candidates.push_back(std::move(E));
  }
  return Candidates;
}

int runOptimize(const OptimizeCommandOptions &Options) {
  // Under mpirun every rank runs this command: rank 0 searches, the others
  // evaluate its candidates (docs/mpi.md).
  std::unique_ptr<MpiJob> Mpi;
  if (Options.Mpi || launchedByMpi()) {
    auto Joined = MpiJob::join();
    if (!Joined)
      return reportError(Joined.takeError());
    Mpi = std::move(*Joined);
    if (Mpi->rank() > 0) {
      if (llvm::Error E = Mpi->serve())
        return reportError(std::move(E));
      return 0;
    }
    if (Mpi->size() < 2)
      return reportError(llvm::createStringError(
          "--mpi needs ranks to evaluate candidates: start passgym with "
          "mpirun -np N (N >= 2) or srun"));
  }
  OptimizeOptions Optimize;
  Optimize.Goal = *parseObjective(Options.Objective);
  Optimize.Strategy = *parseStrategy(Options.Strategy);
  // A policy given means the policy strategy, unless another was asked for.
  if (!Options.Policy.empty() && Optimize.Strategy == StrategyKind::Auto)
    Optimize.Strategy = StrategyKind::Policy;
  if (Optimize.Strategy == StrategyKind::Policy) {
    if (Options.Policy.empty())
      return reportError(llvm::createStringError(
          "--strategy policy needs a trained policy: --policy CHECKPOINT"));
    if (!llvm::sys::fs::can_execute(learningBinary()))
      return reportError(llvm::createStringError(
          "--policy needs passgym-learn (libtorch), which this build lacks"));
    Optimize.Strategies.Proposals = policyProposals(
        Options.Benchmark, Options.Policy, Options.ActionsFile, Options.Seed);
  }
  auto Budget = parseDuration(Options.Budget);
  if (!Budget)
    return reportError(llvm::createStringError(
        "invalid --budget '" + Options.Budget +
        "': give a positive time such as 90s, 10m or 1h (at most a week)"));
  Optimize.Budget = std::chrono::duration<double>(*Budget);
  if (Options.Candidates)
    Optimize.Candidates = Options.Candidates;
  Optimize.Jobs = Options.Jobs;
  Optimize.PinCpus = Options.PinCpus;
  Optimize.Seed = Options.Seed;
  Optimize.Isolation = Options.Isolation;
  if (Mpi) {
    // One evaluator per rank; batches keep every rank busy.
    Optimize.Jobs = Mpi->size() - 1;
    Optimize.Evaluators = Mpi->evaluators();
  }
  // Found out now, not after the whole budget.
  if (llvm::sys::fs::exists(Options.Output + "/report.json") && !Options.Force)
    return reportError(llvm::createStringError(
        "'" + Options.Output +
        "' already holds a report; choose another directory or pass --force "
        "to replace it"));
  if (llvm::Error E = checkWritableDirectory(Options.Output))
    return reportError(std::move(E));
  if (Options.Resume) {
    auto Resumed = readCheckpoint(Options);
    if (!Resumed)
      return reportError(Resumed.takeError());
    Optimize.Resumed = std::move(*Resumed);
  }
  auto Actions = ActionSpace::load(Options.ActionsFile);
  if (!Actions)
    return reportError(Actions.takeError());
  Optimize.Actions = *Actions;
  auto B = loadBenchmark(Options.Benchmark);
  if (!B)
    return reportError(B.takeError());

  ProgressBar Bar("optimize");
  bool Terminal = llvm::sys::Process::StandardErrIsDisplayed();
  double LastLine = -1e9;
  // Often enough to lose little, seldom enough not to rewrite a long history
  // after every batch.
  constexpr double kCheckpointEvery = 5;
  double LastCheckpoint = 0;
  auto Result = optimize(*B, Optimize, [&](const SearchState &State) {
    if (State.History.back().At - LastCheckpoint >= kCheckpointEvery) {
      if (llvm::Error E = writeCheckpoint(State, Options))
        llvm::errs() << "optimize: " << llvm::toString(std::move(E)) << "\n";
      LastCheckpoint = State.History.back().At;
    }
    const Evaluation *Best = State.best();
    const Evaluation &Reference = State.History[static_cast<size_t>(
        referenceOf(Optimize.Goal))];
    if (!Best || !Reference.Cost)
      return;
    double Elapsed = State.History.back().At;
    std::string Status = llvm::formatv(
        "best {0:F3}x -{1}, {2} candidates, {3:F1}/s, {4:F0} s left",
        *Reference.Cost / *Best->Cost, baselineName(referenceOf(Optimize.Goal)),
        State.History.size(), State.History.size() / std::max(Elapsed, 1e-3),
        std::max(0.0, *Budget - Elapsed));
    if (Terminal) {
      Bar.update(std::min(1.0, Elapsed / *Budget), Status);
    } else if (Elapsed - LastLine >= 10) {
      llvm::errs() << "optimize: " << Status << "\n";
      LastLine = Elapsed;
    }
  });
  Bar.finish();
  if (!Result)
    return reportError(Result.takeError());
  if (Mpi)
    Result->Distributed = Mpi->summary();
  if (llvm::Error E = writeCheckpoint(Result->Search, Options))
    return reportError(std::move(E));
  if (llvm::Error E =
          writeOptimizeOutputs(*Result, *B, Optimize, Options.Output))
    return reportError(std::move(E));
  printSummary(*Result, Options.Output);
  return 0;
}

} // namespace

void addOptimizeCommand(CLI::App &App) {
  auto Options = std::make_shared<OptimizeCommandOptions>();
  std::string Strategies;
  for (StrategyKind Kind : strategyKinds())
    Strategies += "\n  " + strategyName(Kind).str() + ": " +
                  strategyDescription(Kind).str();
  CLI::App *Command = App.add_subcommand(
      "optimize",
      "Find a pass pipeline that makes a program faster than -O3 (or smaller "
      "than -Oz), starting from LLVM's own pipelines. The standard levels are "
      "measured in the same run; the winner is minimized, validated against "
      "the unoptimized program and, for run time, re-measured interleaved "
      "with -O3: a win is claimed only when its 95% interval lies above 1, "
      "otherwise the answer is -O3 (or -Oz) itself.\n"
      "Writes OUTDIR/pipeline.txt (an opt-19 -passes= text; "
      "opt-options.txt beside it when opt-19 needs options to run it, such "
      "as an inliner threshold), program.bc, "
      "program (runnable programs), report.md, report.json, progress.svg, "
      "and checkpoint.json (every candidate evaluated, kept up to date as "
      "the search runs).\n"
      "Examples:\n"
      "  passgym optimize benchmark://builtin-v0/qsort --budget 2m -o out\n"
      "  passgym optimize prog.c --objective size --budget 60s -o out");
  Command->add_option("benchmark", Options->Benchmark, "benchmark URI or file")
      ->required();
  Command
      ->add_option("--objective", Options->Objective,
                   "runtime (measured ms, vs -O3), size (.text bytes at "
                   "-O2 codegen, vs -Oz) or instcount (IR instructions, vs -Oz)")
      ->capture_default_str()
      ->check(CLI::IsMember({"runtime", "size", "instcount"}));
  Command
      ->add_option("--budget", Options->Budget,
                   "search time: 90s, 10m, 1h (baselines, minimization and "
                   "the final check come on top)")
      ->capture_default_str();
  std::vector<std::string> Names;
  for (StrategyKind Kind : strategyKinds())
    Names.push_back(strategyName(Kind).str());
  Command
      ->add_option("--strategy", Options->Strategy,
                   "search strategy:" + Strategies)
      ->capture_default_str()
      ->check(CLI::IsMember(Names));
  Command
      ->add_option("--jobs", Options->Jobs,
                   "candidates evaluated in parallel, each job in a worker "
                   "process of its own (default: the cores)")
      ->capture_default_str()
      ->check(wholeNumber(1, 256));
  Command
      ->add_option("--candidates", Options->Candidates,
                   "stop after this many candidates (0: the budget only)")
      ->check(wholeNumber(0, kMaxCount));
  Command->add_option("--seed", Options->Seed, "random seed")
      ->capture_default_str()
      ->check(wholeNumber(0, kMaxCount));
  Command->add_flag("--pin-cpus", Options->PinCpus,
                    "pin job I's measured runs to CPU I");
  Command->add_option("--actions", Options->ActionsFile,
                      "action space file: the actions a search may insert "
                      "(default: the 124 built-in actions)")
      ->check(actionSpaceArgument());
  Command
      ->add_option("--policy", Options->Policy,
                   "a trained checkpoint directory (passgym train): its "
                   "sampled sequences are the candidates (--strategy policy)")
      ->check(CLI::ExistingDirectory);
  Command->add_option("-o,--output", Options->Output, "output directory")
      ->required();
  Command->add_flag("--force", Options->Force,
                    "replace the report of an earlier run in OUTDIR");
  Command->add_flag(
      "--resume", Options->Resume,
      "continue from OUTDIR/checkpoint.json (a run that was stopped or "
      "killed, or one to search further): its candidates are not evaluated "
      "again; same benchmark and objective; the baselines and the final "
      "checks are done anew");
  addIsolationOption(*Command, Options->Isolation);
  Command->add_flag(
      "--mpi", Options->Mpi,
      "evaluate candidates on the other ranks of an MPI job (implied when "
      "mpirun or srun started several ranks): rank 0 searches and writes "
      "the report, ranks 1..N-1 evaluate (docs/mpi.md)");
  runWith(*Command, [Options] { return runOptimize(*Options); });
}

} // namespace passgym::cli
