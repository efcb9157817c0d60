#include "costs/Cost.h"

#include "actions/PassRunner.h"
#include "costs/Measurement.h"
#include "datasets/Benchmark.h"
#include "support/Target.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ObjectFile.h"

namespace passgym {

llvm::StringRef costName(CostFunction Cost) {
  switch (Cost) {
  case CostFunction::IrInstructionCount:
    return "IrInstructionCount";
  case CostFunction::ObjectTextSizeBytes:
    return "ObjectTextSizeBytes";
  case CostFunction::CodeSizeBytes:
    return "CodeSizeBytes";
  case CostFunction::Runtime:
    return "Runtime";
  }
  llvm_unreachable("unknown cost function");
}

llvm::StringRef baselineName(Baseline Level) {
  switch (Level) {
  case Baseline::O0:
    return "O0";
  case Baseline::O2:
    return "O2";
  case Baseline::O3:
    return "O3";
  case Baseline::Os:
    return "Os";
  case Baseline::Oz:
    return "Oz";
  }
  llvm_unreachable("unknown baseline");
}

std::optional<CostFunction> parseCostName(llvm::StringRef Name) {
  for (CostFunction Cost : kCostFunctions)
    if (costName(Cost) == Name)
      return Cost;
  return std::nullopt;
}

std::string baselinePipeline(Baseline Level) {
  if (Level == Baseline::O0)
    return "";
  return ("default<" + baselineName(Level) + ">").str();
}

llvm::Expected<int64_t> objectTextSize(llvm::StringRef Object) {
  auto Buffer = llvm::MemoryBufferRef(Object, "object");
  auto File = llvm::object::ObjectFile::createObjectFile(Buffer);
  if (!File)
    return File.takeError();
  int64_t Size = 0;
  for (const llvm::object::SectionRef &Section : (*File)->sections())
    if (Section.isText())
      Size += Section.getSize();
  return Size;
}

llvm::Expected<double> computeCost(CostFunction Cost, const llvm::Module &M,
                                   const Benchmark &B,
                                   MeasurementContext &Measurement) {
  switch (Cost) {
  case CostFunction::IrInstructionCount:
    return M.getInstructionCount();
  case CostFunction::ObjectTextSizeBytes:
  case CostFunction::CodeSizeBytes: {
    auto Object = emitObject(M, Cost == CostFunction::CodeSizeBytes
                                    ? kShippedCodeGenLevel
                                    : kObjectCodeGenLevel);
    if (!Object)
      return Object.takeError();
    auto Size = objectTextSize(llvm::StringRef(Object->data(), Object->size()));
    if (!Size)
      return Size.takeError();
    return static_cast<double>(*Size);
  }
  case CostFunction::Runtime: {
    auto Estimate = measureModuleCached(M, B, Measurement);
    if (!Estimate)
      return Estimate.takeError();
    return Estimate->Minimum;
  }
  }
  llvm_unreachable("unknown cost function");
}

llvm::Expected<std::unique_ptr<llvm::Module>>
loadBaseline(const Benchmark &B, Baseline Level, llvm::LLVMContext &Context) {
  auto M = B.load(Context);
  if (!M || Level == Baseline::O0)
    return M;
  if (auto Changed = runPipeline(**M, baselinePipeline(Level)); !Changed)
    return Changed.takeError();
  return M;
}

llvm::Expected<double> baselineCost(CostFunction Cost, Baseline Level,
                                    const Benchmark &B,
                                    MeasurementContext &Measurement) {
  std::string Key = (costName(Cost) + baselineName(Level)).str();
  if (Cost == CostFunction::Runtime)
    Key += "/" + Measurement.optionsKey();
  return B.cached<double>(Key, [&]() -> llvm::Expected<double> {
    llvm::LLVMContext Context;
    auto M = loadBaseline(B, Level, Context);
    if (!M)
      return M.takeError();
    auto Value = computeCost(Cost, **M, B, Measurement);
    if (!Value)
      // Undefined behaviour shows here as a baseline that no longer behaves
      // like the unoptimized program: say which baseline.
      return llvm::createStringError("the -" + baselineName(Level).str() +
                                     " baseline of '" + B.uri() +
                                     "': " + llvm::toString(Value.takeError()));
    return Value;
  });
}

} // namespace passgym
