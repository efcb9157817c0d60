#include "support/Target.h"

#include "support/CrashRecovery.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <map>
#include <memory>
#include <mutex>

namespace passgym {

void initializeTargets() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers();
  });
}

namespace {

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const std::string &Triple, llvm::CodeGenOptLevel Level) {
  initializeTargets();
  std::string Problem;
  const llvm::Target *Target =
      llvm::TargetRegistry::lookupTarget(Triple, Problem);
  if (!Target)
    return llvm::createStringError("no target for triple '" + Triple +
                                   "': " + Problem);
  llvm::TargetOptions Options;
  std::unique_ptr<llvm::TargetMachine> Machine(Target->createTargetMachine(
      Triple, /*CPU=*/"", /*Features=*/"", Options, /*RM=*/std::nullopt,
      /*CM=*/std::nullopt, Level));
  if (!Machine)
    return llvm::createStringError("cannot create a target machine for '" +
                                   Triple + "'");
  return std::move(Machine);
}

std::string tripleOf(const llvm::Module &M) {
  if (!M.getTargetTriple().empty())
    return M.getTargetTriple();
  return llvm::sys::getDefaultTargetTriple();
}

} // namespace

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachineFor(const llvm::Module &M, llvm::CodeGenOptLevel Level) {
  return createTargetMachine(tripleOf(M), Level);
}

llvm::Expected<llvm::TargetMachine *>
targetMachineFor(const llvm::Module &M, llvm::CodeGenOptLevel Level) {
  using Key = std::pair<std::string, llvm::CodeGenOptLevel>;
  thread_local std::map<Key, std::unique_ptr<llvm::TargetMachine>> Machines;
  Key K{tripleOf(M), Level};
  auto It = Machines.find(K);
  if (It != Machines.end())
    return It->second.get();
  auto Machine = createTargetMachine(K.first, Level);
  if (!Machine)
    return Machine.takeError();
  return Machines.emplace(K, std::move(*Machine)).first->second.get();
}

llvm::Expected<llvm::SmallVector<char, 0>>
emitObject(const llvm::Module &M, llvm::CodeGenOptLevel Level) {
  auto Machine = targetMachineFor(M, Level);
  if (!Machine)
    return Machine.takeError();
  std::unique_ptr<llvm::Module> Clone = llvm::CloneModule(M);
  llvm::SmallVector<char, 0> Object;
  llvm::raw_svector_ostream Stream(Object);
  auto Codegen = std::make_unique<llvm::legacy::PassManager>();
  if ((*Machine)->addPassesToEmitFile(*Codegen, Stream, nullptr,
                                      llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit object files");
  bool Completed = runWithCrashRecovery([&] { Codegen->run(*Clone); });
  if (!Completed) {
    // Unknown state after a crash: leak rather than destroy.
    (void)Codegen.release();
    (void)Clone.release();
    return llvm::createStringError("LLVM crashed while generating code for '" +
                                   M.getModuleIdentifier() + "'");
  }
  return std::move(Object);
}

llvm::Error adoptHostTargetIfUnset(llvm::Module &M) {
  if (!M.getTargetTriple().empty())
    return llvm::Error::success();
  auto Machine = targetMachineFor(M);
  if (!Machine)
    return Machine.takeError();
  M.setTargetTriple(llvm::sys::getDefaultTargetTriple());
  if (M.getDataLayoutStr().empty())
    M.setDataLayout((*Machine)->createDataLayout());
  return llvm::Error::success();
}

} // namespace passgym
