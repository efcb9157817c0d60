#include "support/TempDir.h"

#include "support/Cleanup.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <unistd.h>

namespace passgym {

llvm::Expected<TempDir> TempDir::create(llvm::StringRef Prefix) {
  llvm::SmallString<128> Path;
  if (std::error_code EC = llvm::sys::fs::createUniqueDirectory(Prefix, Path))
    return llvm::createStringError(EC, "cannot create a temporary directory: " +
                                           EC.message());
  return TempDir(std::string(Path));
}

TempDir::TempDir(std::string Path) : Path(std::move(Path)), Owner(::getpid()) {
  registerDirectory(this->Path);
}

TempDir::TempDir(TempDir &&Other) noexcept
    : Path(std::move(Other.Path)), Owner(Other.Owner) {
  Other.Path.clear();
}

TempDir::~TempDir() {
  if (Path.empty() || Owner != ::getpid())
    return;
  llvm::sys::fs::remove_directories(Path, /*IgnoreErrors=*/true);
  unregisterDirectory(Path);
}

std::string TempDir::file(llvm::StringRef Name) const {
  llvm::SmallString<128> File(Path);
  llvm::sys::path::append(File, Name);
  return std::string(File);
}

} // namespace passgym
