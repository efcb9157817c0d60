//===- support/Target.h - The machine code is generated for ---------------===//
//
// passgym optimizes for the host: modules without a target triple get the
// host's, and passes see the host's TargetTransformInfo exactly as `opt-19`
// does, so a pipeline run in-process and by `opt-19` give the same module.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_TARGET_H
#define PASSGYM_SUPPORT_TARGET_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace passgym {

/// Registers every LLVM target, once per process; safe to call from several
/// threads. Needed before anything looks a target up (targetMachineFor does).
void initializeTargets();

/// The TargetMachine for \p M's triple (the host's when it has none), with
/// llc's defaults: generic CPU (functions' "target-cpu" attributes refine it),
/// default relocation model. One per thread, triple and level, created on
/// first use; it must not be shared between threads.
llvm::Expected<llvm::TargetMachine *>
targetMachineFor(const llvm::Module &M,
                 llvm::CodeGenOptLevel Level = llvm::CodeGenOptLevel::Default);

/// A TargetMachine like targetMachineFor's, owned by the caller, for code
/// that keeps one across calls that may run on different threads.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachineFor(
    const llvm::Module &M,
    llvm::CodeGenOptLevel Level = llvm::CodeGenOptLevel::Default);

/// Compiles \p M (a clone of it: codegen rewrites IR) to an object file in
/// memory with targetMachineFor(M, Level). Fails if LLVM crashes doing so.
llvm::Expected<llvm::SmallVector<char, 0>>
emitObject(const llvm::Module &M, llvm::CodeGenOptLevel Level);

/// Gives \p M the host triple and its data layout when it has no triple.
llvm::Error adoptHostTargetIfUnset(llvm::Module &M);

} // namespace passgym

#endif
