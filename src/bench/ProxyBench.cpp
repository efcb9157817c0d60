#include "bench/ProxyBench.h"

#include "actions/ActionSpace.h"
#include "actions/PassRunner.h"
#include "costs/Cost.h"
#include "costs/RuntimeProxy.h"
#include "datasets/Benchmark.h"
#include "runtime/MeasurementContext.h"
#include "support/Files.h"
#include "support/Statistics.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

namespace passgym {

namespace {

std::vector<double> ranks(const std::vector<double> &Values) {
  std::vector<size_t> Order(Values.size());
  std::iota(Order.begin(), Order.end(), 0);
  std::sort(Order.begin(), Order.end(),
            [&](size_t A, size_t B) { return Values[A] < Values[B]; });
  std::vector<double> Rank(Values.size());
  for (size_t First = 0; First < Order.size();) {
    size_t Last = First;
    while (Last + 1 < Order.size() &&
           Values[Order[Last + 1]] == Values[Order[First]])
      ++Last;
    for (size_t I = First; I <= Last; ++I)
      Rank[Order[I]] = (First + Last) / 2.0 + 1;
    First = Last + 1;
  }
  return Rank;
}

double pearson(const std::vector<double> &X, const std::vector<double> &Y) {
  double MeanX = std::accumulate(X.begin(), X.end(), 0.0) / X.size();
  double MeanY = std::accumulate(Y.begin(), Y.end(), 0.0) / Y.size();
  double Sxy = 0, Sxx = 0, Syy = 0;
  for (size_t I = 0; I < X.size(); ++I) {
    Sxy += (X[I] - MeanX) * (Y[I] - MeanY);
    Sxx += (X[I] - MeanX) * (X[I] - MeanX);
    Syy += (Y[I] - MeanY) * (Y[I] - MeanY);
  }
  if (Sxx == 0 || Syy == 0)
    return NAN;
  return Sxy / std::sqrt(Sxx * Syy);
}

struct Variant {
  double MeasuredMs = 0, ProxyCycles = 0;
  /// Wall time of the measurement (build, runs, validation) and of the
  /// proxy (profiled build and run, codegen, MCA).
  double MeasureCostMs = 0, ProxyCostMs = 0;
};

struct BenchmarkFigures {
  std::string Uri;
  std::vector<Variant> Variants;
  /// Variants left out: a random sequence broke the program (LLVM failed,
  /// or the measurement found its behaviour changed).
  unsigned Dropped = 0;
  double Spearman = NAN;
};

/// \p B's unoptimized module after \p Actions, or an error if a pass fails.
llvm::Error applyActions(llvm::Module &M, const std::vector<size_t> &Actions) {
  auto Runner = PassRunner::create(M);
  if (!Runner)
    return Runner.takeError();
  for (size_t Action : Actions)
    if (auto Run = (*Runner)->run(ActionSpace::builtin()[Action].Pipeline);
        !Run)
      return Run.takeError();
  return llvm::Error::success();
}

llvm::Expected<BenchmarkFigures> benchBenchmark(const std::string &Uri,
                                                const ProxyBenchOptions &Options,
                                                std::mt19937_64 &Random) {
  auto B = loadBenchmark(Uri);
  if (!B)
    return B.takeError();
  if (!(*B)->runSpec())
    return llvm::createStringError("'" + Uri + "' is not runnable");
  MeasurementOptions Measure;
  Measure.Cpu = Options.Cpu;
  // No cache: every variant is measured.
  MeasurementContext Measurement(Measure, "");
  BenchmarkFigures Figures{Uri, {}, 0, NAN};
  for (unsigned I = 0; I < Options.Variants; ++I) {
    std::vector<size_t> Actions;
    for (unsigned J = 0; J < Options.EpisodeLength; ++J)
      Actions.push_back(Random() % ActionSpace::builtin().size());
    llvm::LLVMContext Context;
    auto M = (*B)->load(Context);
    if (!M)
      return M.takeError();
    if (llvm::Error E = applyActions(**M, Actions)) {
      llvm::consumeError(std::move(E));
      ++Figures.Dropped;
      continue;
    }
    Variant V;
    llvm::Expected<double> Measured = 0.0;
    V.MeasureCostMs = millisecondsOf([&] {
      Measured = computeCost(CostFunction::Runtime, **M, **B, Measurement);
    });
    if (!Measured) {
      llvm::consumeError(Measured.takeError());
      ++Figures.Dropped;
      continue;
    }
    llvm::Expected<RuntimeProxyEstimate> Proxy =
        llvm::createStringError("not run");
    V.ProxyCostMs = millisecondsOf(
        [&] { Proxy = estimateRuntimeProxy(**M, *(*B)->runSpec()); });
    if (!Proxy)
      return Proxy.takeError();
    V.MeasuredMs = *Measured;
    V.ProxyCycles = Proxy->Cycles;
    Figures.Variants.push_back(V);
  }
  std::vector<double> Ms, Cycles;
  for (const Variant &V : Figures.Variants) {
    Ms.push_back(V.MeasuredMs);
    Cycles.push_back(V.ProxyCycles);
  }
  Figures.Spearman = spearman(Ms, Cycles);
  return Figures;
}

std::string figure(double Value, const char *Format = "{0:F2}") {
  return std::isnan(Value) ? "-" : llvm::formatv(Format, Value).str();
}

} // namespace

double spearman(const std::vector<double> &X, const std::vector<double> &Y) {
  if (X.size() != Y.size() || X.size() < 2)
    return NAN;
  return pearson(ranks(X), ranks(Y));
}

llvm::Error runProxyBench(const ProxyBenchOptions &Options,
                          llvm::raw_ostream &Out,
                          const std::function<void(double)> &Progress) {
  std::vector<std::string> Uris = Options.Benchmarks;
  if (Uris.empty()) {
    auto Names = builtinBenchmarkNames();
    if (!Names)
      return Names.takeError();
    for (const std::string &Name : *Names)
      Uris.push_back("benchmark://builtin-v0/" + Name);
  }
  std::mt19937_64 Random(Options.Seed);
  std::vector<BenchmarkFigures> All;
  for (size_t I = 0; I < Uris.size(); ++I) {
    auto Figures = benchBenchmark(Uris[I], Options, Random);
    if (!Figures)
      return Figures.takeError();
    All.push_back(std::move(*Figures));
    Progress(double(I + 1) / Uris.size());
  }

  std::vector<double> Ms, Cycles, PerBenchmark, MeasureCost, ProxyCost;
  unsigned Dropped = 0;
  Out << llvm::formatv("{0,-40} {1,8} {2,8} {3,9} {4,12} {5,10}\n", "benchmark",
                       "variants", "dropped", "spearman", "measure ms",
                       "proxy ms");
  for (const BenchmarkFigures &F : All) {
    std::vector<double> FMeasure, FProxy;
    for (const Variant &V : F.Variants) {
      Ms.push_back(V.MeasuredMs);
      Cycles.push_back(V.ProxyCycles);
      FMeasure.push_back(V.MeasureCostMs);
      FProxy.push_back(V.ProxyCostMs);
    }
    llvm::append_range(MeasureCost, FMeasure);
    llvm::append_range(ProxyCost, FProxy);
    Dropped += F.Dropped;
    if (!std::isnan(F.Spearman))
      PerBenchmark.push_back(F.Spearman);
    Out << llvm::formatv("{0,-40} {1,8} {2,8} {3,9} {4,12} {5,10}\n", F.Uri,
                         F.Variants.size(), F.Dropped, figure(F.Spearman),
                         figure(median(FMeasure), "{0:F1}"),
                         figure(median(FProxy), "{0:F1}"));
  }
  double Pooled = spearman(Ms, Cycles);
  double MeanWithin = meanOrNaN(PerBenchmark);
  double MedianMeasure = median(MeasureCost), MedianProxy = median(ProxyCost);
  Out << llvm::formatv(
      "\n{0} variants ({1} dropped): Spearman within a benchmark, mean "
      "{2}; pooled over all variants {3}\n"
      "per variant, median: measured step {4} ms, proxy {5} ms ({6}x)\n",
      Ms.size(), Dropped, figure(MeanWithin), figure(Pooled),
      figure(MedianMeasure, "{0:F1}"), figure(MedianProxy, "{0:F1}"),
      figure(MedianMeasure / MedianProxy));

  if (Options.JsonPath.empty())
    return llvm::Error::success();
  nlohmann::json Json;
  Json["variants"] = Ms.size();
  Json["dropped"] = Dropped;
  Json["spearman_pooled"] = Pooled;
  Json["spearman_mean_within_benchmark"] = MeanWithin;
  Json["median_measure_ms"] = MedianMeasure;
  Json["median_proxy_ms"] = MedianProxy;
  for (const BenchmarkFigures &F : All) {
    nlohmann::json Entry;
    Entry["benchmark"] = F.Uri;
    Entry["dropped"] = F.Dropped;
    Entry["spearman"] = F.Spearman;
    for (const Variant &V : F.Variants)
      Entry["variants"].push_back({{"measured_ms", V.MeasuredMs},
                                   {"proxy_cycles", V.ProxyCycles},
                                   {"measure_cost_ms", V.MeasureCostMs},
                                   {"proxy_cost_ms", V.ProxyCostMs}});
    Json["benchmarks"].push_back(Entry);
  }
  return writeFileAtomically(Options.JsonPath, Json.dump(2) + "\n");
}

} // namespace passgym
