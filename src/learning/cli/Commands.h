//===- learning/cli/Commands.h - passgym-learn's subcommands ----*- C++ -*-===//
//
// passgym train, eval, propose and bench learning: passgym forwards
// them to this executable (cli/LearningCommands.cpp), which links libtorch.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_CLI_COMMANDS_H
#define PASSGYM_LEARNING_CLI_COMMANDS_H

namespace CLI {
class App;
} // namespace CLI

namespace passgym::learning::cli {

void addTrainCommand(CLI::App &App);
void addEvalCommand(CLI::App &App);
void addProposeCommand(CLI::App &App);
void addLearningBenchCommand(CLI::App &Bench);

} // namespace passgym::learning::cli

#endif
