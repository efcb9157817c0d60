//===- distributed/WithoutMpi.cpp - A build without MPI -------------------===//
//
// Compiled instead of Mpi.cpp when CMake found no MPI (or PASSGYM_MPI is
// off): joining an MPI job, or sending a message, is a one-line error.
//
//===----------------------------------------------------------------------===//
#include "distributed/Distributed.h"
#include "distributed/Messages.h"

#include <cstdlib>

namespace passgym {

namespace {
llvm::Error withoutMpi() {
  return llvm::createStringError("this passgym was built without MPI");
}
} // namespace

struct MpiJob::Coordination {};

bool mpiBuiltIn() { return false; }

MpiJob::MpiJob(unsigned Rank, unsigned Size) : Rank(Rank), Size(Size) {}

MpiJob::~MpiJob() = default;

llvm::Expected<std::unique_ptr<MpiJob>> MpiJob::join() {
  return llvm::createStringError(
      "this passgym was built without MPI: install libopenmpi-dev and "
      "configure again with -DPASSGYM_MPI=ON");
}

EvaluatorFactory MpiJob::evaluators() { return {}; }

DistributedSummary MpiJob::summary() const { return {}; }

llvm::Error MpiJob::serve() { return withoutMpi(); }

void MpiJob::abort(int ExitCode) { std::exit(ExitCode); }

llvm::Error sendTo(unsigned, int, llvm::StringRef, RankClock::time_point) {
  return withoutMpi();
}

llvm::Expected<std::optional<RankMessage>> receiveIfArrived(int, int) {
  return withoutMpi();
}

llvm::Expected<RankMessage> receiveFrom(int, int, RankClock::time_point) {
  return withoutMpi();
}

llvm::Expected<std::string> answerUntilStopped(
    llvm::function_ref<llvm::Expected<std::string>(const RankMessage &)>) {
  return withoutMpi();
}

} // namespace passgym
