//===- support/Installation.h - Where passgym's own files are -------------===//
//
// passgym's data (the built-in programs) lives in share/passgym beside the
// bin/ or lib/ directory of the code that runs, so an installed tree can be
// moved as a whole, and the build tree has the same layout (build/share/passgym
// links to the source tree's benchmarks/).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_INSTALLATION_H
#define PASSGYM_SUPPORT_INSTALLATION_H

#include "llvm/Support/Error.h"

#include <string>

namespace passgym {

/// The environment variable that names the data directory, overriding the
/// search.
inline constexpr const char *kDataDirectoryVariable = "PASSGYM_DATA_DIR";

/// The data directory: $PASSGYM_DATA_DIR if set (it must exist), else the
/// first share/passgym that holds \p Marker (a path relative to it) found
/// beside the executable or shared library holding this code or beside one
/// of its parent directories. The error says where it looked.
llvm::Expected<std::string> dataDirectory(const std::string &Marker);

/// The user's cache directory for passgym: $PASSGYM_CACHE_DIR, else
/// $XDG_CACHE_HOME/passgym, else ~/.cache/passgym (else
/// /tmp/passgym-UID). Tries to create it; a failure is left for whoever
/// writes there to report.
std::string cacheDirectory();

/// The environment variable that names the worker executable.
inline constexpr const char *kWorkerVariable = "PASSGYM_WORKER";

/// The executable \p Name installed with passgym: $\p Variable if set (it
/// must be executable), else the first \p Name or bin/\p Name found in the
/// directory of the code that runs or one of its parents (the build tree
/// puts executables in build/, an install in PREFIX/bin).
llvm::Expected<std::string> installedExecutable(const std::string &Name,
                                                const char *Variable);

} // namespace passgym

#endif
