//===- support/TempDir.h - A private temporary directory ------------------===//
#ifndef PASSGYM_SUPPORT_TEMPDIR_H
#define PASSGYM_SUPPORT_TEMPDIR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace passgym {

/// A fresh directory under the system's temporary directory, removed with
/// everything in it when the object dies (on every path, errors included) in
/// the process that created it: a forked child that inherits the object
/// leaves the directory to its owner.
class TempDir {
public:
  static llvm::Expected<TempDir> create(llvm::StringRef Prefix);
  TempDir(TempDir &&Other) noexcept;
  TempDir &operator=(TempDir &&) = delete;
  TempDir(const TempDir &) = delete;
  ~TempDir();

  const std::string &path() const { return Path; }
  std::string file(llvm::StringRef Name) const;

private:
  explicit TempDir(std::string Path);
  std::string Path;
  int Owner;
};

} // namespace passgym

#endif
