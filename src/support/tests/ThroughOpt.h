//===- support/tests/ThroughOpt.h - Modules as opt-19 makes them ----------===//
//
// For tests that compare passgym's modules with the real opt-19's: a
// benchmark through an opt-19 process, and an in-memory module through the
// bitcode writer and reader, as opt-19's output goes.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_SUPPORT_TESTS_THROUGHOPT_H
#define PASSGYM_SUPPORT_TESTS_THROUGHOPT_H

#include "support/Subprocess.h"
#include "support/TempDir.h"
#include "support/tests/TestHelpers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace passgym::testing {

/// \p B's unoptimized module through `opt-19 OPTIONS -passes=PIPELINE`, in
/// \p Context, named as passgym names \p B's module.
inline std::unique_ptr<llvm::Module>
throughOpt(const Benchmark &B, const std::string &Pipeline, const TempDir &Dir,
           llvm::LLVMContext &Context,
           const std::vector<std::string> &Options = {}) {
  std::string Input = Dir.file("input.bc"), Output = Dir.file("output.bc");
  {
    std::error_code EC;
    llvm::raw_fd_ostream Out(Input, EC);
    Out << B.bitcode().getBuffer();
  }
  SubprocessOptions Opt;
  Opt.Argv = {"/usr/bin/opt-19"};
  llvm::append_range(Opt.Argv, Options);
  llvm::append_range(Opt.Argv, std::vector<std::string>{
                                   "-passes=" + Pipeline, Input, "-o", Output});
  check(runChecked(Opt));
  auto Buffer = llvm::MemoryBuffer::getFile(Output);
  if (!Buffer)
    throw std::runtime_error("opt-19 wrote no " + Output);
  auto M = take(parseModule(**Buffer, Context));
  M->setModuleIdentifier(take(B.load(Context))->getModuleIdentifier());
  return M;
}

/// \p M written to bitcode and read back into \p Context, as opt-19's output
/// is: reading resets intrinsic declarations' attributes to the intrinsic's
/// own (the pipeline adds `mustprogress` to some in memory).
inline std::unique_ptr<llvm::Module> throughBitcode(const llvm::Module &M,
                                                    llvm::LLVMContext &Context) {
  llvm::SmallVector<char, 0> Bitcode;
  llvm::raw_svector_ostream Out(Bitcode);
  // As opt-19 writes it: with use-list orders, which the printed
  // predecessor lists show.
  llvm::WriteBitcodeToFile(M, Out, /*ShouldPreserveUseListOrder=*/true);
  auto Copy = take(parseModule(
      llvm::MemoryBufferRef(llvm::StringRef(Bitcode.data(), Bitcode.size()),
                            M.getModuleIdentifier()),
      Context));
  Copy->setModuleIdentifier(M.getModuleIdentifier());
  return Copy;
}

} // namespace passgym::testing

#endif
