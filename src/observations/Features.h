//===- observations/Features.h - Feature vectors of a module --------------===//
//
// Fixed-length integer feature vectors computed by walking a module once:
// InstCount (per-opcode counts) and Autophase (the 56 features of Haj-Ali et
// al., MLSys 2020, in CompilerGym's order and with its definitions).
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_OBSERVATIONS_FEATURES_H
#define PASSGYM_OBSERVATIONS_FEATURES_H

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace passgym {

inline constexpr size_t kAutophaseFeatureCount = 56;

/// CompilerGym's names of the Autophase features, index by index.
const std::vector<std::string> &autophaseFeatureNames();
std::vector<int64_t> computeAutophase(const llvm::Module &M);

/// "TotalInsts", "TotalBlocks", "TotalFuncs", then one "<Opcode>Count" per
/// LLVM 19 opcode in opcode order.
const std::vector<std::string> &instCountFeatureNames();
std::vector<int64_t> computeInstCount(const llvm::Module &M);

} // namespace passgym

#endif
