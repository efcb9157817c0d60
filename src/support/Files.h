//===- support/Files.h - Writing files safely -----------------------------===//
//
// What passgym writes must not replace what it should not: a regular file
// (or a new path) is replaced atomically, so readers see the old contents or
// the new, never half; a character device or a FIFO (/dev/null, a pipe) is
// written through, never replaced by a regular file; a symbolic link is
// followed, and the file it points to is written as above; a directory,
// block device or socket is refused.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_FILES_H
#define PASSGYM_SUPPORT_FILES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace passgym {

/// Writes \p Contents to \p Path as the file comment says.
llvm::Error writeFileAtomically(llvm::StringRef Path, llvm::StringRef Contents);

/// Succeeds if writeFileAtomically(\p Path, ...) can be expected to work: a
/// check before long work whose result would be lost otherwise. The error
/// names the path and the problem (a missing or read-only directory, a
/// directory in the way).
llvm::Error checkWritable(llvm::StringRef Path);

/// A hash of \p Path's contents: a file's bytes, or a directory's names and
/// contents, recursively and in sorted order.
llvm::Expected<std::string> treeHash(llvm::StringRef Path);

/// The same for a directory that will be created if missing (with its
/// parents) and written into.
llvm::Error checkWritableDirectory(llvm::StringRef Path);

} // namespace passgym

#endif
