//===- support/Statistics.h - Summaries of repeated measurements ----------===//
#ifndef PASSGYM_SUPPORT_STATISTICS_H
#define PASSGYM_SUPPORT_STATISTICS_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

namespace passgym {

/// The median of \p Values (the mean of the middle two for an even count);
/// 0 for none.
inline double median(std::vector<double> Values) {
  if (Values.empty())
    return 0;
  size_t Middle = Values.size() / 2;
  std::nth_element(Values.begin(), Values.begin() + Middle, Values.end());
  double Upper = Values[Middle];
  if (Values.size() % 2)
    return Upper;
  double Lower = *std::max_element(Values.begin(), Values.begin() + Middle);
  return (Lower + Upper) / 2;
}

/// The arithmetic mean of \p Values; NaN for none (a mean of nothing is not
/// zero: a training run with no finished episode has no mean return).
inline double meanOrNaN(const std::vector<double> &Values) {
  if (Values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  double Sum = 0;
  for (double V : Values)
    Sum += V;
  return Sum / static_cast<double>(Values.size());
}

/// The geometric mean of \p Values, which must be positive; NaN for none.
inline double geometricMean(const std::vector<double> &Values) {
  if (Values.empty())
    return std::numeric_limits<double>::quiet_NaN();
  double LogSum = 0;
  for (double V : Values)
    LogSum += std::log(V);
  return std::exp(LogSum / static_cast<double>(Values.size()));
}

/// Wall time of \p Work in milliseconds, on a monotonic clock.
template <typename F> double millisecondsOf(F &&Work) {
  auto Start = std::chrono::steady_clock::now();
  Work();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - Start)
      .count();
}

} // namespace passgym

#endif
