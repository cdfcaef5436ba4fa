// Time, MicroTime and Duration: the Kubernetes wire forms of points in time and spans.
//
// `Time` is metav1.Time: RFC 3339 in UTC with second precision ("2024-05-01T10:00:00Z").
// `MicroTime` is metav1.MicroTime: microsecond precision
// ("2024-05-01T10:00:00.123456Z"), used by Leases and events.k8s.io Events.
// `Duration` is metav1.Duration / Go's time.Duration text form ("1h30m", "300ms").
// Parsing accepts any RFC 3339 offset and fraction and converts to UTC; formatting
// always writes the canonical UTC form, so canonical text round-trips exactly.
//
// Thread-safety: value types; thread-compatible.
#ifndef KUBECPP_CORE_TIME_H_
#define KUBECPP_CORE_TIME_H_

#include <chrono>
#include <compare>
#include <ostream>
#include <string>
#include <string_view>

#include "kubecpp/core/result.h"

namespace kube {

// A point in time with second precision. The zero value (epoch) means "unset" and
// is written as JSON null, as Kubernetes does.
class Time {
 public:
  using Clock = std::chrono::system_clock;
  using TimePoint = std::chrono::sys_seconds;

  Time() = default;
  // Truncates to whole seconds (toward the past).
  explicit Time(Clock::time_point tp);

  static Time Now();
  // Parses RFC 3339 ("2024-05-01T10:00:00Z", "2024-05-01T12:00:00.5+02:00").
  // Fractions are truncated. Errors name the input.
  static Result<Time> Parse(std::string_view text);

  bool IsZero() const { return tp_.time_since_epoch().count() == 0; }
  TimePoint time_point() const { return tp_; }
  // "2024-05-01T10:00:00Z".
  std::string ToString() const;

  friend auto operator<=>(const Time&, const Time&) = default;
  friend bool operator==(const Time&, const Time&) = default;

 private:
  TimePoint tp_{};
};

// A point in time with microsecond precision; zero means unset.
class MicroTime {
 public:
  using Clock = std::chrono::system_clock;
  using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

  MicroTime() = default;
  // Truncates to whole microseconds.
  explicit MicroTime(Clock::time_point tp);

  static MicroTime Now();
  // Parses RFC 3339 with up to 9 fraction digits (truncated to microseconds).
  static Result<MicroTime> Parse(std::string_view text);

  bool IsZero() const { return tp_.time_since_epoch().count() == 0; }
  TimePoint time_point() const { return tp_; }
  // "2024-05-01T10:00:00.123456Z" (always six fraction digits).
  std::string ToString() const;

  friend auto operator<=>(const MicroTime&, const MicroTime&) = default;
  friend bool operator==(const MicroTime&, const MicroTime&) = default;

 private:
  TimePoint tp_{};
};

// Parses Go's duration syntax: an optional sign, then one or more decimal numbers
// with a unit each ("1h30m", "1.5h", "-300ms", "2h45m30.5s"); units ns, us, µs, ms,
// s, m, h. "0" alone is allowed. Errors name the offending part.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);
// Go's time.Duration.String(): "1h30m0s", "300ms", "1.5s", "0s".
std::string FormatDuration(std::chrono::nanoseconds d);

std::ostream& operator<<(std::ostream& os, const Time& t);
std::ostream& operator<<(std::ostream& os, const MicroTime& t);

}  // namespace kube

#endif  // KUBECPP_CORE_TIME_H_
