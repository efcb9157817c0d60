//===- actions/ActionSpace.h - The passes an agent can choose from --------===//
//
// An action is a text in the syntax of `opt -passes=`: a single pass wrapped in
// the adaptor it needs (`function(adce)`, `cgscc(inline)`,
// `function(loop-mssa(licm))`) or a whole sub-pipeline. Actions are data: the
// built-in space is a table, a user's space is a file, and LLVM's own pipeline
// parser turns either into passes.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_ACTIONS_ACTIONSPACE_H
#define PASSGYM_ACTIONS_ACTIONSPACE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace passgym {

struct Action {
  /// Short, unique name shown to users, e.g. "licm" (CompilerGym's flag name
  /// for the built-in space).
  std::string Name;
  /// The `opt -passes=` text that performs the action.
  std::string Pipeline;
};

/// The LLVM 19 equivalents of CompilerGym's llvm-v0 actions, in CompilerGym's
/// order, with passes that no longer exist dropped (docs/actions.md).
const std::vector<Action> &compilerGymActions();

class ActionSpace {
public:
  ActionSpace(std::string Name, std::vector<Action> Actions);

  /// The built-in space: compilerGymActions().
  static const ActionSpace &builtin();
  /// The built-in space called \p Name: "passes" (or empty) for builtin(),
  /// "O3-pieces" and "Oz-pieces" for the pieces of LLVM's `default<O3>` and
  /// `default<Oz>` pipelines, which applied in order reproduce them
  /// (StandardPieces.def, docs/actions.md).
  static llvm::Expected<const ActionSpace &> builtin(llvm::StringRef Name);
  /// The names builtin(Name) accepts, "passes" first.
  static std::vector<std::string> builtinNames();

  /// Reads a user's space: one action per line, either `PIPELINE` or
  /// `NAME PIPELINE`; blank lines and lines starting with '#' are skipped.
  /// Every pipeline is checked with LLVM's parser; the error names the line.
  static llvm::Expected<ActionSpace> fromFile(llvm::StringRef Path);
  /// The built-in space when \p Path is empty, builtin(NAME) when it is
  /// `builtin:NAME`, else fromFile(Path); shared.
  static llvm::Expected<std::shared_ptr<const ActionSpace>>
  load(llvm::StringRef Path);

  const std::string &name() const { return Name; }
  size_t size() const { return Actions.size(); }
  const Action &operator[](size_t Index) const { return Actions[Index]; }
  const std::vector<Action> &actions() const { return Actions; }

  /// The index of the action called \p NameOrPipeline (by name first, then by
  /// pipeline text).
  std::optional<size_t> find(llvm::StringRef NameOrPipeline) const;

  /// The names of the actions \p Sequence, separated by spaces.
  std::string names(llvm::ArrayRef<size_t> Sequence) const;

  /// The actions \p Sequence as one comma-joined `opt -passes=` text.
  std::string pipeline(llvm::ArrayRef<size_t> Sequence) const;

  /// Resolves a user's list of actions, given by index or name, or fails
  /// naming the first one that is neither.
  llvm::Expected<std::vector<size_t>>
  resolve(const std::vector<std::string> &NamesOrIndices) const;

private:
  std::string Name;
  std::vector<Action> Actions;
};

/// \p Space, or ActionSpace::builtin() where it is null (as the options
/// that hold one mean).
inline const ActionSpace &
spaceOrBuiltin(const std::shared_ptr<const ActionSpace> &Space) {
  return Space ? *Space : ActionSpace::builtin();
}

} // namespace passgym

#endif
