//===- search/Search.h - Searching for a better pass sequence -------------===//
//
// Search works on a started environment (after reset()) and minimizes the
// cost behind its reward space: forks of the start state are stepped, and the
// best state seen anywhere along any episode is kept.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SEARCH_SEARCH_H
#define PASSGYM_SEARCH_SEARCH_H

#include "llvm/Support/Error.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace passgym {

class Environment;

struct SearchBudget {
  /// Stop after this much wall time (none: no limit).
  std::optional<std::chrono::duration<double>> Time;
  /// Stop after this many environment steps (none: no limit).
  std::optional<uint64_t> Steps;
};

struct SearchProgress {
  uint64_t Steps = 0;
  uint64_t Episodes = 0;
  std::chrono::duration<double> Elapsed{0};
  double BestCost = 0;
};

struct SearchResult {
  /// The best state found (a fork: its actionHistory() is the sequence).
  std::unique_ptr<Environment> Best;
  double InitialCost = 0;
  double bestCost() const;
  uint64_t Steps = 0;
  uint64_t Episodes = 0;
  /// Episodes ended by a pass that crashed or produced invalid IR.
  uint64_t FailedEpisodes = 0;
  std::string FirstFailure;
  /// The actions of that episode, the failing one last: replaying them
  /// reproduces the failure.
  std::vector<size_t> FirstFailureActions;
  std::chrono::duration<double> Elapsed{0};
};

using ProgressCallback = std::function<void(const SearchProgress &)>;

struct RandomSearchOptions {
  /// Actions per episode; each episode starts again from the start state.
  size_t EpisodeLength = 50;
  uint64_t Seed = 0;
  SearchBudget Budget;
};

/// Uniformly random episodes from \p Start's state (CompilerGym's random
/// search without its patience rule: every prefix of every episode counts).
/// At least one budget must be set.
llvm::Expected<SearchResult>
randomSearch(const Environment &Start, const RandomSearchOptions &Options,
             const ProgressCallback &Progress = {});

} // namespace passgym

#endif
