#include "support/Installation.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <dlfcn.h>

namespace passgym {
namespace {

/// How many directories up from the code's own a data directory may be: the
/// installed Python module sits four below the prefix
/// (lib/python3.X/site-packages/passgym).
constexpr int kLevelsSearched = 5;

/// The executable or shared library this function was loaded from.
std::string codeLocation() {
  Dl_info Info;
  if (!dladdr(reinterpret_cast<void *>(&codeLocation), &Info) ||
      !Info.dli_fname)
    return llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> Path;
  if (llvm::sys::fs::real_path(Info.dli_fname, Path))
    return Info.dli_fname;
  return std::string(Path);
}

} // namespace

llvm::Expected<std::string> dataDirectory(const std::string &Marker) {
  if (const char *Override = std::getenv(kDataDirectoryVariable)) {
    if (!llvm::sys::fs::is_directory(Override))
      return llvm::createStringError(std::string(kDataDirectoryVariable) +
                                     " names '" + Override +
                                     "', which is not a directory");
    return std::string(Override);
  }
  std::string Code = codeLocation();
  llvm::StringRef Dir = llvm::sys::path::parent_path(Code);
  for (int Level = 0; Level < kLevelsSearched && !Dir.empty(); ++Level) {
    llvm::SmallString<256> Candidate(Dir);
    llvm::sys::path::append(Candidate, "share", "passgym");
    llvm::SmallString<256> Probe(Candidate);
    llvm::sys::path::append(Probe, Marker);
    if (llvm::sys::fs::exists(Probe))
      return std::string(Candidate);
    Dir = llvm::sys::path::parent_path(Dir);
  }
  return llvm::createStringError(
      "cannot find passgym's data (share/passgym/" + Marker + ") beside '" +
      Code + "' or its parent directories; set " + kDataDirectoryVariable);
}

} // namespace passgym
