//===- support/ModuleHash.h - Identifying a module by its contents --------===//
#ifndef PASSGYM_SUPPORT_MODULEHASH_H
#define PASSGYM_SUPPORT_MODULEHASH_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

/// A 128-bit BLAKE3 digest of the module's textual IR, in hex. The module
/// identifier is part of the text, so compare modules of the same benchmark.
std::string irHash(const llvm::Module &M);

/// A 128-bit BLAKE3 digest of \p Bytes, in hex.
std::string bytesHash(llvm::StringRef Bytes);

} // namespace passgym

#endif
