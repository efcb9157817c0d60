#include "actions/ActionSpace.h"

#include "actions/PassRunner.h"
#include "actions/StandardPieces.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

namespace passgym {

ActionSpace::ActionSpace(std::string Name, std::vector<Action> Actions)
    : Name(std::move(Name)), Actions(std::move(Actions)) {}

const ActionSpace &ActionSpace::builtin() {
  static const ActionSpace Space("passgym-v0", compilerGymActions());
  return Space;
}

namespace {
/// `--actions builtin:NAME` selects a built-in space; the spaces of pieces
/// carry that name.
constexpr llvm::StringLiteral kBuiltinPrefix = "builtin:";
constexpr llvm::StringLiteral kPassesName = "passes";
} // namespace

llvm::Expected<const ActionSpace &>
ActionSpace::builtin(llvm::StringRef Name) {
  if (Name.empty() || Name == kPassesName)
    return builtin();
  static const std::vector<ActionSpace> Pieces = [] {
    std::vector<ActionSpace> Spaces;
    for (llvm::StringRef Space : standardPieceSpaces())
      Spaces.emplace_back((kBuiltinPrefix + Space).str(),
                          standardPieces(Space));
    return Spaces;
  }();
  for (const ActionSpace &Space : Pieces)
    if (llvm::StringRef(Space.name()).drop_front(kBuiltinPrefix.size()) ==
        Name)
      return Space;
  return llvm::createStringError(
      "unknown built-in action space '" + kBuiltinPrefix + Name +
      "' (known: " + kBuiltinPrefix +
      llvm::join(builtinNames(), ", " + kBuiltinPrefix.str()) + ")");
}

std::vector<std::string> ActionSpace::builtinNames() {
  std::vector<std::string> Names = {kPassesName.str()};
  for (llvm::StringRef Space : standardPieceSpaces())
    Names.push_back(Space.str());
  return Names;
}

llvm::Expected<std::shared_ptr<const ActionSpace>>
ActionSpace::load(llvm::StringRef Path) {
  auto Shared = [](const ActionSpace &Space) {
    return std::shared_ptr<const ActionSpace>(&Space,
                                              [](const ActionSpace *) {});
  };
  if (Path.empty())
    return Shared(builtin());
  if (Path.consume_front(kBuiltinPrefix)) {
    auto Space = builtin(Path);
    if (!Space)
      return Space.takeError();
    return Shared(*Space);
  }
  auto Space = fromFile(Path);
  if (!Space)
    return Space.takeError();
  return std::make_shared<const ActionSpace>(std::move(*Space));
}

llvm::Expected<ActionSpace> ActionSpace::fromFile(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read action space '" + Path +
                                       "': " + Buffer.getError().message());
  std::vector<Action> Actions;
  llvm::SmallVector<llvm::StringRef> Lines;
  (*Buffer)->getBuffer().split(Lines, '\n');
  for (size_t LineNo = 1; LineNo <= Lines.size(); ++LineNo) {
    llvm::StringRef Line = Lines[LineNo - 1].trim();
    if (Line.empty() || Line.starts_with("#"))
      continue;
    auto [First, Rest] = Line.split(' ');
    Rest = Rest.trim();
    Action A{First.str(), Rest.empty() ? First.str() : Rest.str()};
    auto Where = [&] { return (Path + ":" + llvm::Twine(LineNo)).str(); };
    if (Rest.contains(' ') || Rest.contains('\t'))
      return llvm::createStringError(Where() +
                                     ": expected `PIPELINE` or `NAME "
                                     "PIPELINE`, got '" +
                                     Line + "'");
    if (llvm::Error E = checkPipeline(A.Pipeline))
      return llvm::createStringError(Where() + ": " +
                                     llvm::toString(std::move(E)));
    for (const Action &Earlier : Actions)
      if (Earlier.Name == A.Name)
        return llvm::createStringError(Where() + ": duplicate action name '" +
                                       A.Name + "'");
    Actions.push_back(std::move(A));
  }
  if (Actions.empty())
    return llvm::createStringError("action space '" + Path +
                                   "' defines no action");
  return ActionSpace(Path.str(), std::move(Actions));
}

std::optional<size_t> ActionSpace::find(llvm::StringRef NameOrPipeline) const {
  for (size_t I = 0; I < Actions.size(); ++I)
    if (Actions[I].Name == NameOrPipeline)
      return I;
  for (size_t I = 0; I < Actions.size(); ++I)
    if (Actions[I].Pipeline == NameOrPipeline)
      return I;
  return std::nullopt;
}

std::string ActionSpace::names(llvm::ArrayRef<size_t> Sequence) const {
  std::string Names;
  for (size_t Action : Sequence)
    Names += (Names.empty() ? "" : " ") + Actions[Action].Name;
  return Names;
}

std::string ActionSpace::pipeline(llvm::ArrayRef<size_t> Sequence) const {
  std::string Text;
  for (size_t Action : Sequence)
    Text += (Text.empty() ? "" : ",") + Actions[Action].Pipeline;
  return Text;
}

llvm::Expected<std::vector<size_t>>
ActionSpace::resolve(const std::vector<std::string> &NamesOrIndices) const {
  std::vector<size_t> Indices;
  for (const std::string &Item : NamesOrIndices) {
    if (std::optional<size_t> Index = find(Item)) {
      Indices.push_back(*Index);
      continue;
    }
    size_t Number = 0;
    if (llvm::to_integer(Item, Number, 10)) {
      if (Number >= Actions.size())
        return llvm::createStringError(
            "action " + Item + " is out of range: the space has " +
            std::to_string(Actions.size()) + " actions (0 to " +
            std::to_string(Actions.size() - 1) + ")");
      Indices.push_back(Number);
      continue;
    }
    return llvm::createStringError("unknown action '" + Item +
                                   "' (`passgym passes` lists them)");
  }
  return Indices;
}

} // namespace passgym
