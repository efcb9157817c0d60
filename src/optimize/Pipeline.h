//===- optimize/Pipeline.h - Pipelines as lists of elements, and their edits ===//
//
// A candidate of `optimize` is a pipeline: a list of top-level elements of an
// `opt -passes=` text, applied in order to the unoptimized module (one
// environment step per element, so candidates that share a prefix share its
// work). LLVM's own pipelines are the starting points: `default<O3>`, as the
// pass builder prints it, is a list of about 30 elements, most of the work
// nested inside a few of them (the inliner's CGSCC walk, the late function
// pipeline). Edits therefore reach into nested lists too: drop, repeat or
// move an element of any list, insert an action at the top level, or change
// a pass's parameter (toggle `x`/`no-x`, scale `k=N`, change a level `O2`).
// An edit may produce a pipeline LLVM refuses; evaluating it says so.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OPTIMIZE_PIPELINE_H
#define PASSGYM_OPTIMIZE_PIPELINE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace passgym {

/// The top-level elements of a pipeline, in order.
using Candidate = std::vector<std::string>;

/// The elements joined into one `opt -passes=` text.
std::string pipelineText(const Candidate &C);

/// An `opt-19` command line that runs a candidate: its options and its
/// `-passes=` text.
struct OptCommand {
  std::vector<std::string> Options;
  std::string Passes;
  /// `opt-19 OPTIONS -passes='PASSES'`.
  std::string text() const;
};

/// The opt-19 command that runs exactly \p C. passgym's inliner passes
/// (actions/StandardPieces.h) become LLVM's under `-inline-threshold=N`:
/// `inliner-pipeline<Oz;threshold=N>` becomes `scc-oz-module-inliner`, and
/// `inline-params<threshold=N>(PIPELINE)` becomes PIPELINE. That option
/// reaches every inliner of the pipeline, so it fails for two thresholds, for
/// a threshold beside another inliner (in an `inline-params`, any but
/// `inline`), and for an -Oz inliner's N above -Oz's 5 (where opt's option
/// and the tuning option differ on minsize functions), as for the inliner
/// pipelines of the other levels, which opt-19 has no pass for.
llvm::Expected<OptCommand> optCommand(const Candidate &C);

/// optCommand(\p C)'s text, or passgym's text of \p C with the reason no
/// opt-19 command runs it (a resumed checkpoint's candidates were not
/// evaluated in this run).
std::string optCommandLine(const Candidate &C);

/// \p C with each top-level element that holds an `inline` pass (the
/// inliner of a printed -O2, -O3 or -Os) inside
/// `inline-params<threshold=N>(...)`, so that edits can change N, or with N
/// as the threshold of its `inline-params`; the same pipeline for N =
/// plainInlineThreshold().
Candidate withInlineThreshold(Candidate C, int Threshold);

/// Prints what LLVM parses a pipeline text into (expandPipeline for a
/// benchmark's module).
using PipelinePrinter =
    std::function<llvm::Expected<std::string>(llvm::StringRef)>;

/// \p C with each inliner pipeline of -O1, -O2, -O3 or -Os
/// (`inliner-pipeline<O3>`, a piece of builtin:O3-pieces), which no opt-19
/// pass runs, replaced by the elements \p Print gives for it, its `inline`
/// with the threshold asked for or the plain one: what the standard levels'
/// printed pipelines have, which opt-19 runs. -Oz's inliner is left, as
/// optCommand translates it.
llvm::Expected<Candidate> withPrintedInliners(const Candidate &C,
                                              const PipelinePrinter &Print);

/// LLVM's -Oz as the elements of its pieces (builtin:Oz-pieces), its inliner
/// spelled `inliner-pipeline<Oz;threshold=N>` so that edits can change the
/// threshold; -Oz itself for N = 5, -Oz's own.
Candidate ozPiecesWithInlinerThreshold(int Threshold);

/// Splits \p Text at its top-level commas: "a,f(b,c),d<x;y>" gives
/// {"a", "f(b,c)", "d<x;y>"}.
std::vector<std::string> splitPipeline(llvm::StringRef Text);

/// What an edit may insert, and how wide its changes may be.
struct EditSpace {
  /// Whole actions (`opt -passes=` texts that run at the top level, such as
  /// the 124 built-in actions) that an insertion may add.
  std::vector<std::string> Insertable;
};

/// \p C with one random edit applied (never \p C itself unless no edit
/// applies, e.g. to an empty candidate with nothing to insert).
Candidate editPipeline(const Candidate &C, const EditSpace &Space,
                       std::mt19937_64 &Random);

} // namespace passgym

#endif
