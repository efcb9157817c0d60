//===- learning/networks/Serialization.cpp - Networks as bytes ------------===//
#include "learning/networks/Serialization.h"

#include "learning/support/Messages.h"

#include <sstream>

namespace passgym::learning {
namespace {

std::string shapeOf(const torch::Tensor &T) {
  std::string Text = "[";
  for (int64_t I = 0; I < T.dim(); ++I)
    Text += (I ? ", " : "") + std::to_string(T.size(I));
  return Text + "]";
}

llvm::Error readInto(const std::string &Name, torch::Tensor &Target,
                     torch::serialize::InputArchive &Archive,
                     const std::string &Key, bool IsBuffer) {
  torch::Tensor Stored;
  if (!Archive.try_read(Key, Stored, IsBuffer))
    return llvm::createStringError("tensor '" + Name + "' is missing");
  if (Stored.sizes() != Target.sizes())
    return llvm::createStringError(
        "tensor '" + Name + "' has shape " + shapeOf(Stored) +
        ", the network's options make it " + shapeOf(Target));
  torch::NoGradGuard NoGrad;
  Target.copy_(Stored);
  return llvm::Error::success();
}

/// Module::load's walk (own parameters, own buffers, then each child from
/// its nested archive), with every tensor checked before it is copied.
llvm::Error loadTree(torch::nn::Module &Module,
                     torch::serialize::InputArchive &Archive,
                     const std::string &Prefix) {
  for (auto &P : Module.named_parameters(/*recurse=*/false))
    if (llvm::Error E =
            readInto(Prefix + P.key(), P.value(), Archive, P.key(), false))
      return E;
  for (auto &B : Module.named_buffers(/*recurse=*/false))
    if (llvm::Error E =
            readInto(Prefix + B.key(), B.value(), Archive, B.key(), true))
      return E;
  for (auto &Child : Module.named_children()) {
    torch::serialize::InputArchive Nested;
    if (!Archive.try_read(Child.key(), Nested))
      return llvm::createStringError("module '" + Prefix + Child.key() +
                                     "' is missing");
    if (llvm::Error E =
            loadTree(*Child.value(), Nested, Prefix + Child.key() + "."))
      return E;
  }
  return llvm::Error::success();
}

} // namespace

std::string archiveBytes(
    const std::function<void(torch::serialize::OutputArchive &)> &Fill) {
  torch::serialize::OutputArchive Archive;
  Fill(Archive);
  std::ostringstream Out;
  Archive.save_to(Out);
  return Out.str();
}

llvm::Error loadArchive(const std::string &Bytes,
                        torch::serialize::InputArchive &Archive) {
  try {
    Archive.load_from(Bytes.data(), Bytes.size());
  } catch (const c10::Error &E) {
    return llvm::createStringError(firstLine(E.what()));
  }
  return llvm::Error::success();
}

llvm::Error loadModule(torch::nn::Module &Module,
                       torch::serialize::InputArchive &Archive) {
  try {
    return loadTree(Module, Archive, "");
  } catch (const c10::Error &E) {
    return llvm::createStringError(firstLine(E.what()));
  }
}

llvm::Error loadModule(torch::nn::Module &Module,
                       torch::serialize::InputArchive &Archive,
                       const std::string &Key) {
  torch::serialize::InputArchive Nested;
  if (!Archive.try_read(Key, Nested))
    return llvm::createStringError("module '" + Key + "' is missing");
  if (llvm::Error E = loadModule(Module, Nested))
    return llvm::createStringError("'" + Key +
                                   "': " + llvm::toString(std::move(E)));
  return llvm::Error::success();
}

llvm::Error copyParameters(torch::nn::Module &To,
                           const torch::nn::Module &From) {
  auto Source = From.named_parameters();
  auto Target = To.named_parameters();
  if (Source.size() != Target.size())
    return llvm::createStringError(
        "networks differ: " + std::to_string(Source.size()) + " vs " +
        std::to_string(Target.size()) + " parameters");
  torch::NoGradGuard NoGrad;
  for (auto &P : Target) {
    const torch::Tensor *S = Source.find(P.key());
    if (!S || S->sizes() != P.value().sizes())
      return llvm::createStringError(
          "networks differ at tensor '" + P.key() + "'" +
          (S ? ": " + shapeOf(*S) + " vs " + shapeOf(P.value()) : ""));
    P.value().copy_(*S);
  }
  return llvm::Error::success();
}

} // namespace passgym::learning
