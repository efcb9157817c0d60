#include "optimize/Pipeline.h"

#include "actions/StandardPieces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Analysis/InlineCost.h"

namespace passgym {
namespace {

/// One element of a pipeline text: `name<params>(children)`, each part
/// optional but the name. Kept verbatim, so that printing an unedited element
/// gives back its text.
struct Element {
  std::string Name;
  bool HasParams = false;
  std::string Params;
  bool HasChildren = false;
  std::vector<Element> Children;
};

std::vector<Element> parseList(llvm::StringRef Text);

Element parseElement(llvm::StringRef Text) {
  Element E;
  size_t NameEnd = Text.find_first_of("<(");
  E.Name = Text.take_front(NameEnd).str();
  if (NameEnd == llvm::StringRef::npos)
    return E;
  llvm::StringRef Rest = Text.drop_front(NameEnd);
  if (Rest.starts_with("<")) {
    size_t Close = Rest.find('>');
    E.HasParams = true;
    E.Params = Rest.slice(1, Close).str();
    Rest = Close == llvm::StringRef::npos ? "" : Rest.drop_front(Close + 1);
  }
  if (Rest.starts_with("(") && Rest.ends_with(")")) {
    E.HasChildren = true;
    E.Children = parseList(Rest.drop_front().drop_back());
  }
  return E;
}

std::vector<Element> parseList(llvm::StringRef Text) {
  std::vector<Element> List;
  for (const std::string &Item : splitPipeline(Text))
    List.push_back(parseElement(Item));
  return List;
}

std::string print(const Element &E) {
  std::string Text = E.Name;
  if (E.HasParams)
    Text += "<" + E.Params + ">";
  if (!E.HasChildren)
    return Text;
  Text += "(";
  for (size_t I = 0; I < E.Children.size(); ++I)
    Text += (I ? "," : "") + print(E.Children[I]);
  return Text + ")";
}

void collectLists(std::vector<Element> &List,
                  std::vector<std::vector<Element> *> &Lists) {
  Lists.push_back(&List);
  for (Element &E : List)
    if (E.HasChildren)
      collectLists(E.Children, Lists);
}

void collectParameterized(std::vector<Element> &List,
                          std::vector<Element *> &Found) {
  for (Element &E : List) {
    if (E.HasParams && !E.Params.empty())
      Found.push_back(&E);
    if (E.HasChildren)
      collectParameterized(E.Children, Found);
  }
}

size_t pick(size_t Size, std::mt19937_64 &Random) {
  return std::uniform_int_distribution<size_t>(0, Size - 1)(Random);
}

/// One option of a pass's parameters changed: `x` and `no-x` swap, a number
/// (`k=N` or a bare N) doubles or halves, a threshold (`...threshold=N`) may
/// also change sign, an optimization level changes.
std::string editOption(llvm::StringRef Option, std::mt19937_64 &Random) {
  static const char *Levels[] = {"O1", "O2", "O3"};
  if (llvm::is_contained(Levels, Option)) {
    std::string Other;
    do
      Other = Levels[pick(3, Random)];
    while (Other == Option);
    return Other;
  }
  auto [Key, Value] = Option.split('=');
  llvm::StringRef Number = Option.contains('=') ? Value : Key;
  int64_t N = 0;
  if (!Number.getAsInteger(10, N)) {
    // A threshold below zero is what makes the inliner take only the calls
    // that cost nothing (-Oz's own is 5).
    bool Signed = Key.ends_with("threshold");
    uint64_t Choice = Random() % (Signed ? 3 : 2);
    int64_t Scaled = Choice == 2 ? -N : Choice == 1 ? N * 2 : N / 2;
    if (Scaled == N)
      Scaled = N + 1;
    return Option.contains('=') ? (Key + "=" + llvm::Twine(Scaled)).str()
                                : std::to_string(Scaled);
  }
  if (Option.starts_with("no-"))
    return Option.drop_front(3).str();
  return ("no-" + Option).str();
}

bool editParameter(std::vector<Element> &Top, std::mt19937_64 &Random) {
  std::vector<Element *> Parameterized;
  collectParameterized(Top, Parameterized);
  if (Parameterized.empty())
    return false;
  Element &E = *Parameterized[pick(Parameterized.size(), Random)];
  llvm::SmallVector<llvm::StringRef> Options;
  llvm::StringRef(E.Params).split(Options, ';', -1, /*KeepEmpty=*/false);
  // instcombine's fixpoint verification is a check, not an optimization:
  // turned on, it aborts LLVM whenever the iteration limit is reached.
  std::vector<size_t> Editable;
  for (size_t I = 0; I < Options.size(); ++I)
    if (!Options[I].ends_with("verify-fixpoint"))
      Editable.push_back(I);
  if (Editable.empty())
    return false;
  size_t Which = Editable[pick(Editable.size(), Random)];
  std::string Edited = editOption(Options[Which], Random);
  std::vector<std::string> Texts(Options.begin(), Options.end());
  Texts[Which] = Edited;
  // The printed form ends some parameter lists with ';': keep it.
  E.Params = llvm::join(Texts, ";") +
             (llvm::StringRef(E.Params).ends_with(";") ? ";" : "");
  return true;
}

bool editList(std::vector<Element> &Top, const EditSpace &Space, int Kind,
              std::mt19937_64 &Random) {
  std::vector<std::vector<Element> *> Lists;
  collectLists(Top, Lists);
  size_t Which = pick(Lists.size(), Random);
  std::vector<Element> &List = *Lists[Which];
  switch (Kind) {
  case 0: // drop
    // A nested list keeps an element: `function()` is not a pipeline.
    if (List.size() <= (Which == 0 ? 0u : 1u))
      return false;
    List.erase(List.begin() + pick(List.size(), Random));
    return true;
  case 1: { // repeat
    if (List.empty())
      return false;
    size_t At = pick(List.size(), Random);
    Element Copy = List[At];
    List.insert(List.begin() + At + 1, std::move(Copy));
    return true;
  }
  case 2: { // move
    if (List.size() < 2)
      return false;
    size_t From = pick(List.size(), Random);
    Element Moved = std::move(List[From]);
    List.erase(List.begin() + From);
    List.insert(List.begin() + pick(List.size() + 1, Random),
                std::move(Moved));
    return true;
  }
  default: { // insert an action at the top level
    if (Space.Insertable.empty())
      return false;
    std::vector<Element> Inserted =
        parseList(Space.Insertable[pick(Space.Insertable.size(), Random)]);
    Top.insert(Top.begin() + pick(Top.size() + 1, Random), Inserted.begin(),
               Inserted.end());
    return true;
  }
  }
}

} // namespace

std::string pipelineText(const Candidate &C) { return llvm::join(C, ","); }

std::string OptCommand::text() const {
  std::string Text = "opt-19";
  for (const std::string &Option : Options)
    Text += " " + Option;
  return Text + " -passes='" + Passes + "'";
}

namespace {

/// The passes that read opt-19's -inline-threshold.
constexpr llvm::StringLiteral kThresholdReaders[] = {
    "inline",         "scc-oz-module-inliner",
    "inliner-wrapper", "inliner-wrapper-no-mandatory-first",
    "module-inline",  "partial-inliner",
    "default",        "thinlto-pre-link",
    "thinlto",        "lto-pre-link",
    "lto"};

/// The first pass in \p List, or nested in it, that reads opt-19's
/// -inline-threshold, except \p Covered, whose threshold is already the
/// option's.
std::optional<std::string> findReader(const std::vector<Element> &List,
                                      llvm::StringRef Covered = "") {
  for (const Element &E : List) {
    if (E.Name != Covered && llvm::is_contained(kThresholdReaders, E.Name))
      return E.Name;
    if (auto Nested = findReader(E.Children, Covered))
      return Nested;
  }
  return std::nullopt;
}

/// An opt-19 command being made from a candidate's elements: the inliner
/// thresholds they ask opt's one option for, and the passes that would read
/// that option without asking for it.
struct Translation {
  std::vector<Element> Top;
  std::optional<int> Threshold;
  /// Whether an -Oz inliner asks for the threshold: above -Oz's own 5, opt's
  /// option and the tuning option differ on minsize functions.
  bool ForOzInliner = false;
  std::optional<std::string> Reader;

  llvm::Error require(int N) {
    if (Threshold && *Threshold != N)
      return llvm::createStringError(
          "one opt-19 -inline-threshold cannot give two inliners thresholds " +
          llvm::Twine(*Threshold) + " and " + llvm::Twine(N));
    Threshold = N;
    return llvm::Error::success();
  }

  void noteReader(std::optional<std::string> Name) {
    if (!Reader)
      Reader = std::move(Name);
  }

  /// `inliner-pipeline<Oz...>` becomes LLVM's -Oz inliner; the other levels'
  /// have no opt-19 pass.
  llvm::Error addInlinerPipeline(const Element &E) {
    std::optional<InlinerPipelineParams> Params =
        parseInlinerPipelineParams(E.Params);
    if (!Params || Params->Level != llvm::OptimizationLevel::Oz)
      return llvm::createStringError(
          "opt-19 has no pass that runs 'inliner-pipeline<" + E.Params + ">'");
    Top.push_back(parseElement("scc-oz-module-inliner"));
    if (!Params->Threshold ||
        *Params->Threshold == llvm::InlineConstants::OptMinSizeThreshold) {
      noteReader("scc-oz-module-inliner");
      return llvm::Error::success();
    }
    ForOzInliner = true;
    return require(*Params->Threshold);
  }

  /// `inline-params<threshold=N>(PIPELINE)` becomes PIPELINE, under the
  /// option unless N is the plain threshold.
  llvm::Error addInlineParams(const Element &E) {
    std::optional<int> N = parseInlineParamsThreshold(E.Params);
    if (!N)
      return llvm::createStringError("malformed 'inline-params<" + E.Params +
                                     ">'");
    for (const Element &Child : E.Children)
      if (Child.Name == "inliner-pipeline" || Child.Name == "inline-params")
        return llvm::createStringError("'" + Child.Name +
                                       "' inside 'inline-params' has no "
                                       "opt-19 equivalent");
    llvm::append_range(Top, E.Children);
    if (*N == plainInlineThreshold()) {
      noteReader(findReader(E.Children));
      return llvm::Error::success();
    }
    noteReader(findReader(E.Children, "inline"));
    return require(*N);
  }

  llvm::Error add(const Element &E) {
    if (E.Name == "inliner-pipeline")
      return addInlinerPipeline(E);
    if (E.Name == "inline-params")
      return addInlineParams(E);
    noteReader(findReader({E}));
    Top.push_back(E);
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<OptCommand> optCommand(const Candidate &C) {
  Translation T;
  for (const std::string &Text : C)
    if (llvm::Error E = T.add(parseElement(Text)))
      return std::move(E);
  OptCommand Command;
  for (size_t I = 0; I < T.Top.size(); ++I)
    Command.Passes += (I ? "," : "") + print(T.Top[I]);
  if (!T.Threshold)
    return Command;
  // With -inline-threshold given, opt leaves the size levels' own thresholds
  // (5 and 50, for minsize and optsize callers) unset: only a threshold no
  // higher than theirs makes the two the same.
  if (T.ForOzInliner &&
      *T.Threshold > llvm::InlineConstants::OptMinSizeThreshold)
    return llvm::createStringError(
        "opt-19 -inline-threshold=" + llvm::Twine(*T.Threshold) +
        " is not -Oz's inliner with that threshold on minsize functions");
  if (T.Reader)
    return llvm::createStringError(
        "opt-19 -inline-threshold would change '" + *T.Reader +
        "' too, not only the inliner with the threshold");
  // Given -inline-threshold, opt also leaves the threshold for cold callees
  // unset unless it is given too (45 is its default).
  Command.Options = {"-inline-threshold=" + std::to_string(*T.Threshold),
                     "-inlinecold-threshold=45"};
  return Command;
}

std::string optCommandLine(const Candidate &C) {
  auto Command = optCommand(C);
  if (!Command)
    return "passgym pipeline '" + pipelineText(C) +
           "' (not one opt-19 command: " + llvm::toString(Command.takeError()) +
           ")";
  return Command->text();
}

Candidate withInlineThreshold(Candidate C, int Threshold) {
  std::string Params = "threshold=" + std::to_string(Threshold);
  for (std::string &Text : C) {
    Element E = parseElement(Text);
    if (E.Name == "inline-params")
      E.Params = Params;
    else if (findReader({E}) == "inline")
      E = parseElement("inline-params<" + Params + ">(" + Text + ")");
    else
      continue;
    Text = print(E);
  }
  return C;
}

llvm::Expected<Candidate> withPrintedInliners(const Candidate &C,
                                              const PipelinePrinter &Print) {
  Candidate Spelled;
  for (const std::string &Text : C) {
    Element E = parseElement(Text);
    std::optional<InlinerPipelineParams> Params =
        E.Name == "inliner-pipeline" ? parseInlinerPipelineParams(E.Params)
                                     : std::nullopt;
    if (!Params || Params->Level == llvm::OptimizationLevel::Oz) {
      Spelled.push_back(Text);
      continue;
    }
    auto Printed = Print("inliner-pipeline<" +
                         E.Params.substr(0, E.Params.find(';')) + ">");
    if (!Printed)
      return Printed.takeError();
    llvm::append_range(Spelled,
                       withInlineThreshold(
                           splitPipeline(*Printed),
                           Params->Threshold.value_or(plainInlineThreshold())));
  }
  return Spelled;
}

Candidate ozPiecesWithInlinerThreshold(int Threshold) {
  std::string Inliner =
      "inliner-pipeline<Oz;threshold=" + std::to_string(Threshold) + ">";
  Candidate Pieces;
  for (const Action &Piece : standardPieces("Oz-pieces"))
    for (std::string &Element : splitPipeline(Piece.Pipeline))
      Pieces.push_back(Element == "scc-oz-module-inliner" ? Inliner
                                                          : std::move(Element));
  return Pieces;
}

std::vector<std::string> splitPipeline(llvm::StringRef Text) {
  std::vector<std::string> Elements;
  int Depth = 0;
  size_t Start = 0;
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '(' || C == '<')
      ++Depth;
    else if (C == ')' || C == '>')
      --Depth;
    else if (C == ',' && Depth == 0) {
      Elements.push_back(Text.slice(Start, I).trim().str());
      Start = I + 1;
    }
  }
  llvm::StringRef Last = Text.drop_front(Start).trim();
  if (!Last.empty())
    Elements.push_back(Last.str());
  return Elements;
}

Candidate editPipeline(const Candidate &C, const EditSpace &Space,
                       std::mt19937_64 &Random) {
  constexpr int kEditKinds = 5;
  for (int Attempt = 0; Attempt < 20; ++Attempt) {
    std::vector<Element> Top;
    for (const std::string &Text : C)
      Top.push_back(parseElement(Text));
    int Kind = static_cast<int>(pick(kEditKinds, Random));
    bool Edited = Kind == 4 ? editParameter(Top, Random)
                            : editList(Top, Space, Kind, Random);
    if (!Edited)
      continue;
    Candidate Result;
    for (const Element &E : Top)
      Result.push_back(print(E));
    if (Result != C)
      return Result;
  }
  return C;
}

} // namespace passgym
