//===- env/tests/FaultyPassesPlugin.cpp - Passes that misbehave -----------===//
//
// An LLVM pass plugin for tests only: passes that crash, corrupt the heap,
// never return, stop on an LLVM fatal error, leave invalid IR, or change what
// the program does while leaving valid, smaller IR. Loaded with addPassPlugin, so worker
// processes load it too.
//
//===----------------------------------------------------------------------===//
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct CrashPass : llvm::PassInfoMixin<CrashPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    volatile int *Null = nullptr;
    *Null = 1;
    return llvm::PreservedAnalyses::none();
  }
};

/// Writes past the end of a heap block and frees it twice: what a buggy pass
/// can do to the process it runs in.
struct CorruptHeapPass : llvm::PassInfoMixin<CorruptHeapPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    char *volatile Block = static_cast<char *>(std::malloc(24));
    std::memset(Block, 0x5a, 4096);
    std::free(Block);
    std::free(Block);
    return llvm::PreservedAnalyses::none();
  }
};

struct HangPass : llvm::PassInfoMixin<HangPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    volatile bool Forever = true;
    while (Forever)
      ;
    return llvm::PreservedAnalyses::none();
  }
};

struct BreakIrPass : llvm::PassInfoMixin<BreakIrPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &) {
    for (llvm::Function &F : M)
      if (!F.isDeclaration()) {
        F.getEntryBlock().getTerminator()->eraseFromParent();
        break;
      }
    return llvm::PreservedAnalyses::none();
  }
};

struct FatalErrorPass : llvm::PassInfoMixin<FatalErrorPass> {
  llvm::PreservedAnalyses run(llvm::Module &, llvm::ModuleAnalysisManager &) {
    llvm::report_fatal_error("faulty-fatal-error gives up here");
  }
};

/// Deletes the program's printing: fewer instructions, valid IR, another
/// program.
struct DropOutputPass : llvm::PassInfoMixin<DropOutputPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &) {
    std::vector<llvm::CallBase *> Printing;
    for (llvm::Function &F : M)
      for (llvm::Instruction &I : llvm::instructions(F))
        if (auto *Call = llvm::dyn_cast<llvm::CallBase>(&I))
          if (llvm::Function *Callee = Call->getCalledFunction())
            if ((Callee->getName() == "printf" ||
                 Callee->getName() == "puts") &&
                Call->use_empty())
              Printing.push_back(Call);
    for (llvm::CallBase *Call : Printing)
      Call->eraseFromParent();
    return Printing.empty() ? llvm::PreservedAnalyses::all()
                            : llvm::PreservedAnalyses::none();
  }
};

template <typename PassT>
bool addIfNamed(llvm::StringRef Name, llvm::StringRef Wanted,
                llvm::ModulePassManager &MPM) {
  if (Name != Wanted)
    return false;
  MPM.addPass(PassT());
  return true;
}

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK llvm::PassPluginLibraryInfo
llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "passgym-faulty-passes", "1",
          [](llvm::PassBuilder &PB) {
            PB.registerPipelineParsingCallback(
                [](llvm::StringRef Name, llvm::ModulePassManager &MPM,
                   llvm::ArrayRef<llvm::PassBuilder::PipelineElement>) {
                  return addIfNamed<CrashPass>(Name, "faulty-crash", MPM) ||
                         addIfNamed<CorruptHeapPass>(
                             Name, "faulty-corrupt-heap", MPM) ||
                         addIfNamed<HangPass>(Name, "faulty-hang", MPM) ||
                         addIfNamed<BreakIrPass>(Name, "faulty-break-ir",
                                                 MPM) ||
                         addIfNamed<FatalErrorPass>(
                             Name, "faulty-fatal-error", MPM) ||
                         addIfNamed<DropOutputPass>(
                             Name, "faulty-drop-output", MPM);
                });
          }};
}
