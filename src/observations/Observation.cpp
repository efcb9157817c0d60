#include "observations/Observation.h"

#include "graph/LlvmGraphBuilder.h"
#include "observations/Features.h"
#include "support/ModuleHash.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {
namespace {

ObservationFunction costObservation(CostFunction Cost) {
  return
      [Cost](const llvm::Module &M, const Benchmark &B,
             MeasurementContext &Measurement) -> llvm::Expected<Observation> {
        auto Value = computeCost(Cost, M, B, Measurement);
        if (!Value)
          return Value.takeError();
        return costObservationValue(Cost, *Value);
      };
}

ObservationFunction baselineObservation(CostFunction Cost, Baseline Level) {
  return [Cost, Level](
             const llvm::Module &, const Benchmark &B,
             MeasurementContext &Measurement) -> llvm::Expected<Observation> {
    auto Value = baselineCost(Cost, Level, B, Measurement);
    if (!Value)
      return Value.takeError();
    return costObservationValue(Cost, *Value);
  };
}

/// Adapts an observation of the module alone that cannot fail.
ObservationFunction
ofModule(std::function<Observation(const llvm::Module &)> F) {
  return
      [F = std::move(F)](const llvm::Module &M, const Benchmark &,
                         MeasurementContext &) -> llvm::Expected<Observation> {
        return F(M);
      };
}

Observation printedIr(const llvm::Module &M) {
  std::string Text;
  llvm::raw_string_ostream Stream(Text);
  M.print(Stream, nullptr);
  return Text;
}

Observation bitcode(const llvm::Module &M) {
  std::string Bytes;
  llvm::raw_string_ostream Stream(Bytes);
  llvm::WriteBitcodeToFile(M, Stream);
  return Bytes;
}

llvm::Expected<Observation>
programGraph(const llvm::Module &M, const Benchmark &, MeasurementContext &) {
  auto Graph = graph::buildProgramGraph(M);
  if (!Graph)
    return Graph.takeError();
  return Observation(std::move(*Graph));
}

ObservationKind costKind(CostFunction Cost) {
  return Cost == CostFunction::Runtime ? ObservationKind::Double
                                       : ObservationKind::Int;
}

/// CompilerGym's baseline observations: O0, O3 and Oz.
constexpr Baseline kObservedBaselines[] = {Baseline::O0, Baseline::O3,
                                           Baseline::Oz};

std::vector<ObservationSpace> makeSpaces() {
  using Kind = ObservationKind;
  std::vector<ObservationSpace> Spaces = {
      {"Ir", "the module as LLVM IR text", Kind::Text, ofModule(printedIr)},
      {"Bitcode", "the module as LLVM bitcode bytes", Kind::Binary,
       ofModule(bitcode)},
      {"IrHash", "128-bit BLAKE3 digest of the IR text, hex", Kind::Text,
       ofModule([](const llvm::Module &M) { return Observation(irHash(M)); })},
      {"InstCount",
       "TotalInsts, TotalBlocks, TotalFuncs, then a count per opcode",
       Kind::IntVector, ofModule([](const llvm::Module &M) {
         return Observation(computeInstCount(M));
       }),
       instCountFeatureNames()},
      {"Autophase", "the 56 Autophase features, in CompilerGym's order",
       Kind::IntVector, ofModule([](const llvm::Module &M) {
         return Observation(computeAutophase(M));
       }),
       autophaseFeatureNames()},
      {"Programl", "the ProGraML program graph", Kind::Graph, programGraph},
  };
  for (CostFunction Cost : kCostFunctions) {
    std::string Name = costName(Cost).str();
    Spaces.push_back({Name,
                      "the current " + Name,
                      costKind(Cost),
                      costObservation(Cost),
                      {},
                      Cost});
    for (Baseline Level : kObservedBaselines) {
      std::string Pipeline = Level == Baseline::O0 ? std::string("no pass")
                                                   : baselinePipeline(Level);
      Spaces.push_back({baselineObservationName(Cost, Level),
                        Name + " of the unoptimized module after " + Pipeline,
                        costKind(Cost), baselineObservation(Cost, Level)});
    }
  }
  return Spaces;
}

} // namespace

llvm::StringRef observationKindName(ObservationKind Kind) {
  switch (Kind) {
  case ObservationKind::Int:
    return "int";
  case ObservationKind::Double:
    return "float";
  case ObservationKind::Text:
    return "text";
  case ObservationKind::Binary:
    return "bytes";
  case ObservationKind::IntVector:
    return "int vector";
  case ObservationKind::Graph:
    return "graph";
  }
  llvm_unreachable("unknown observation kind");
}

llvm::StringRef formatName(ObservationFormat Format) {
  switch (Format) {
  case ObservationFormat::Text:
    return "text";
  case ObservationFormat::Json:
    return "json";
  case ObservationFormat::Dot:
    return "dot";
  }
  llvm_unreachable("unknown observation format");
}

std::vector<ObservationFormat> ObservationSpace::formats() const {
  switch (Kind) {
  case ObservationKind::Binary:
    return {};
  case ObservationKind::Graph:
    return {ObservationFormat::Json, ObservationFormat::Dot};
  default:
    return {ObservationFormat::Text, ObservationFormat::Json};
  }
}

bool ObservationSpace::supports(ObservationFormat Format) const {
  return llvm::is_contained(formats(), Format);
}

std::string baselineObservationName(CostFunction Cost, Baseline Level) {
  // CompilerGym names the baselines ObjectTextSizeO3, not
  // ObjectTextSizeBytesO3.
  llvm::StringRef Prefix = Cost == CostFunction::ObjectTextSizeBytes
                               ? llvm::StringRef("ObjectTextSize")
                               : costName(Cost);
  return (Prefix + baselineName(Level)).str();
}

Observation costObservationValue(CostFunction Cost, double Value) {
  if (Cost == CostFunction::Runtime)
    return Value;
  return static_cast<int64_t>(Value);
}

const std::vector<ObservationSpace> &observationSpaces() {
  static const std::vector<ObservationSpace> Spaces = makeSpaces();
  return Spaces;
}

llvm::Expected<const ObservationSpace &>
findObservationSpace(llvm::StringRef Name) {
  std::string Names;
  for (const ObservationSpace &Space : observationSpaces()) {
    if (Space.Name == Name)
      return Space;
    Names += (Names.empty() ? "" : ", ") + Space.Name;
  }
  return llvm::createStringError("unknown observation space '" + Name +
                                 "' (one of: " + Names + ")");
}

} // namespace passgym
