//===- learning/cli/Choices.h - Options the commands share ------*- C++ -*-===//
//
// A command-line option whose values are the names of an enum's name table
// (learning/support/NameTable.h), so that the command line accepts and lists
// exactly the names training, checkpoints and evaluation use; and the
// network's shape, which train and bench learning both take.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_CLI_CHOICES_H
#define PASSGYM_LEARNING_CLI_CHOICES_H

#include "cli/Common.h"
#include "learning/networks/NetworkOptions.h"
#include "learning/support/NameTable.h"

#include <CLI/CLI.hpp>

#include <string>

namespace passgym::learning::cli {

/// Binds \p Flag to \p Value, which keeps its current value as the default.
template <typename E, size_t N>
CLI::Option *addChoice(CLI::App &Command, const std::string &Flag, E &Value,
                       const NameTable<E, N> &Table,
                       const std::string &Description) {
  std::vector<std::string> Names = namesOf(Table);
  std::string Help = Description + ":";
  for (const std::string &Name : Names)
    Help += " " + Name;
  return Command
      .add_option_function<std::string>(
          Flag,
          [&Value, &Table](const std::string &Name) {
            Value = llvm::cantFail(valueOf(Table, Name, "value"));
          },
          Help)
      ->check(CLI::IsMember(Names))
      ->default_str(nameOf(Table, Value));
}

/// --encoder, --hidden and --layers, defaulting to \p Network's values.
inline void addNetworkShape(CLI::App &Command, NetworkOptions &Network) {
  addChoice(Command, "--encoder", Network.Encoder, kEncoderNames,
            "graph encoder");
  Command.add_option("--hidden", Network.HiddenSize, "hidden width")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
  Command.add_option("--layers", Network.Layers, "GINE layers / GGNN steps")
      ->capture_default_str()
      ->check(passgym::cli::wholeNumber(1, 1000000));
}

} // namespace passgym::learning::cli

#endif // PASSGYM_LEARNING_CLI_CHOICES_H
