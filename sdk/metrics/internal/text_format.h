// Pieces of the Prometheus text format 0.0.4, written as client_golang's expfmt writes
// them. Private to kube::metrics; declared here so tests can check them directly.
//
// Thread-safety: pure functions; thread-safe.
#ifndef KUBECPP_METRICS_INTERNAL_TEXT_FORMAT_H_
#define KUBECPP_METRICS_INTERNAL_TEXT_FORMAT_H_

#include <string>
#include <string_view>

namespace kube::metrics::internal {

// A sample value or bucket bound as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it:
// the shortest digits that read back as `v`, in %e form when the decimal exponent is
// below -4 or at least 6 ("1e-08", "1.5e+06"), in %f form otherwise ("0.005", "123456");
// and "+Inf", "-Inf", "NaN" (-0 prints as "0").
std::string FormatFloat(double value);
void AppendFloat(std::string& out, double value);

// Appends `value` for use inside a quoted label value: \ " and newline escaped.
void AppendEscapedLabelValue(std::string& out, std::string_view value);
// Appends `help` for a # HELP line: \ and newline escaped.
void AppendEscapedHelp(std::string& out, std::string_view help);

// Name checks: metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace kube::metrics::internal

#endif  // KUBECPP_METRICS_INTERNAL_TEXT_FORMAT_H_
