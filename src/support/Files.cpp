#include "support/Files.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace passgym {

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
