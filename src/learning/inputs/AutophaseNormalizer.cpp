//===- learning/AutophaseNormalizer.cpp - Standardized Autophase ----------===//
#include "learning/inputs/AutophaseNormalizer.h"
#include "support/Files.h"

#include "support/TempDir.h"

#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace passgym::learning {

using Json = nlohmann::json;

namespace {
constexpr const char *FormatName = "passgym-autophase-normalizer";
} // namespace

AutophaseNormalizer::AutophaseNormalizer(size_t Width)
    : Mean(Width, 0.0), Std(Width, 1.0) {}

double AutophaseNormalizer::transform(int64_t X) const {
  double V = static_cast<double>(X);
  // Autophase counts are never negative; clamping keeps log1p defined anyway.
  return Log1p ? std::log1p(std::max(V, 0.0)) : V;
}

llvm::Expected<AutophaseNormalizer>
AutophaseNormalizer::fit(llvm::ArrayRef<std::vector<int64_t>> Vectors,
                         const AutophaseNormalizerOptions &Options) {
  if (Vectors.empty())
    return llvm::createStringError("cannot fit a normalizer on no vectors");
  size_t Width = Vectors.front().size();
  AutophaseNormalizer N(Width);
  N.Log1p = Options.Log1p;
  for (const auto &V : Vectors)
    if (V.size() != Width)
      return llvm::createStringError(
          "feature vectors differ in length: " + std::to_string(Width) +
          " and " + std::to_string(V.size()));

  double Count = static_cast<double>(Vectors.size());
  for (size_t I = 0; I < Width; ++I) {
    double Sum = 0;
    for (const auto &V : Vectors)
      Sum += N.transform(V[I]);
    double Mean = Sum / Count;
    double Squares = 0;
    for (const auto &V : Vectors)
      Squares += (N.transform(V[I]) - Mean) * (N.transform(V[I]) - Mean);
    // The population deviation: the statistics describe the training set,
    // they do not estimate anything.
    double Std = std::sqrt(Squares / Count);
    N.Mean[I] = Mean;
    N.Std[I] = Std < MinStd ? 1.0 : Std;
  }
  return N;
}

std::vector<float>
AutophaseNormalizer::normalize(llvm::ArrayRef<int64_t> Features) const {
  assert(Features.size() == width() && "feature vector of the wrong width");
  std::vector<float> Result(width());
  for (size_t I = 0; I < width(); ++I)
    Result[I] = static_cast<float>((transform(Features[I]) - Mean[I]) / Std[I]);
  return Result;
}

std::string AutophaseNormalizer::toJson() const {
  Json J;
  J["format"] = FormatName;
  J["version"] = FormatVersion;
  J["log1p"] = Log1p;
  J["mean"] = Mean;
  J["std"] = Std;
  return J.dump(1) + "\n";
}

llvm::Expected<AutophaseNormalizer>
AutophaseNormalizer::fromJson(llvm::StringRef Text) {
  Json J = Json::parse(Text.begin(), Text.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (J.is_discarded())
    return llvm::createStringError("normalizer is not valid JSON");
  if (!J.is_object() || !J.contains("format") || J["format"] != FormatName)
    return llvm::createStringError("not a passgym Autophase normalizer");
  if (!J.contains("version") || J["version"] != FormatVersion)
    return llvm::createStringError("normalizer format version is not " +
                                   std::to_string(FormatVersion));
  auto IsNumbers = [&](const char *Key) {
    if (!J.contains(Key) || !J[Key].is_array())
      return false;
    for (const Json &X : J[Key])
      if (!X.is_number())
        return false;
    return true;
  };
  if (!J.contains("log1p") || !J["log1p"].is_boolean() || !IsNumbers("mean") ||
      !IsNumbers("std") || J["mean"].size() != J["std"].size())
    return llvm::createStringError(
        "normalizer needs a boolean \"log1p\" and number arrays \"mean\" and "
        "\"std\" of equal length");
  AutophaseNormalizer N(0);
  N.Log1p = J["log1p"].get<bool>();
  N.Mean = J["mean"].get<std::vector<double>>();
  N.Std = J["std"].get<std::vector<double>>();
  for (double S : N.Std)
    if (!(S > 0))
      return llvm::createStringError("normalizer std must be positive");
  return N;
}

llvm::Error AutophaseNormalizer::save(llvm::StringRef Path) const {
  return writeFileAtomically(Path, toJson());
}

llvm::Expected<AutophaseNormalizer>
AutophaseNormalizer::load(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read normalizer '" + Path +
                                       "': " + Buffer.getError().message());
  auto N = fromJson((*Buffer)->getBuffer());
  if (!N)
    return llvm::createStringError("normalizer '" + Path +
                                   "': " + llvm::toString(N.takeError()));
  return N;
}

} // namespace passgym::learning
