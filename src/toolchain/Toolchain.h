//===- toolchain/Toolchain.h - clang-19 as a library ----------------------===//
//
// Compiling C and C++ sources, and working out the linker's command line,
// with clang's own driver and frontend (Debian's libclang-cpp 19) in this
// process, instead of running clang and parsing what it prints. Arguments
// mean what they mean to `clang-19`: its driver turns them into the
// frontend's (cc1) options and the linker's command line, with the resource
// directory, system headers and linker of /usr/lib/llvm-19/bin/clang. As with
// clang-19, a source's language follows its extension (.c is C; .cc, .cpp and
// .cxx are C++).
//
// Every function is safe to call from several threads at once.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_TOOLCHAIN_TOOLCHAIN_H
#define PASSGYM_TOOLCHAIN_TOOLCHAIN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace passgym::toolchain {

/// The result of compiling one source.
struct CompiledSource {
  /// Bitcode (compileSource) or an object file (compileObject).
  std::unique_ptr<llvm::MemoryBuffer> Output;
  /// Every file the compile read, as absolute paths: the source first, then
  /// each header (system headers included) in the order first included.
  std::vector<std::string> Inputs;
};

/// Compiles \p Path to the unoptimized module that
/// `clang-19 -O1 -Xclang -disable-llvm-passes -emit-llvm -c PATH FLAGS`
/// writes: IR that passes can still optimize (no `optnone`). \p Flags are
/// the driver's (-I, -D, -std=, -working-directory, -w, ...). An error is one
/// line, "cannot compile 'PATH': main.c:3:1: error: ...", and so is a crash
/// of clang, which does not take the process down.
llvm::Expected<CompiledSource>
compileSource(llvm::StringRef Path, llvm::ArrayRef<std::string> Flags = {});

/// Compiles \p Path to the object file `clang-19 -c PATH FLAGS` writes
/// (\p Flags choose the optimization level, -O2 say). Errors as for
/// compileSource.
llvm::Expected<CompiledSource>
compileObject(llvm::StringRef Path, llvm::ArrayRef<std::string> Flags = {});

/// The command line of the linker that `clang-19 OBJECTS -o OUTPUT FLAGS`
/// runs, worked out once by the driver and then filled in for any objects and
/// output, so that linking runs the linker alone.
class LinkCommand {
public:
  /// The linker's argv for linking \p Objects, in this order and before
  /// anything \p Flags add (-l options), into the executable \p Output.
  std::vector<std::string> argv(llvm::ArrayRef<std::string> Objects,
                                llvm::StringRef Output) const;

private:
  friend llvm::Expected<LinkCommand>
  linkCommand(llvm::ArrayRef<std::string> Flags);
  explicit LinkCommand(std::vector<std::string> Template)
      : Template(std::move(Template)) {}
  /// The argv with one placeholder argument for the objects and one for the
  /// output.
  std::vector<std::string> Template;
};

/// The linker command for \p Flags (-fuse-ld=gold, -no-pie, -lm, ...), as
/// clang's driver builds it; nothing is run.
llvm::Expected<LinkCommand> linkCommand(llvm::ArrayRef<std::string> Flags);

} // namespace passgym::toolchain

#endif
