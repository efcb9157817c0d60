#include "support/Files.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "support/ModuleHash.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

namespace passgym {
namespace {

llvm::Error cannotWrite(llvm::StringRef Path, const llvm::Twine &Why) {
  return llvm::createStringError("cannot write '" + Path + "': " + Why);
}

llvm::Error writeThrough(llvm::StringRef Path, llvm::StringRef Contents) {
  std::error_code EC;
  llvm::raw_fd_ostream Out(Path, EC, llvm::sys::fs::OF_None);
  if (EC)
    return cannotWrite(Path, EC.message());
  Out << Contents;
  Out.flush();
  if (Out.has_error()) {
    EC = Out.error();
    Out.clear_error();
    return cannotWrite(Path, EC.message());
  }
  return llvm::Error::success();
}

llvm::Error replaceAtomically(llvm::StringRef Path, llvm::StringRef Contents) {
  llvm::SmallString<128> Temp;
  int Fd = -1;
  std::string Model = (Path + ".tmp-%%%%%%").str();
  if (std::error_code EC = llvm::sys::fs::createUniqueFile(Model, Fd, Temp))
    return cannotWrite(Path, EC.message());
  {
    llvm::raw_fd_ostream Out(Fd, /*shouldClose=*/true);
    Out << Contents;
    Out.flush();
    if (Out.has_error()) {
      std::error_code EC = Out.error();
      Out.clear_error();
      llvm::sys::fs::remove(Temp);
      return cannotWrite(Path, EC.message());
    }
  }
  if (std::error_code EC = llvm::sys::fs::rename(Temp, Path)) {
    llvm::sys::fs::remove(Temp);
    return cannotWrite(Path, EC.message());
  }
  return llvm::Error::success();
}

/// \p Path with symbolic links followed as far as they lead (a dangling
/// link's target, so that writing creates it).
std::string followLinks(llvm::StringRef Path) {
  std::string Current = Path.str();
  for (int Hops = 0; Hops < 40; ++Hops) {
    llvm::sys::fs::file_status Status;
    if (llvm::sys::fs::status(Current, Status, /*Follow=*/false) ||
        Status.type() != llvm::sys::fs::file_type::symlink_file)
      return Current;
    char Target[4096];
    ssize_t Size = ::readlink(Current.c_str(), Target, sizeof Target - 1);
    if (Size < 0)
      return Current;
    llvm::StringRef Link(Target, Size);
    if (llvm::sys::path::is_absolute(Link)) {
      Current = Link.str();
      continue;
    }
    llvm::SmallString<256> Next(llvm::sys::path::parent_path(Current));
    llvm::sys::path::append(Next, Link);
    Current = std::string(Next);
  }
  return Current;
}

} // namespace

llvm::Error writeFileAtomically(llvm::StringRef Path,
                                llvm::StringRef Contents) {
  std::string Target = followLinks(Path);
  llvm::sys::fs::file_status Status;
  if (llvm::sys::fs::status(Target, Status))
    return replaceAtomically(Target, Contents); // a new file
  switch (Status.type()) {
  case llvm::sys::fs::file_type::regular_file:
    return replaceAtomically(Target, Contents);
  case llvm::sys::fs::file_type::character_file:
  case llvm::sys::fs::file_type::fifo_file:
    return writeThrough(Target, Contents);
  case llvm::sys::fs::file_type::directory_file:
    return cannotWrite(Path, "it is a directory");
  default:
    return cannotWrite(Path, "it is neither a regular file, a character "
                             "device nor a FIFO; refusing to replace it");
  }
}

llvm::Error checkWritable(llvm::StringRef Path) {
  std::string Target = followLinks(Path);
  llvm::sys::fs::file_status Status;
  if (!llvm::sys::fs::status(Target, Status)) {
    if (Status.type() == llvm::sys::fs::file_type::directory_file)
      return cannotWrite(Path, "it is a directory");
    if (Status.type() != llvm::sys::fs::file_type::regular_file)
      return ::access(Target.c_str(), W_OK) == 0
                 ? llvm::Error::success()
                 : cannotWrite(Path, "permission denied");
  }
  // A regular file is replaced by a new one: its directory must be writable.
  llvm::SmallString<256> Directory(llvm::sys::path::parent_path(Target));
  if (Directory.empty())
    Directory = ".";
  if (!llvm::sys::fs::is_directory(Directory))
    return cannotWrite(Path, "directory '" + Directory + "' does not exist");
  if (::access(Directory.c_str(), W_OK) != 0)
    return cannotWrite(Path, "directory '" + Directory + "' is not writable");
  return llvm::Error::success();
}

llvm::Expected<std::string> treeHash(llvm::StringRef Path) {
  if (!llvm::sys::fs::is_directory(Path)) {
    auto Contents = llvm::MemoryBuffer::getFile(
        Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!Contents)
      return llvm::createStringError(Contents.getError(), "cannot read '" +
                                                              Path + "'");
    return bytesHash((*Contents)->getBuffer());
  }
  std::vector<std::string> Names;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Path, EC), End; It != End && !EC;
       It.increment(EC))
    Names.push_back(llvm::sys::path::filename(It->path()).str());
  if (EC)
    return llvm::createStringError(EC, "cannot list '" + Path + "'");
  std::sort(Names.begin(), Names.end());
  std::string Listing;
  for (const std::string &Name : Names) {
    auto Hash = treeHash((Path + "/" + Name).str());
    if (!Hash)
      return Hash.takeError();
    Listing += Name + " " + *Hash + "\n";
  }
  return bytesHash(Listing);
}

llvm::Error checkWritableDirectory(llvm::StringRef Path) {
  llvm::SmallString<256> Existing(Path);
  while (!Existing.empty() && !llvm::sys::fs::exists(Existing))
    Existing = llvm::sys::path::parent_path(Existing);
  if (Existing.empty())
    Existing = ".";
  if (!llvm::sys::fs::is_directory(Existing))
    return cannotWrite(Path, "'" + Existing + "' is not a directory");
  if (::access(Existing.c_str(), W_OK) != 0)
    return cannotWrite(Path, "'" + Existing + "' is not writable");
  return llvm::Error::success();
}

} // namespace passgym
