//===- learning/support/NameTable.h - Enum names, one table each -*- C++
//-*-===//
//
// The command line, training, checkpoints and evaluation all spell the
// learning enums (agents, encoders, states, poolings) the same way: each enum
// has one constexpr table of (value, name), and these functions read it, so
// a new value is one new row. No torch here.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_SUPPORT_NAMETABLE_H
#define PASSGYM_LEARNING_SUPPORT_NAMETABLE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cassert>
#include <string>
#include <vector>

namespace passgym::learning {

template <typename E> struct NameEntry {
  E Value;
  const char *Name;
};

template <typename E, size_t N> using NameTable = std::array<NameEntry<E>, N>;

/// The name of \p Value; every value of the enum must have a row.
template <typename E, size_t N>
const char *nameOf(const NameTable<E, N> &Table, E Value) {
  for (const NameEntry<E> &Entry : Table)
    if (Entry.Value == Value)
      return Entry.Name;
  assert(false && "enum value missing from its name table");
  return "";
}

/// Every name, in table order (for the command line's choices).
template <typename E, size_t N>
std::vector<std::string> namesOf(const NameTable<E, N> &Table) {
  std::vector<std::string> Names;
  for (const NameEntry<E> &Entry : Table)
    Names.push_back(Entry.Name);
  return Names;
}

/// The value called \p Name; the error ("unknown WHAT 'NAME': use a, b or c")
/// lists the names.
template <typename E, size_t N>
llvm::Expected<E> valueOf(const NameTable<E, N> &Table, llvm::StringRef Name,
                          llvm::StringRef What) {
  std::string Choices;
  for (size_t I = 0; I < N; ++I) {
    if (Name == Table[I].Name)
      return Table[I].Value;
    Choices += (I == 0 ? "" : I + 1 == N ? " or " : ", ");
    Choices += Table[I].Name;
  }
  return llvm::createStringError("unknown " + What + " '" + Name + "': use " +
                                 Choices);
}

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_SUPPORT_NAMETABLE_H
