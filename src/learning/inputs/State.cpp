//===- learning/inputs/State.cpp - What the networks see ------------------===//
#include "learning/inputs/State.h"

#include "graph/LlvmGraphBuilder.h"
#include "observations/Features.h"

namespace passgym::learning {

llvm::Expected<Observation> observe(const llvm::Module &M, StateKind Kind) {
  Observation O;
  if (hasGraph(Kind)) {
    auto G = graph::buildProgramGraph(M);
    if (!G)
      return G.takeError();
    O.Graph = std::move(*G);
  }
  if (hasAutophase(Kind))
    O.Autophase = computeAutophase(M);
  return O;
}

} // namespace passgym::learning
