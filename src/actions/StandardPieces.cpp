#include "actions/StandardPieces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Analysis/InlineAdvisor.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/Analysis/ReplayInlineAdvisor.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/OptimizationLevel.h"
#include "llvm/Passes/PassBuilder.h"

#include <optional>

namespace passgym {

namespace {

struct Piece {
  llvm::StringLiteral Space;
  llvm::StringLiteral Name;
  llvm::StringLiteral Pipeline;
};

constexpr Piece kPieces[] = {
#define STANDARD_PIECE(SPACE, NAME, PIPELINE) {SPACE, NAME, PIPELINE},
#include "actions/StandardPieces.def"
};

std::optional<llvm::OptimizationLevel> parseLevel(llvm::StringRef Name) {
  return llvm::StringSwitch<std::optional<llvm::OptimizationLevel>>(Name)
      .Case("O1", llvm::OptimizationLevel::O1)
      .Case("O2", llvm::OptimizationLevel::O2)
      .Case("O3", llvm::OptimizationLevel::O3)
      .Case("Os", llvm::OptimizationLevel::Os)
      .Case("Oz", llvm::OptimizationLevel::Oz)
      .Default(std::nullopt);
}

/// The inliner parameters that `opt-19 -inline-threshold=N
/// -inlinecold-threshold=45` gives a bare `inline` pass: given the first
/// option, LLVM leaves the thresholds for optsize and minsize callers unset.
llvm::InlineParams optInlineParams(int Threshold) {
  llvm::InlineParams Params = llvm::getInlineParams(Threshold);
  Params.OptSizeThreshold.reset();
  Params.OptMinSizeThreshold.reset();
  return Params;
}

/// Runs a module pipeline with an inline advisor of its own in place: a bare
/// `inline` pass decides with the advisor it finds in the module analysis
/// manager, and only without one reads LLVM's global options.
class InlineParamsPass : public llvm::PassInfoMixin<InlineParamsPass> {
public:
  InlineParamsPass(llvm::InlineParams Params, llvm::ModulePassManager Inner)
      : Params(Params), Inner(std::move(Inner)) {}

  llvm::PreservedAnalyses run(llvm::Module &M,
                              llvm::ModuleAnalysisManager &MAM) {
    auto &Advisor = MAM.getResult<llvm::InlineAdvisorAnalysis>(M);
    if (!Advisor.tryCreate(Params, llvm::InliningAdvisorMode::Default, {},
                           llvm::InlineContext{llvm::ThinOrFullLTOPhase::None,
                                               llvm::InlinePass::CGSCCInliner}))
      M.getContext().emitError("inline-params: LLVM made no inline advisor");
    llvm::PreservedAnalyses PA = Inner.run(M, MAM);
    // Later inliners must not find this advisor, as after LLVM's own
    // ModuleInlinerWrapperPass.
    PA.abandon<llvm::InlineAdvisorAnalysis>();
    return PA;
  }

  static bool isRequired() { return true; }

private:
  llvm::InlineParams Params;
  llvm::ModulePassManager Inner;
};

/// The text of a parsed pipeline element, as the parser read it.
std::string elementText(const llvm::PassBuilder::PipelineElement &E) {
  std::string Text = E.Name.str();
  if (E.InnerPipeline.empty())
    return Text;
  Text += "(";
  for (size_t I = 0; I < E.InnerPipeline.size(); ++I)
    Text += (I ? "," : "") + elementText(E.InnerPipeline[I]);
  return Text + ")";
}

bool parseInlinerPipeline(llvm::StringRef Name, llvm::ModulePassManager &MPM,
                          llvm::PassBuilder &PB) {
  if (!Name.consume_front("inliner-pipeline<") || !Name.consume_back(">"))
    return false;
  std::optional<InlinerPipelineParams> Params =
      parseInlinerPipelineParams(Name);
  if (!Params)
    return false;
  if (!Params->Threshold) {
    MPM.addPass(
        PB.buildInlinerPipeline(Params->Level, llvm::ThinOrFullLTOPhase::None));
    return true;
  }
  // The threshold is a tuning option of the builder; the passes it builds
  // keep no reference to it.
  llvm::PipelineTuningOptions Tuning;
  Tuning.InlinerThreshold = *Params->Threshold;
  llvm::PassBuilder Tuned(nullptr, Tuning);
  MPM.addPass(Tuned.buildInlinerPipeline(Params->Level,
                                         llvm::ThinOrFullLTOPhase::None));
  return true;
}

bool parseInlineParams(
    llvm::StringRef Name, llvm::ModulePassManager &MPM,
    llvm::ArrayRef<llvm::PassBuilder::PipelineElement> InnerPipeline,
    llvm::PassBuilder &PB) {
  if (!Name.consume_front("inline-params<") || !Name.consume_back(">"))
    return false;
  std::optional<int> Threshold = parseInlineParamsThreshold(Name);
  if (!Threshold)
    return false;
  // LLVM asks whether a pipeline's first name is a module pass's by calling
  // with no inner pipeline; an empty one runs nothing.
  if (InnerPipeline.empty())
    return true;
  std::string Text;
  for (size_t I = 0; I < InnerPipeline.size(); ++I)
    Text += (I ? "," : "") + elementText(InnerPipeline[I]);
  llvm::ModulePassManager Inner;
  if (llvm::Error E = PB.parsePassPipeline(Inner, Text)) {
    llvm::consumeError(std::move(E));
    return false;
  }
  if (*Threshold == plainInlineThreshold())
    MPM.addPass(std::move(Inner));
  else
    MPM.addPass(InlineParamsPass(optInlineParams(*Threshold), std::move(Inner)));
  return true;
}

} // namespace

int plainInlineThreshold() { return llvm::getInlineParams().DefaultThreshold; }

std::optional<int> parseInlineParamsThreshold(llvm::StringRef Params) {
  int Threshold = 0;
  if (!Params.consume_front("threshold=") || Params.getAsInteger(10, Threshold))
    return std::nullopt;
  return Threshold;
}

std::vector<llvm::StringRef> standardPieceSpaces() {
  std::vector<llvm::StringRef> Spaces;
  for (const Piece &P : kPieces)
    if (!llvm::is_contained(Spaces, P.Space))
      Spaces.push_back(P.Space);
  return Spaces;
}

std::vector<Action> standardPieces(llvm::StringRef Space) {
  std::vector<Action> Actions;
  for (const Piece &P : kPieces)
    if (P.Space == Space)
      Actions.push_back({P.Name.str(), P.Pipeline.str()});
  return Actions;
}

std::optional<InlinerPipelineParams>
parseInlinerPipelineParams(llvm::StringRef Params) {
  auto [LevelName, Rest] = Params.split(';');
  std::optional<llvm::OptimizationLevel> Level = parseLevel(LevelName);
  if (!Level)
    return std::nullopt;
  if (Rest.empty())
    return InlinerPipelineParams{*Level, std::nullopt};
  int Threshold = 0;
  // PipelineTuningOptions reads -1 as "the level's own threshold".
  if (!Rest.consume_front("threshold=") || Rest.getAsInteger(10, Threshold) ||
      Threshold == -1)
    return std::nullopt;
  return InlinerPipelineParams{*Level, Threshold};
}

void registerStandardPipelinePasses(llvm::PassBuilder &PB) {
  PB.registerPipelineParsingCallback(
      [&PB](llvm::StringRef Name, llvm::ModulePassManager &MPM,
            llvm::ArrayRef<llvm::PassBuilder::PipelineElement> InnerPipeline) {
        return parseInlinerPipeline(Name, MPM, PB) ||
               parseInlineParams(Name, MPM, InnerPipeline, PB);
      });
}

} // namespace passgym
