//===- learning/evaluation/Evaluation.cpp - What `passgym eval` does ------===//
#include "learning/evaluation/Evaluation.h"

#include "actions/ActionSpace.h"
#include "costs/Cost.h"
#include "costs/Measurement.h"
#include "datasets/DatasetSpec.h"
#include "datasets/Manifest.h"
#include "env/Environment.h"
#include "learning/evaluation/PolicyRun.h"
#include "learning/inputs/StateBatch.h"
#include "runtime/Runtime.h"
#include "support/Statistics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace passgym::learning {
namespace {

std::optional<double> ratio(const std::optional<double> &Numerator,
                            const std::optional<double> &Denominator) {
  if (!Numerator || !Denominator || *Denominator <= 0)
    return std::nullopt;
  return *Numerator / *Denominator;
}

GeoMean geoMean(const std::vector<EvalRow> &Rows,
                std::optional<double> (EvalRow::*Ratio)() const) {
  std::vector<double> Values;
  for (const EvalRow &R : Rows)
    if (auto V = (R.*Ratio)(); V && *V > 0)
      Values.push_back(*V);
  return {geometricMean(Values), Values.size()};
}

/// -O3's program against \p Policy's in \p Pairs interleaved pairs of runs.
llvm::Expected<Comparison> pairedWithO3(const llvm::Module &Policy,
                                        const Benchmark &B, unsigned Pairs,
                                        std::optional<unsigned> Cpu) {
  llvm::LLVMContext Context;
  auto O3 = loadBaseline(B, Baseline::O3, Context);
  if (!O3)
    return O3.takeError();
  auto O3Program = Program::build(**O3, *B.runSpec());
  if (!O3Program)
    return O3Program.takeError();
  auto PolicyProgram = Program::build(Policy, *B.runSpec());
  if (!PolicyProgram)
    return PolicyProgram.takeError();
  return comparePrograms(*O3Program, *PolicyProgram, B, Pairs, Cpu);
}

void measure(const Environment &Env, const BenchmarkPtr &B,
             const EvalRunOptions &Options, EvalRow &Row) {
  MeasurementContext &Measurement = Env.measurement();
  auto Module = Env.module();
  if (!Module) {
    Row.Error = llvm::toString(Module.takeError());
    return;
  }
  auto Count =
      computeCost(CostFunction::IrInstructionCount, *Module, *B, Measurement);
  auto Oz = baselineCost(CostFunction::IrInstructionCount, Baseline::Oz, *B,
                         Measurement);
  if (!Count) {
    Row.Error = llvm::toString(Count.takeError());
    llvm::consumeError(Oz.takeError());
    return;
  }
  if (!Oz) {
    Row.Error = llvm::toString(Oz.takeError());
    return;
  }
  Row.InstCount = *Count;
  Row.InstCountOz = *Oz;
  if (!B->runSpec()) {
    Row.RuntimeNote = "not runnable";
    return;
  }
  if (!Options.Runtime) {
    Row.RuntimeNote = "not measured";
    return;
  }
  auto Ms = computeCost(CostFunction::Runtime, *Module, *B, Measurement);
  auto O0 = baselineCost(CostFunction::Runtime, Baseline::O0, *B, Measurement);
  auto O3 = baselineCost(CostFunction::Runtime, Baseline::O3, *B, Measurement);
  std::string Problems;
  for (auto *E : {&Ms, &O0, &O3})
    if (!*E)
      Problems +=
          (Problems.empty() ? "" : "; ") + llvm::toString(E->takeError());
  if (!Problems.empty()) {
    Row.RuntimeNote = Problems;
    return;
  }
  Row.RuntimeMs = *Ms;
  Row.RuntimeO0Ms = *O0;
  Row.RuntimeO3Ms = *O3;
  if (Options.RemeasurePairs == 0)
    return;
  auto Paired = pairedWithO3(*Module, *B, Options.RemeasurePairs, Options.Cpu);
  if (!Paired) {
    Row.RuntimeNote =
        "paired runs with -O3: " + llvm::toString(Paired.takeError());
    return;
  }
  Row.PairedVsO3 = std::move(*Paired);
}

std::string formatRatio(const std::optional<double> &V) {
  if (!V)
    return "-";
  char Buffer[32];
  std::snprintf(Buffer, sizeof(Buffer), "%.3fx", *V);
  return Buffer;
}

/// Built-ins by name, manifest entries as tables name them (displayName).
std::string shortName(const std::string &Uri) {
  size_t Slash = Uri.rfind('/');
  return Uri.rfind("benchmark://", 0) == 0 && Slash != std::string::npos
             ? Uri.substr(Slash + 1)
             : displayName(Uri);
}

} // namespace

std::optional<double> EvalRow::instCountVsOz() const {
  return ratio(InstCountOz, InstCount);
}
std::optional<double> EvalRow::speedupVsO0() const {
  return ratio(RuntimeO0Ms, RuntimeMs);
}
std::optional<double> EvalRow::speedupVsO3() const {
  return ratio(RuntimeO3Ms, RuntimeMs);
}

std::optional<double> EvalRow::pairedVsO3() const {
  if (!PairedVsO3)
    return std::nullopt;
  return PairedVsO3->Speedup;
}

llvm::Expected<EvalResult> runEvaluation(
    const EvalRunOptions &O,
    const std::function<void(size_t, size_t, const std::string &)> &Progress) {
  auto Loaded = loadPolicy(O.Policy, O.ActionsFile, O.VocabularyFile);
  if (!Loaded)
    return Loaded.takeError();
  const CheckpointContents &Saved = Loaded->Saved;
  auto Benchmarks = loadDataset(O.Datasets);
  if (!Benchmarks)
    return Benchmarks.takeError();

  EvalResult Result;
  Result.Algorithm = nameOf(kAgentNames, Saved.Algorithm);
  Result.State = nameOf(kStateKindNames, Loaded->Encoding.Kind);
  Result.RewardSpace = Saved.RewardSpace;
  Result.EpisodeLength =
      O.EpisodeLength > 0 ? O.EpisodeLength : Saved.EpisodeLength;
  Result.StartPipeline = baselinePipeline(Saved.StartFrom);
  MeasurementOptions Measure;
  Measure.Cpu = O.Cpu;
  auto Env =
      Environment::create({Loaded->Space, "", "IrInstructionCount",
                           std::make_shared<MeasurementContext>(Measure)});
  if (!Env)
    return Env.takeError();
  for (size_t I = 0; I < Benchmarks->size(); ++I) {
    const BenchmarkPtr &B = (*Benchmarks)[I];
    if (Progress)
      Progress(I, Benchmarks->size(), B->uri());
    EvalRow Row;
    Row.Benchmark = B->uri();
    auto Episode = rollOut(**Env, *Loaded, B, Result.EpisodeLength,
                           [](const torch::Tensor &Logits) {
                             return Logits.argmax().item<int64_t>();
                           });
    if (!Episode)
      return Episode.takeError();
    Row.Steps = Episode->Steps;
    Row.Error = Episode->Error;
    if (!Episode->Start.empty())
      Row.Sequence.push_back(Episode->Start);
    for (size_t Action : Episode->Effective)
      Row.Sequence.push_back((*Loaded->Space)[Action].Name);
    Row.Pipeline = llvm::join(pipelineElements(*Episode, *Loaded->Space), ",");
    if (Row.Error.empty())
      measure(**Env, B, O, Row);
    Result.Rows.push_back(std::move(Row));
  }
  if (Progress)
    Progress(Benchmarks->size(), Benchmarks->size(), "");
  Result.InstCountVsOz = geoMean(Result.Rows, &EvalRow::instCountVsOz);
  Result.SpeedupVsO0 = geoMean(Result.Rows, &EvalRow::speedupVsO0);
  Result.SpeedupVsO3 = geoMean(Result.Rows, &EvalRow::speedupVsO3);
  Result.PairedVsO3 = geoMean(Result.Rows, &EvalRow::pairedVsO3);
  for (const EvalRow &Row : Result.Rows) {
    if (!Row.PairedVsO3)
      continue;
    Result.FasterThanO3 += Row.PairedVsO3->candidateIsFaster();
    Result.SlowerThanO3 += Row.PairedVsO3->Upper < 1.0;
  }
  return Result;
}

void printEvaluation(const EvalResult &R, llvm::raw_ostream &Out) {
  Out << "policy: " << R.Algorithm << " on the " << R.State
      << " state, trained on " << R.RewardSpace << ", " << R.EpisodeLength
      << " greedy steps per benchmark (no search), each from ";
  if (R.StartPipeline.empty())
    Out << "the unoptimized module\n\n";
  else
    Out << "the output of " << R.StartPipeline
        << " (first in each sequence; the baselines from the unoptimized "
           "module)\n\n";
  std::vector<std::string> Uris;
  size_t Width = 22;
  for (const EvalRow &Row : R.Rows) {
    Uris.push_back(Row.Benchmark);
    Width = std::max(Width, shortName(Row.Benchmark).size() + 2);
  }
  Out << benchmarkColumn(Uris).Note;
  Out << llvm::left_justify("benchmark", Width) << llvm::right_justify("insts", 8)
      << llvm::right_justify("Oz", 8) << llvm::right_justify("vs Oz", 9)
      << llvm::right_justify("ms", 10) << llvm::right_justify("vs O0", 9)
      << llvm::right_justify("vs O3", 9) << llvm::right_justify("paired", 9)
      << llvm::right_justify("95% interval", 18) << "  sequence\n";
  for (const EvalRow &Row : R.Rows) {
    Out << llvm::left_justify(shortName(Row.Benchmark), Width);
    if (!Row.Error.empty()) {
      Out << "  failed: " << Row.Error << "\n";
      continue;
    }
    Out << llvm::format("%8.0f%8.0f", *Row.InstCount, *Row.InstCountOz)
        << llvm::right_justify(formatRatio(Row.instCountVsOz()), 9);
    if (Row.RuntimeMs)
      Out << llvm::format("%10.3f", *Row.RuntimeMs);
    else
      Out << llvm::right_justify("-", 10);
    Out << llvm::right_justify(formatRatio(Row.speedupVsO0()), 9)
        << llvm::right_justify(formatRatio(Row.speedupVsO3()), 9);
    if (Row.PairedVsO3)
      Out << llvm::right_justify(formatRatio(Row.PairedVsO3->Speedup), 9)
          << llvm::format("  [%.3f, %.3f]", Row.PairedVsO3->Lower,
                          Row.PairedVsO3->Upper);
    else
      Out << llvm::right_justify("-", 9) << llvm::right_justify("-", 18);
    Out << "  ";
    if (Row.Sequence.empty())
      Out << "(no pass changed the module)";
    for (size_t I = 0; I < Row.Sequence.size(); ++I)
      Out << (I ? " " : "") << Row.Sequence[I];
    if (!Row.RuntimeNote.empty())
      Out << "  [runtime: " << Row.RuntimeNote << "]";
    Out << "\n";
  }
  auto Mean = [&](llvm::StringRef Name, const GeoMean &G) {
    Out << llvm::left_justify(Name, 40);
    if (G.Count)
      Out << llvm::format("%.3fx", G.Value);
    else
      Out << "-";
    Out << "  over " << G.Count << " of " << R.Rows.size() << " benchmarks\n";
  };
  Out << "\ngeometric means (above 1.000x: the policy wins)\n";
  Mean("  instruction count, Oz / policy", R.InstCountVsOz);
  Mean("  speedup vs O0, O0 time / policy time", R.SpeedupVsO0);
  Mean("  speedup vs O3, O3 time / policy time", R.SpeedupVsO3);
  Mean("  paired with O3, O3 / policy (median)", R.PairedVsO3);
  // Each single time is one measurement of its own, not interleaved with
  // -O3's: on a busy machine those ratios drift by tens of percent.
  if (R.SpeedupVsO3.Count)
    Out << "ms, vs O0 and vs O3 are single measurements (a screening "
           "figure); paired: interleaved runs of -O3's program and the "
           "policy's, the median ratio and its 95% interval\n";
  if (R.PairedVsO3.Count)
    Out << "faster than O3 (interval above 1): " << R.FasterThanO3
        << ", slower (interval below 1): " << R.SlowerThanO3 << ", of "
        << R.PairedVsO3.Count << "\n";
}

std::string evaluationJson(const EvalResult &R) {
  auto Optional = [](const std::optional<double> &V) {
    return V ? nlohmann::json(*V) : nlohmann::json(nullptr);
  };
  auto Mean = [](const GeoMean &G) {
    return nlohmann::json{
        {"value", G.Count ? nlohmann::json(G.Value) : nlohmann::json(nullptr)},
        {"count", G.Count}};
  };
  nlohmann::json J;
  J["algorithm"] = R.Algorithm;
  J["reward_space"] = R.RewardSpace;
  J["episode_length"] = R.EpisodeLength;
  J["start_pipeline"] = R.StartPipeline;
  J["benchmarks"] = nlohmann::json::array();
  for (const EvalRow &Row : R.Rows)
    J["benchmarks"].push_back(
        {{"benchmark", Row.Benchmark},
         {"steps", Row.Steps},
         {"error", Row.Error},
         {"sequence", Row.Sequence},
         {"pipeline", Row.Pipeline},
         {"instcount", Optional(Row.InstCount)},
         {"instcount_oz", Optional(Row.InstCountOz)},
         {"instcount_vs_oz", Optional(Row.instCountVsOz())},
         {"runtime_ms", Optional(Row.RuntimeMs)},
         {"runtime_o0_ms", Optional(Row.RuntimeO0Ms)},
         {"runtime_o3_ms", Optional(Row.RuntimeO3Ms)},
         {"speedup_vs_o0", Optional(Row.speedupVsO0())},
         {"speedup_vs_o3", Optional(Row.speedupVsO3())},
         {"paired_vs_o3",
          Row.PairedVsO3 ? nlohmann::json{{"median", Row.PairedVsO3->Speedup},
                                          {"lower", Row.PairedVsO3->Lower},
                                          {"upper", Row.PairedVsO3->Upper},
                                          {"pairs",
                                           Row.PairedVsO3->BaselineMs.size()}}
                         : nlohmann::json(nullptr)},
         {"runtime_note", Row.RuntimeNote}});
  J["geomean"] = {{"instcount_vs_oz", Mean(R.InstCountVsOz)},
                  {"speedup_vs_o0", Mean(R.SpeedupVsO0)},
                  {"speedup_vs_o3", Mean(R.SpeedupVsO3)},
                  {"paired_vs_o3", Mean(R.PairedVsO3)}};
  J["faster_than_o3"] = R.FasterThanO3;
  J["slower_than_o3"] = R.SlowerThanO3;
  return J.dump(1) + "\n";
}

} // namespace passgym::learning
