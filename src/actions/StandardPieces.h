//===- actions/StandardPieces.h - LLVM's -O3 and -Oz pipelines as actions -===//
//
// The built-in spaces of pieces of LLVM 19's standard pipelines
// (StandardPieces.def), and the one pass they need that LLVM's pipeline
// parser does not know: the inliner pipeline of a standard level with that
// level's inliner parameters, or with a threshold of one's own, and a
// pipeline whose `inline` passes have a threshold of their own.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ACTIONS_STANDARDPIECES_H
#define PASSGYM_ACTIONS_STANDARDPIECES_H

#include "actions/ActionSpace.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Passes/OptimizationLevel.h"

#include <optional>

#include <vector>

namespace llvm {
class PassBuilder;
} // namespace llvm

namespace passgym {

/// The names of the spaces of pieces, in StandardPieces.def's order
/// ("O3-pieces", "Oz-pieces").
std::vector<llvm::StringRef> standardPieceSpaces();

/// The pieces of \p Space in pipeline order; empty for an unknown space.
std::vector<Action> standardPieces(llvm::StringRef Space);

/// The parameters of `inliner-pipeline<...>`: a standard level, and the
/// inliner's threshold when one is given.
struct InlinerPipelineParams {
  llvm::OptimizationLevel Level;
  std::optional<int> Threshold;
};

/// `LEVEL` or `LEVEL;threshold=N` (N not -1); none when malformed.
std::optional<InlinerPipelineParams>
parseInlinerPipelineParams(llvm::StringRef Params);

/// The threshold that LLVM's `inline` pass decides with when nothing sets
/// one: what the inliner of the printed -O2, -O3 and -Os pipelines uses.
int plainInlineThreshold();

/// The threshold N of `inline-params<threshold=N>`; none when malformed.
std::optional<int> parseInlineParamsThreshold(llvm::StringRef Params);

/// Registers the module pass `inliner-pipeline<LEVEL>` (LEVEL: O1, O2, O3,
/// Os, Oz) with \p PB: PassBuilder::buildInlinerPipeline(LEVEL), the
/// inliner's CGSCC walk with its function simplification pipeline, exactly as
/// `default<LEVEL>` runs it. The printed form of that walk cannot stand in for
/// it: it parses back with the inliner's default threshold (225, not -O3's
/// 250 and loop-hot call sites' 525, nor -Oz's 5) and runs its second
/// `simple-loop-unswitch` on every loop instead of only where `indvars` asked
/// for it. `inliner-pipeline<LEVEL;threshold=N>` is the same walk with the
/// inliner's threshold N (PipelineTuningOptions::InlinerThreshold; not -1,
/// which there means the level's own): for -Oz and N <= 5, what `opt-19
/// -inline-threshold=N -inlinecold-threshold=45` makes of
/// `scc-oz-module-inliner`.
///
/// Also registers `inline-params<threshold=N>(PIPELINE)`: the module
/// PIPELINE, whose `inline` passes decide with threshold N exactly as
/// `opt-19 -inline-threshold=N -inlinecold-threshold=45` makes every `inline`
/// pass decide. That is how the inliner of the printed -O3 pipeline (a bare
/// `inline` inside `cgscc(devirt<4>(...))`) gets a threshold that a search
/// can change. With N = plainInlineThreshold() it is PIPELINE itself; with
/// no PIPELINE it runs nothing.
///
/// \p PB must outlive the pipelines it parses.
void registerStandardPipelinePasses(llvm::PassBuilder &PB);

} // namespace passgym

#endif
