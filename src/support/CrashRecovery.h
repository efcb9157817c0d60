//===- support/CrashRecovery.h - Surviving a crash inside LLVM ------------===//
#ifndef PASSGYM_SUPPORT_CRASHRECOVERY_H
#define PASSGYM_SUPPORT_CRASHRECOVERY_H

#include "llvm/ADT/STLFunctionalExtras.h"

namespace passgym {

/// Runs \p Work; returns false if it crashed (a signal, or an LLVM fatal
/// error) instead of taking the process down. What \p Work was changing is
/// then in an unknown state and must be discarded, not destroyed.
bool runWithCrashRecovery(llvm::function_ref<void()> Work);

} // namespace passgym

#endif
