//===- distributed/WithoutMpi.cpp - A build without MPI -------------------===//
//
// Compiled instead of Mpi.cpp when CMake found no MPI (or PASSGYM_MPI is
// off): joining an MPI job is a one-line error.
//
//===----------------------------------------------------------------------===//
#include "distributed/Distributed.h"

namespace passgym {

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

llvm::Error MpiJob::serve() {
  return llvm::createStringError("this passgym was built without MPI");
}

} // namespace passgym
