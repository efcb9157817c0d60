//===- datasets/CompileCache.h - Compiled programs kept between runs ------===//
//
// Compiling a program of hundreds of sources takes tens of seconds; a
// benchmark is loaded by every passgym process that uses it. The linked
// bitcode of a program is kept in the user's cache directory
// (support/Installation.h), under compiled/KEY/: the bitcode, and the path
// and BLAKE3 hash of every file the compilation read (sources and headers).
// KEY hashes what describes the compilation apart from those files'
// contents: the sources' paths and flags the caller gives, the clang version,
// and the environment variables clang reads (CPATH and friends). An entry is
// used only if every file it read still has the contents it had; a header
// added in front of one it read (earlier on the include path) is not noticed.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_DATASETS_COMPILECACHE_H
#define PASSGYM_DATASETS_COMPILECACHE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace passgym {

/// A compiled (and linked) program.
struct CompiledProgram {
  std::unique_ptr<llvm::MemoryBuffer> Bitcode;
  /// Every file the compilation read, absolute paths.
  std::vector<std::string> Inputs;
};

/// The program described by \p Description from the cache, else from
/// \p Compile, which is then kept. A cache that cannot be read or written is
/// passed over, not an error.
llvm::Expected<CompiledProgram>
compileCached(llvm::StringRef Description,
              llvm::function_ref<llvm::Expected<CompiledProgram>()> Compile);

struct CompileCacheStatistics {
  uint64_t Hits = 0, Misses = 0;
};
/// The lookups this process made.
CompileCacheStatistics compileCacheStatistics();

} // namespace passgym

#endif
