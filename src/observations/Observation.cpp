#include "observations/Observation.h"

#include "graph/GraphExport.h"
#include "graph/LlvmGraphBuilder.h"
#include "observations/Cost.h"
#include "observations/Features.h"
#include "support/ModuleHash.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {
namespace {

using Compute = std::function<llvm::Expected<Observation>(const llvm::Module &,
                                                          const Benchmark &)>;


Compute costObservation(CostFunction Cost) {
  return [Cost](const llvm::Module &M,
                const Benchmark &B) -> llvm::Expected<Observation> {
    auto Value = computeCost(Cost, M, B);
    if (!Value)
      return Value.takeError();
    return costObservationValue(Cost, *Value);
  };
}

Compute baselineObservation(CostFunction Cost, Baseline Level) {
  return [Cost, Level](const llvm::Module &,
                       const Benchmark &B) -> llvm::Expected<Observation> {
    auto Value = baselineCost(Cost, Level, B);
    if (!Value)
      return Value.takeError();
    return costObservationValue(Cost, *Value);
  };
}

/// Adapts an observation that cannot fail.
Compute infallible(std::function<Observation(const llvm::Module &)> F) {
  return [F = std::move(F)](const llvm::Module &M,
                            const Benchmark &) -> llvm::Expected<Observation> {
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

std::vector<ObservationSpace> makeSpaces() {
  std::vector<ObservationSpace> Spaces = {
      {"Ir", "the module as LLVM IR text", infallible(printedIr)},
      {"Bitcode", "the module as LLVM bitcode bytes", infallible(bitcode)},
      {"IrHash", "128-bit BLAKE3 digest of the IR text, hex",
       infallible(
           [](const llvm::Module &M) { return Observation(irHash(M)); })},
      {"InstCount",
       "TotalInsts, TotalBlocks, TotalFuncs, then a count per opcode",
       infallible([](const llvm::Module &M) {
         return Observation(computeInstCount(M));
       })},
      {"Autophase", "the 56 Autophase features, in CompilerGym's order",
       infallible([](const llvm::Module &M) {
         return Observation(computeAutophase(M));
       })},
      {"Programl", "the ProGraML program graph (node-link JSON)",
       [](const llvm::Module &M,
          const Benchmark &) -> llvm::Expected<Observation> {
         auto Graph = graph::buildProgramGraph(M);
         if (!Graph)
           return Graph.takeError();
         return Observation(graph::toProgramlJson(*Graph));
       }},
  };
  // CompilerGym names the baselines ObjectTextSizeO3, not
  // ObjectTextSizeBytesO3.
  const std::pair<CostFunction, llvm::StringRef> Costs[] = {
      {CostFunction::IrInstructionCount, "IrInstructionCount"},
      {CostFunction::ObjectTextSizeBytes, "ObjectTextSize"},
      {CostFunction::Runtime, "Runtime"}};
  for (auto [Cost, BaselinePrefix] : Costs) {
    std::string Name = costName(Cost).str();
    Spaces.push_back(
        {Name, "the current " + Name, costObservation(Cost), Cost});
    for (Baseline Level : {Baseline::O0, Baseline::O3, Baseline::Oz}) {
      std::string Pipeline = Level == Baseline::O0
                                 ? std::string("no pass")
                                 : "default<" + baselineName(Level).str() + ">";
      Spaces.push_back({(BaselinePrefix + baselineName(Level)).str(),
                        Name + " of the unoptimized module after " + Pipeline,
                        baselineObservation(Cost, Level)});
    }
  }
  return Spaces;
}

} // namespace

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
    if (Space.name == Name)
      return Space;
    Names += (Names.empty() ? "" : ", ") + Space.name;
  }
  return llvm::createStringError("unknown observation space '" + Name +
                                 "' (one of: " + Names + ")");
}

} // namespace passgym
