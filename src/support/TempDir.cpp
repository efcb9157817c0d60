#include "support/TempDir.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {

llvm::Expected<TempDir> TempDir::create(llvm::StringRef Prefix) {
  llvm::SmallString<128> Path;
  if (std::error_code EC = llvm::sys::fs::createUniqueDirectory(Prefix, Path))
    return llvm::createStringError(EC, "cannot create a temporary directory: " +
                                           EC.message());
  return TempDir(std::string(Path));
}

TempDir::TempDir(TempDir &&Other) noexcept : Path(std::move(Other.Path)) {
  Other.Path.clear();
}

TempDir::~TempDir() {
  if (!Path.empty())
    llvm::sys::fs::remove_directories(Path, /*IgnoreErrors=*/true);
}

std::string TempDir::file(llvm::StringRef Name) const {
  llvm::SmallString<128> File(Path);
  llvm::sys::path::append(File, Name);
  return std::string(File);
}

llvm::Error writeFileAtomically(llvm::StringRef Path,
                                llvm::StringRef Contents) {
  llvm::SmallString<128> Temp;
  int Fd = -1;
  std::string Model = (Path + ".tmp-%%%%%%").str();
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, Fd, Temp))
    return llvm::createStringError(EC, "cannot write '" + Path +
                                           "': " + EC.message());
  {
    llvm::raw_fd_ostream Out(Fd, /*shouldClose=*/true);
    Out << Contents;
    Out.flush();
    if (Out.has_error()) {
      std::error_code EC = Out.error();
      Out.clear_error();
      llvm::sys::fs::remove(Temp);
      return llvm::createStringError(EC, "cannot write '" + Path +
                                             "': " + EC.message());
    }
  }
  if (std::error_code EC = llvm::sys::fs::rename(Temp, Path)) {
    llvm::sys::fs::remove(Temp);
    return llvm::createStringError(EC, "cannot write '" + Path +
                                           "': " + EC.message());
  }
  return llvm::Error::success();
}

} // namespace passgym
