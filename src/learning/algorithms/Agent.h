//===- learning/algorithms/Agent.h - Which agent ----------------*- C++ -*-===//
//
// The agents `passgym train` can run, by the one name the command line,
// training, checkpoints and evaluation use for each. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_ALGORITHMS_AGENT_H
#define PASSGYM_LEARNING_ALGORITHMS_AGENT_H

#include "learning/support/NameTable.h"

namespace passgym::learning {

enum class Agent {
  Ppo,   ///< learning/algorithms/Ppo.h
  Sac,   ///< learning/algorithms/Sac.h
  Random ///< The baseline: uniform actions, no learning, no checkpoint.
};

inline constexpr NameTable<Agent, 3> kAgentNames{{
    {Agent::Ppo, "ppo"},
    {Agent::Sac, "sac"},
    {Agent::Random, "random"},
}};

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_ALGORITHMS_AGENT_H
