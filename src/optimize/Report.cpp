//===- optimize/Report.cpp - What `optimize` writes -----------------------===//
#include "optimize/Optimize.h"

#include "runtime/Runtime.h"
#include "support/Files.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

namespace passgym {
namespace {

/// How much better \p Cost is than \p Reference: above 1 is better.
double gain(double Reference, double Cost) {
  return Cost > 0 ? Reference / Cost : 0;
}

std::string costUnit(Objective O) {
  switch (O) {
  case Objective::Runtime:
    return "ms";
  case Objective::Size:
    return ".text bytes";
  case Objective::InstCount:
    return "instructions";
  }
  llvm_unreachable("every objective is handled");
}

nlohmann::json evaluationJson(const Evaluation &E) {
  nlohmann::json J = {{"pipeline", pipelineText(E.Pipeline)},
                      {"elements", E.Pipeline.size()},
                      {"at_seconds", E.At}};
  if (E.Cost)
    J["cost"] = *E.Cost;
  else
    J["error"] = E.Error;
  return J;
}

nlohmann::json distributedJson(const DistributedSummary &D) {
  nlohmann::json Ranks = nlohmann::json::array();
  for (const RankShare &Rank : D.Ranks)
    Ranks.push_back({{"rank", Rank.Rank},
                     {"host", Rank.Host},
                     {"candidates", Rank.Candidates},
                     {"seconds", Rank.Seconds},
                     {"lost", Rank.Lost}});
  return {{"ranks", std::move(Ranks)},
          {"tasks", D.Tasks},
          {"reissued", D.Reissued},
          {"task_bytes", D.TaskBytes},
          {"result_bytes", D.ResultBytes},
          {"communication_seconds", D.CommunicationSeconds},
          // Run times measured on different hosts are not comparable.
          {"checked_on", D.Ranks.empty() ? "" : D.Ranks.front().Host},
          {"checked_on_means",
           "rank 0's host ran the validation and, for run time, the "
           "re-measurement against -O3: a speed-up compares measurements of "
           "one host"}};
}

nlohmann::json reportJson(const OptimizeReport &R) {
  nlohmann::json J;
  J["benchmark"] = R.Benchmark;
  J["objective"] = objectiveName(R.Goal);
  J["cost"] = costName(costOf(R.Goal));
  J["strategy"] = strategyName(R.Strategy);
  J["jobs"] = R.Jobs;
  for (const BaselineResult &B : R.Baselines)
    J["baselines"]["-" + baselineName(B.Level).str()] =
        evaluationJson(B.Result);
  J["found"] = {{"pipeline", pipelineText(R.Found)}, {"cost", R.FoundCost}};
  J["minimized"] = {{"pipeline", pipelineText(R.Minimized)},
                    {"elements", R.Minimized.size()},
                    {"cost", R.MinimizedCost}};
  if (R.Remeasured)
    J["remeasured_against_O3"] = {{"finalists", R.FinalistsRemeasured},
                                  {"speedup", R.Remeasured->Speedup},
                                  {"interval95", {R.Remeasured->Lower,
                                                  R.Remeasured->Upper}},
                                  {"O3_ms", R.Remeasured->BaselineMs},
                                  {"candidate_ms", R.Remeasured->CandidateMs}};
  J["won"] = R.Won;
  if (!R.NotWonBecause.empty())
    J["not_won_because"] = R.NotWonBecause;
  J["answer"] = {{"pipeline", pipelineText(R.Answer)},
                 {"opt_command", optCommandLine(R.Answer)},
                 {"cost", R.AnswerCost},
                 {"validation", R.Validation}};
  size_t Invalid = llvm::count_if(
      R.Search.History, [](const Evaluation &E) { return !E.Cost; });
  J["candidates"] = {{"evaluated", R.Search.History.size()},
                     {"invalid", Invalid},
                     {"resumed", R.Resumed}};
  J["measurement_cache"] = {{"hits", R.CacheHits}, {"misses", R.CacheMisses}};
  if (R.Distributed)
    J["distributed"] = distributedJson(*R.Distributed);
  J["seconds"] = {{"baselines", R.BaselineSeconds},
                  {"search", R.SearchSeconds},
                  {"minimize", R.MinimizeSeconds},
                  {"check", R.CheckSeconds}};
  return J;
}

std::string reportMarkdown(const OptimizeReport &R) {
  Baseline RefLevel = referenceOf(R.Goal);
  double Ref = *R.baseline(RefLevel)->Result.Cost;
  std::string Level = "-" + baselineName(RefLevel).str();
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << "# passgym optimize: " << R.Benchmark << "\n\n"
     << "Objective: " << objectiveName(R.Goal) << " (" << costName(costOf(R.Goal))
     << ", " << costUnit(R.Goal) << "); strategy " << strategyName(R.Strategy)
     << ", " << R.Jobs << " job(s).\n\n"
     << "| pipeline | " << costUnit(R.Goal) << " | vs " << Level
     << " (above 1 is better) |\n| --- | ---: | ---: |\n";
  for (const BaselineResult &B : R.Baselines) {
    OS << "| -" << baselineName(B.Level) << " | ";
    if (B.Result.Cost)
      OS << llvm::formatv("{0:F3} | {1:F3}x |\n", *B.Result.Cost,
                          gain(Ref, *B.Result.Cost));
    else
      OS << "failed: " << B.Result.Error << " | |\n";
  }
  OS << llvm::formatv("| found ({0} elements) | {1:F3} | {2:F3}x |\n",
                      R.Found.size(), R.FoundCost, gain(Ref, R.FoundCost))
     << llvm::formatv("| minimized ({0} elements) | {1:F3} | {2:F3}x |\n\n",
                      R.Minimized.size(), R.MinimizedCost,
                      gain(Ref, R.MinimizedCost));
  if (R.Remeasured)
    OS << llvm::formatv("Re-measured against -O3 (best of {4} finalists, "
                        "confirmed by {0} fresh interleaved pairs): speed-up "
                        "{1:F3}x, 95% interval [{2:F3}, {3:F3}].\n\n",
                        R.Remeasured->BaselineMs.size(), R.Remeasured->Speedup,
                        R.Remeasured->Lower, R.Remeasured->Upper,
                        R.FinalistsRemeasured);
  if (R.Won)
    OS << "**Answer: the pipeline found, better than " << Level << ".**\n\n";
  else
    OS << "**Answer: " << Level << " is the best found** (" << R.NotWonBecause
       << ").\n\n";
  OS << "Validation of the answer: " << R.Validation << ".\n\n"
     << "Candidates evaluated: " << R.Search.History.size() << " ("
     << llvm::count_if(R.Search.History,
                       [](const Evaluation &E) { return !E.Cost; })
     << " invalid";
  if (R.Resumed)
    OS << ", " << R.Resumed << " of them taken from an earlier run's checkpoint";
  OS << "); measurement cache " << R.CacheHits << " hits, " << R.CacheMisses
     << " misses.\n\n";
  if (R.Distributed) {
    OS << "Evaluated by " << R.Distributed->Ranks.size() - 1
       << " MPI rank(s); the validation and, for run time, the "
          "re-measurement against -O3 ran on rank 0's host ("
       << R.Distributed->Ranks.front().Host
       << "), so a speed-up compares measurements of one host.\n\n"
       << "| rank | host | candidates | seconds |\n| ---: | --- | ---: | ---: "
          "|\n";
    for (const RankShare &Rank : R.Distributed->Ranks)
      OS << llvm::formatv("| {0} | {1} | {2} | {3:F1} |\n", Rank.Rank,
                          Rank.Host, Rank.Candidates, Rank.Seconds);
    OS << "\n";
  }
  OS
     << llvm::formatv("Time: baselines {0:F1} s, search {1:F1} s, minimize "
                      "{2:F1} s, check {3:F1} s.\n\n",
                      R.BaselineSeconds, R.SearchSeconds, R.MinimizeSeconds,
                      R.CheckSeconds)
     << "```\n" << optCommandLine(R.Answer) << " input.bc -o output.bc\n```\n";
  return Out;
}

/// Best-so-far against time, as the gain over the reference level.
std::string progressSvg(const OptimizeReport &R) {
  Baseline RefLevel = referenceOf(R.Goal);
  double Ref = *R.baseline(RefLevel)->Result.Cost;
  std::vector<std::pair<double, double>> Points;
  std::optional<double> Best;
  for (const Evaluation &E : R.Search.History) {
    if (!E.Cost || (Best && *E.Cost >= *Best))
      continue;
    Best = E.Cost;
    Points.emplace_back(E.At, gain(Ref, *E.Cost));
  }
  double EndTime = R.Search.History.empty() ? 1 : R.Search.History.back().At;
  EndTime = std::max(EndTime, 1e-3);
  double Low = 1, High = 1;
  for (auto &[T, G] : Points) {
    Low = std::min(Low, G);
    High = std::max(High, G);
  }
  Low = std::max(0.0, Low - 0.02);
  High += 0.02;
  const double W = 640, H = 360, Left = 60, Bottom = 40, Top = 30, Right = 20;
  auto X = [&](double T) { return Left + (W - Left - Right) * T / EndTime; };
  auto Y = [&](double G) {
    return H - Bottom - (H - Bottom - Top) * (G - Low) / (High - Low);
  };
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                      "height=\"{1}\" font-family=\"sans-serif\" "
                      "font-size=\"12\">\n",
                      W, H)
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
     << llvm::formatv("<text x=\"{0}\" y=\"18\">{1}: best so far, gain over "
                      "-{2} (above 1 is better)</text>\n",
                      Left, objectiveName(R.Goal), baselineName(RefLevel));
  OS << llvm::formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                      "stroke=\"gray\" stroke-dasharray=\"4\"/>\n"
                      "<text x=\"{2}\" y=\"{3}\" text-anchor=\"end\" "
                      "fill=\"gray\">-{4}</text>\n",
                      Left, Y(1), W - Right, Y(1) - 4, baselineName(RefLevel));
  OS << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
        "points=\"";
  for (size_t I = 0; I < Points.size(); ++I) {
    if (I)
      OS << llvm::formatv("{0:F1},{1:F1} ", X(Points[I].first),
                          Y(Points[I - 1].second));
    OS << llvm::formatv("{0:F1},{1:F1} ", X(Points[I].first),
                        Y(Points[I].second));
  }
  if (!Points.empty())
    OS << llvm::formatv("{0:F1},{1:F1}", X(EndTime), Y(Points.back().second));
  OS << "\"/>\n";
  OS << llvm::formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                      "stroke=\"black\"/>\n"
                      "<line x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\" "
                      "stroke=\"black\"/>\n",
                      Left, H - Bottom, W - Right, Top);
  OS << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">"
                      "seconds (0 to {2:F1})</text>\n",
                      (W + Left) / 2, H - 10, EndTime)
     << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\">{2:F3}"
                      "</text>\n<text x=\"{0}\" y=\"{3}\" "
                      "text-anchor=\"end\">{4:F3}</text>\n",
                      Left - 4, Y(High) + 4, High, Y(Low) + 4, Low)
     << "</svg>\n";
  return Out;
}

} // namespace

llvm::Error writeOptimizeOutputs(const OptimizeReport &Report, BenchmarkPtr B,
                                 const OptimizeOptions &Options,
                                 const std::string &Directory) {
  if (std::error_code EC = llvm::sys::fs::create_directories(Directory))
    return llvm::createStringError(EC, "cannot create '" + Directory +
                                           "': " + EC.message());
  auto File = [&](llvm::StringRef Name) { return Directory + "/" + Name.str(); };
  EnvironmentOptions Env;
  Env.Actions = Options.Actions;
  Env.Isolation = Options.Isolation;
  Env.Measurement = Options.Measurement;
  auto Evaluator = CandidateEvaluator::create(B, Env, costOf(Report.Goal));
  if (!Evaluator)
    return Evaluator.takeError();
  auto M = (*Evaluator)->moduleAfter(Report.Answer);
  if (!M)
    return M.takeError();
  std::string Bitcode;
  llvm::raw_string_ostream BitcodeOut(Bitcode);
  llvm::WriteBitcodeToFile(*M, BitcodeOut);
  auto Command = optCommand(Report.Answer);
  if (!Command)
    return Command.takeError();
  std::vector<std::pair<std::string, std::string>> Files = {
      {"pipeline.txt", Command->Passes + "\n"},
      {"program.bc", Bitcode},
      {"report.json", reportJson(Report).dump(2) + "\n"},
      {"report.md", reportMarkdown(Report)},
      {"progress.svg", progressSvg(Report)}};
  // pipeline.txt alone would run another pipeline than the answer's; an
  // earlier run's options must not stay beside this run's pipeline.
  if (!Command->Options.empty())
    Files.push_back(
        {"opt-options.txt", llvm::join(Command->Options, " ") + "\n"});
  else
    llvm::sys::fs::remove(File("opt-options.txt"));
  for (const auto &[Name, Contents] : Files)
    if (llvm::Error E = writeFileAtomically(File(Name), Contents))
      return E;
  if (!B->runSpec())
    return llvm::Error::success();
  auto Built = Program::build(*M, *B->runSpec());
  if (!Built)
    return Built.takeError();
  if (std::error_code EC =
          llvm::sys::fs::copy_file(Built->executable(), File("program")))
    return llvm::createStringError(EC, "cannot write '" + File("program") +
                                           "': " + EC.message());
  llvm::sys::fs::setPermissions(File("program"), llvm::sys::fs::all_exe |
                                                     llvm::sys::fs::owner_read |
                                                     llvm::sys::fs::owner_write);
  return llvm::Error::success();
}

} // namespace passgym
