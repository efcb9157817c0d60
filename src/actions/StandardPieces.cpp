#include "actions/StandardPieces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
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

} // namespace

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
            llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
        if (!Name.consume_front("inliner-pipeline<") ||
            !Name.consume_back(">"))
          return false;
        std::optional<InlinerPipelineParams> Params =
            parseInlinerPipelineParams(Name);
        if (!Params)
          return false;
        if (!Params->Threshold) {
          MPM.addPass(PB.buildInlinerPipeline(Params->Level,
                                              llvm::ThinOrFullLTOPhase::None));
          return true;
        }
        // The threshold is a tuning option of the builder; the passes it
        // builds keep no reference to it.
        llvm::PipelineTuningOptions Tuning;
        Tuning.InlinerThreshold = *Params->Threshold;
        llvm::PassBuilder Tuned(nullptr, Tuning);
        MPM.addPass(Tuned.buildInlinerPipeline(Params->Level,
                                               llvm::ThinOrFullLTOPhase::None));
        return true;
      });
}

} // namespace passgym
