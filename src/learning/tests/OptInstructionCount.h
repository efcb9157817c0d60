//===- learning/tests/OptInstructionCount.h - opt-19 as the truth -*- C++
//-*-===//
//
// What the real `opt-19 -passes=PIPELINE` makes of a program, counted: the
// tests compare the pipelines eval and propose report with it.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_TESTS_OPTINSTRUCTIONCOUNT_H
#define PASSGYM_LEARNING_TESTS_OPTINSTRUCTIONCOUNT_H

#include "support/Subprocess.h"
#include "support/tests/TestHelpers.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace passgym::learning {

/// Instructions of \p Program after opt-19 -passes=\p Pipeline.
inline int64_t optInstructionCount(const std::string &Program,
                                   const std::string &Pipeline) {
  SubprocessOptions Opt;
  Opt.Argv = {"/usr/bin/opt-19", "-S", Program, "-o", "-"};
  if (!Pipeline.empty())
    Opt.Argv.insert(Opt.Argv.begin() + 1, "-passes=" + Pipeline);
  SubprocessResult R = testing::take(runSubprocess(Opt));
  EXPECT_EQ(R.ExitCode, 0) << R.StandardError;
  llvm::LLVMContext Context;
  llvm::SMDiagnostic Diagnostic;
  auto M = llvm::parseAssemblyString(R.StandardOutput, Diagnostic, Context);
  EXPECT_TRUE(M) << Diagnostic.getMessage().str();
  return M ? static_cast<int64_t>(M->getInstructionCount()) : -1;
}

} // namespace passgym::learning

#endif // PASSGYM_LEARNING_TESTS_OPTINSTRUCTIONCOUNT_H
