//===- learning/algorithms/StartPipeline.h - Episodes from -O3's output ---===//
//
// What training episodes (Episodes.h) and a trained policy's episodes
// (evaluation/PolicyRun.h) share when they start from a standard pipeline's
// output rather than the unoptimized module. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_STARTPIPELINE_H
#define PASSGYM_LEARNING_ALGORITHMS_STARTPIPELINE_H

#include "costs/Cost.h"
#include "env/Environment.h"

#include "llvm/Support/Error.h"

#include <string>

namespace passgym::learning {

/// Applies \p Start's pipeline (`default<O3>`; nothing for -O0) to the
/// module \p Env was just reset to. The reason it ended the episode (a pass
/// crashed or broke the module), or empty when it was applied; an error when
/// the environment itself failed.
llvm::Expected<std::string> applyStart(Environment &Env, Baseline Start);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_STARTPIPELINE_H
