//===- learning/inputs/Vocabulary.h - Node texts to embedding ids -*- C++
//-*-===//
//
// The models embed a ProGraML node by its normalized text (an opcode, `var`,
// `val`, or a type). The vocabulary maps those texts to dense ids; it is built
// once from training graphs and saved beside a model, because a model's
// embedding rows mean nothing without the vocabulary that numbered them.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_INPUTS_VOCABULARY_H
#define PASSGYM_LEARNING_INPUTS_VOCABULARY_H

#include "graph/ProgramGraph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace passgym::learning {

struct VocabularyOptions {
  /// Keep at most this many known texts (the unknown token not counted);
  /// 0 keeps them all. The rarest texts are dropped first.
  size_t MaxSize = 0;
  /// Drop texts seen fewer times than this over all graphs.
  uint64_t MinCount = 1;
};

class Vocabulary {
public:
  /// The id of every text the vocabulary does not know.
  static constexpr int64_t UnknownId = 0;
  /// Written to and checked in saved files; bump it when the format changes.
  static constexpr int FormatVersion = 1;

  /// An empty vocabulary: every text is unknown.
  Vocabulary();

  /// Counts the node texts of \p Graphs and numbers them from 1, most
  /// frequent first, ties broken by text, so the same graphs give the same
  /// ids whatever order they come in.
  static Vocabulary build(llvm::ArrayRef<const graph::ProgramGraph *> Graphs,
                          const VocabularyOptions &Options = {});
  /// Ids 1, 2, ... for \p Texts in that order (which must hold no duplicates);
  /// for tests and hand-made vocabularies.
  static Vocabulary fromTexts(const std::vector<std::string> &Texts);

  /// The id of \p Text, or UnknownId.
  int64_t id(llvm::StringRef Text) const;
  /// The text of \p Id; "<unknown>" for UnknownId.
  const std::string &text(int64_t Id) const;
  /// The number of ids, the unknown token included: the number of rows of an
  /// embedding table indexed by this vocabulary.
  size_t size() const { return Texts.size(); }

  std::string toJson() const;
  static llvm::Expected<Vocabulary> fromJson(llvm::StringRef Json);
  /// Writes atomically, so a crash never leaves a half-written vocabulary.
  llvm::Error save(llvm::StringRef Path) const;
  static llvm::Expected<Vocabulary> load(llvm::StringRef Path);

  bool operator==(const Vocabulary &O) const { return Texts == O.Texts; }

private:
  /// Texts[Id]; Texts[0] is the unknown token's placeholder.
  std::vector<std::string> Texts;
  std::map<std::string, int64_t, std::less<>> Ids;

  void add(std::string Text);
};

} // namespace passgym::learning

#endif
