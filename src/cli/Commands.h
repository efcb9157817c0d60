//===- cli/Commands.h - The passgym subcommands ---------------------------===//
//
// One file per subcommand: an options struct, a setup that binds it to CLI11,
// and a run that does the work and returns the exit code.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_CLI_COMMANDS_H
#define PASSGYM_CLI_COMMANDS_H

namespace CLI {
class App;
} // namespace CLI

namespace passgym::cli {

void addPassesCommand(CLI::App &App);
void addObserveCommand(CLI::App &App);
void addApplyCommand(CLI::App &App);
void addSearchCommand(CLI::App &App);
void addBenchCommand(CLI::App &App);
void addDatasetsCommand(CLI::App &App);
void addValidateCommand(CLI::App &App);
void addRunCommand(CLI::App &App);
void addOptimizeCommand(CLI::App &App);
/// train and eval, run by passgym-learn (cli/LearningCommands.cpp).
void addLearningCommands(CLI::App &App);
/// bench learning, run by passgym-learn.
void addLearningBenchForward(CLI::App &Bench);

} // namespace passgym::cli

#endif
