//===- learning/support/Messages.h - One-line error messages ----*- C++ -*-===//
#ifndef PASSGYM_LEARNING_SUPPORT_MESSAGES_H
#define PASSGYM_LEARNING_SUPPORT_MESSAGES_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace passgym::learning {

/// The first line of an exception's message: torch's c10::Error appends a
/// C++ backtrace, and our errors are one line.
inline std::string firstLine(llvm::StringRef Message) {
  return Message.split('\n').first.trim().str();
}

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_SUPPORT_MESSAGES_H
