#include "support/Installation.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <dlfcn.h>
#include <optional>
#include <unistd.h>
#include <vector>

namespace passgym {
namespace {

/// How many directories up from the code's own a data directory may be: the
/// installed Python module sits four below the prefix
/// (lib/python3.X/site-packages/passgym).
constexpr int kLevelsSearched = 5;

/// The executable or shared library this function was loaded from.
std::string codeLocation() {
  Dl_info Info;
  // The main executable's name is as it was run (maybe relative to a
  // directory since left); the kernel knows its real path.
  if (!dladdr(reinterpret_cast<void *>(&codeLocation), &Info) ||
      !Info.dli_fname || !llvm::sys::path::is_absolute(Info.dli_fname))
    return llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> Path;
  if (llvm::sys::fs::real_path(Info.dli_fname, Path))
    return Info.dli_fname;
  return std::string(Path);
}

/// The first of \p Candidates (relative paths) that \p Found accepts, in the
/// directory of the code that runs or one of its parents, nearest first.
std::optional<std::string>
findBesideCode(const std::vector<std::string> &Candidates,
               llvm::function_ref<bool(const std::string &)> Found) {
  std::string Code = codeLocation();
  llvm::StringRef Dir = llvm::sys::path::parent_path(Code);
  for (int Level = 0; Level < kLevelsSearched && !Dir.empty(); ++Level) {
    for (const std::string &Candidate : Candidates) {
      llvm::SmallString<256> Path(Dir);
      llvm::sys::path::append(Path, Candidate);
      if (Found(std::string(Path)))
        return std::string(Path);
    }
    Dir = llvm::sys::path::parent_path(Dir);
  }
  return std::nullopt;
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
  auto Found = findBesideCode({"share/passgym"}, [&](const std::string &Dir) {
    return llvm::sys::fs::exists(Dir + "/" + Marker);
  });
  if (Found)
    return *Found;
  return llvm::createStringError("cannot find passgym's data (share/passgym/" +
                                 Marker + ") beside '" + codeLocation() +
                                 "' or its parent directories; set " +
                                 kDataDirectoryVariable);
}

std::string cacheDirectory() {
  auto NonEmpty = [](const char *Name) -> const char * {
    const char *Value = std::getenv(Name);
    return Value && *Value ? Value : nullptr;
  };
  llvm::SmallString<256> Dir;
  if (const char *Override = NonEmpty("PASSGYM_CACHE_DIR")) {
    Dir = Override;
  } else {
    // The XDG spec says to ignore a relative XDG_CACHE_HOME.
    const char *Xdg = NonEmpty("XDG_CACHE_HOME");
    if (Xdg && llvm::sys::path::is_absolute(Xdg)) {
      Dir = Xdg;
    } else if (!llvm::sys::path::home_directory(Dir)) {
      Dir = "/tmp";
      llvm::sys::path::append(Dir, "passgym-" + std::to_string(getuid()));
    } else {
      llvm::sys::path::append(Dir, ".cache");
    }
    llvm::sys::path::append(Dir, "passgym");
  }
  (void)llvm::sys::fs::create_directories(Dir);
  return std::string(Dir);
}

llvm::Expected<std::string> installedExecutable(const std::string &Name,
                                                const char *Variable) {
  if (const char *Override = std::getenv(Variable)) {
    if (!llvm::sys::fs::can_execute(Override))
      return llvm::createStringError(std::string(Variable) + " names '" +
                                     Override + "', which is not executable");
    return std::string(Override);
  }
  auto Found = findBesideCode({Name, "bin/" + Name}, [](const std::string &P) {
    return llvm::sys::fs::can_execute(P) && !llvm::sys::fs::is_directory(P);
  });
  if (Found)
    return *Found;
  return llvm::createStringError(
      "cannot find " + Name + " beside '" + codeLocation() +
      "' or its parent directories; set " + Variable);
}

} // namespace passgym
