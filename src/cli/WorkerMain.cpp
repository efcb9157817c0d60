//===- cli/WorkerMain.cpp - passgym-worker --------------------------------===//
//
// The worker process behind an environment with worker isolation
// (env/WorkerEnvironment.h starts it; env/WorkerServer.h is what it does).
// Not meant to be run by hand.
//
//===----------------------------------------------------------------------===//
#include "env/WorkerServer.h"

#include <cstdio>
#include <cstdlib>

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    std::fprintf(stderr, "passgym-worker: started by passgym with the "
                         "descriptor of its socket, not by hand\n");
    return 2;
  }
  return passgym::worker::serve(std::atoi(Argv[1]));
}
