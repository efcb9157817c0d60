#include "support/CrashRecovery.h"

#include "llvm/Support/CrashRecoveryContext.h"

#include <mutex>

namespace passgym {

bool runWithCrashRecovery(llvm::function_ref<void()> Work) {
  static std::once_flag Once;
  std::call_once(Once, [] { llvm::CrashRecoveryContext::Enable(); });
  llvm::CrashRecoveryContext Recovery;
  return Recovery.RunSafely(Work);
}

} // namespace passgym
