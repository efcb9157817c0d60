//===- learning/networks/Serialization.h - Networks as bytes ----*- C++ -*-===//
//
// Torch archives in memory (a checkpoint hashes the bytes before anything
// reads them), and loading a network that refuses what Module::load accepts
// silently: a stored tensor of another shape than the network built from
// its options (Module::load would just take the stored tensor's shape).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_NETWORKS_SERIALIZATION_H
#define PASSGYM_LEARNING_NETWORKS_SERIALIZATION_H

#include "llvm/Support/Error.h"

#include <torch/torch.h>

#include <functional>
#include <string>

namespace passgym::learning {

/// The serialized bytes of an archive filled by \p Fill.
std::string archiveBytes(
    const std::function<void(torch::serialize::OutputArchive &)> &Fill);

/// Reads \p Bytes (from archiveBytes) into \p Archive; the error is torch's
/// first line.
llvm::Error loadArchive(const std::string &Bytes,
                        torch::serialize::InputArchive &Archive);

/// Copies every parameter and buffer of \p Module from \p Archive (as
/// Module::save wrote them). Fails, naming the tensor by its dotted path, on
/// one that is missing or of another shape than \p Module's.
llvm::Error loadModule(torch::nn::Module &Module,
                       torch::serialize::InputArchive &Archive);

/// loadModule from the archive stored under \p Key in \p Archive.
llvm::Error loadModule(torch::nn::Module &Module,
                       torch::serialize::InputArchive &Archive,
                       const std::string &Key);

/// Copies the parameters of \p From into \p To, which must have the same
/// names and shapes (the error names the first that differs).
llvm::Error copyParameters(torch::nn::Module &To,
                           const torch::nn::Module &From);

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_NETWORKS_SERIALIZATION_H
