#include "datasets/CompileCache.h"

#include "support/Files.h"
#include "support/Installation.h"
#include "support/ModuleHash.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <atomic>
#include <cstdlib>

namespace passgym {
namespace {

/// Bump when what a compilation produces changes (flags passgym adds, say).
constexpr int kCompileVersion = 1;

/// Environment variables clang's driver reads for include paths.
constexpr const char *kClangEnvironment[] = {
    "CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH"};

std::atomic<uint64_t> Hits{0}, Misses{0};

std::string keyOf(llvm::StringRef Description) {
  std::string Material = Description.str();
  Material += "\nclang " LLVM_VERSION_STRING "\ncompile version " +
              std::to_string(kCompileVersion);
  for (const char *Variable : kClangEnvironment)
    if (const char *Value = std::getenv(Variable))
      Material += std::string("\n") + Variable + "=" + Value;
  return bytesHash(Material);
}

std::string entryDirectory(const std::string &Key) {
  llvm::SmallString<256> Dir(cacheDirectory());
  llvm::sys::path::append(Dir, "compiled", Key);
  return std::string(Dir);
}

/// The file's content hash, or empty if it cannot be read.
std::string fileHash(const std::string &Path) {
  auto Contents = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!Contents)
    return "";
  return bytesHash((*Contents)->getBuffer());
}

/// The cached program at \p Dir if every input is unchanged.
std::optional<CompiledProgram> lookup(const std::string &Dir) {
  auto Inputs = llvm::MemoryBuffer::getFile(Dir + "/inputs");
  if (!Inputs)
    return std::nullopt;
  CompiledProgram Program;
  llvm::SmallVector<llvm::StringRef> Lines;
  (*Inputs)->getBuffer().split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef Line : Lines) {
    auto [Hash, Path] = Line.split(' ');
    if (Path.empty() || fileHash(Path.str()) != Hash)
      return std::nullopt;
    Program.Inputs.push_back(Path.str());
  }
  auto Bitcode = llvm::MemoryBuffer::getFile(Dir + "/module.bc");
  if (!Bitcode)
    return std::nullopt;
  Program.Bitcode = std::move(*Bitcode);
  return Program;
}

/// Keeps \p Program at \p Dir, replacing what was there: written beside it
/// and renamed in, so a reader sees a whole entry or none.
void store(const std::string &Dir, const CompiledProgram &Program) {
  std::string Inputs;
  for (const std::string &Path : Program.Inputs) {
    std::string Hash = fileHash(Path);
    if (Hash.empty())
      return;
    Inputs += Hash + " " + Path + "\n";
  }
  llvm::SmallString<256> Temp;
  if (llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Dir)) ||
      llvm::sys::fs::createUniqueDirectory(Dir + ".tmp", Temp))
    return;
  std::string TempDir(Temp);
  for (auto [Name, Contents] :
       {std::pair{"/module.bc", Program.Bitcode->getBuffer()},
        {"/inputs", llvm::StringRef(Inputs)}})
    if (llvm::Error E = writeFileAtomically(TempDir + Name, Contents)) {
      llvm::consumeError(std::move(E));
      llvm::sys::fs::remove_directories(TempDir);
      return;
    }
  llvm::sys::fs::remove_directories(Dir);
  if (llvm::sys::fs::rename(TempDir, Dir))
    llvm::sys::fs::remove_directories(TempDir);
}

} // namespace

llvm::Expected<CompiledProgram>
compileCached(llvm::StringRef Description,
              llvm::function_ref<llvm::Expected<CompiledProgram>()> Compile) {
  std::string Dir = entryDirectory(keyOf(Description));
  if (auto Cached = lookup(Dir)) {
    ++Hits;
    return std::move(*Cached);
  }
  ++Misses;
  auto Compiled = Compile();
  if (Compiled)
    store(Dir, *Compiled);
  return Compiled;
}

CompileCacheStatistics compileCacheStatistics() { return {Hits, Misses}; }

} // namespace passgym
