//===- support/Files.h - Writing files safely -----------------------------===//
#ifndef PASSGYM_SUPPORT_FILES_H
#define PASSGYM_SUPPORT_FILES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace passgym {

/// Writes \p Contents to \p Path atomically: a temporary file beside it, then a
/// rename, so readers see the old file or the new one, never half of one.
llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::StringRef Contents);

} // namespace passgym

#endif
