//===- learning/inputs/AutophaseNormalizer.h - Standardized Autophase --*- C++
//-*-===//
//
// Autophase features are counts spanning several orders of magnitude (a few
// functions, thousands of instructions), which a network cannot consume raw.
// The normalizer standardizes each feature with the mean and standard
// deviation of the training set; it is saved with the model because the same
// statistics must be used at inference.
//
//===----------------------------------------------------------------------===//
#ifndef PASSGYM_LEARNING_INPUTS_AUTOPHASENORMALIZER_H
#define PASSGYM_LEARNING_INPUTS_AUTOPHASENORMALIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace passgym::learning {

struct AutophaseNormalizerOptions {
  /// Apply log(1 + x) to every feature before standardizing (default on):
  /// counts are heavy-tailed, and without it one large program dominates the
  /// statistics and squashes every other program towards the mean.
  bool Log1p = true;
};

class AutophaseNormalizer {
public:
  static constexpr int FormatVersion = 1;
  /// Below this standard deviation a feature is treated as constant and only
  /// centered, rather than divided by (almost) zero.
  static constexpr double MinStd = 1e-6;

  /// The identity on \p Width features (mean 0, std 1, no log).
  explicit AutophaseNormalizer(size_t Width = 56);

  /// Statistics of \p Vectors, which must be non-empty and of equal length.
  static llvm::Expected<AutophaseNormalizer>
  fit(llvm::ArrayRef<std::vector<int64_t>> Vectors,
      const AutophaseNormalizerOptions &Options = {});

  /// (f(x) - mean) / std per feature, f being log1p or the identity.
  /// \p Features must have width() entries.
  std::vector<float> normalize(llvm::ArrayRef<int64_t> Features) const;

  size_t width() const { return Mean.size(); }
  bool usesLog1p() const { return Log1p; }
  const std::vector<double> &mean() const { return Mean; }
  const std::vector<double> &stddev() const { return Std; }

  std::string toJson() const;
  static llvm::Expected<AutophaseNormalizer> fromJson(llvm::StringRef Json);
  llvm::Error save(llvm::StringRef Path) const;
  static llvm::Expected<AutophaseNormalizer> load(llvm::StringRef Path);

private:
  bool Log1p = false;
  std::vector<double> Mean;
  std::vector<double> Std;

  double transform(int64_t X) const;
};

} // namespace passgym::learning

#endif
