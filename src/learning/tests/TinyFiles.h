//===- learning/tests/TinyFiles.h - The tiny task as a user's files -*- C++ -*-===//
#ifndef PASSGYM_LEARNING_TESTS_TINYFILES_H
#define PASSGYM_LEARNING_TESTS_TINYFILES_H

#include "learning/tests/TinyTask.h"
#include "learning/training/Training.h"
#include "support/TempDir.h"

#include <fstream>
#include <string>

namespace passgym::learning {

/// The tiny program and its 4-action space as files, as a user gives them.
struct TinyFiles {
  TempDir Dir = testing::take(TempDir::create("passgym-train-test"));
  std::string Program = Dir.file("loop.ll");
  std::string Actions = Dir.file("actions.txt");
  TinyFiles() {
    std::ofstream(Program) << kLoopIr;
    std::ofstream(Actions) << "mem2reg function(mem2reg)\n"
                              "instnamer function(instnamer)\n"
                              "lcssa function(lcssa)\n"
                              "reg2mem function(reg2mem)\n";
  }

  TrainRunOptions options(Agent A) const {
    TrainRunOptions O;
    O.Agent = A;
    O.Datasets = {Program};
    O.ActionsFile = Actions;
    O.Schedule.TotalSteps = 32;
    O.Schedule.StepsPerIteration = 16;
    O.Schedule.EpisodeLength = 4;
    O.Network.HiddenSize = 8;
    O.Network.Layers = 1;
    O.CheckpointEvery = 1;
    O.OutputDirectory = Dir.file(nameOf(kAgentNames, A));
    return O;
  }
};

} // namespace passgym::learning

#endif
