// Name validation: the Kubernetes rules for object names, label keys and label values.
//
// Each Is* function checks one format and returns the reasons the value breaks it,
// worded as the apiserver words them ("must be no more than 63 characters", "a
// lowercase RFC 1123 label must consist of ..."); an empty vector means the value is
// valid. The apiserver answers 422 Invalid when a name or label fails these checks,
// so a controller can check before it writes. `ValidateLabels` wraps the label rules
// into a Status shaped like the apiserver's field error. Label selectors (labels.h)
// use the same rules for their keys and values.
//
// Thread-safety: stateless free functions; thread-safe.
#ifndef KUBECPP_CORE_VALIDATION_H_
#define KUBECPP_CORE_VALIDATION_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubecpp/core/status.h"

namespace kube {

// Longest DNS-1123 / DNS-1035 label (Namespace and Service names, label key names).
inline constexpr std::size_t kDns1123LabelMaxLength = 63;
inline constexpr std::size_t kDns1035LabelMaxLength = 63;
// Longest DNS-1123 subdomain (most object names, label key prefixes).
inline constexpr std::size_t kDns1123SubdomainMaxLength = 253;
// Longest name part of a qualified name (label or annotation key after the '/').
inline constexpr std::size_t kQualifiedNameMaxLength = 63;
// Longest label value.
inline constexpr std::size_t kLabelValueMaxLength = 63;

// RFC 1123 subdomain, the rule for most object names: at most 253 characters of
// lowercase alphanumerics, '-' and '.', starting and ending with an alphanumeric
// ("example.com", "my-app.v1"). Dots separate non-empty labels.
std::vector<std::string> IsDns1123Subdomain(std::string_view value);

// RFC 1123 label, the rule for Namespace names: at most 63 characters of lowercase
// alphanumerics and '-', starting and ending with an alphanumeric ("my-name",
// "123-abc"). A valid subdomain that has dots gets "must not contain dots".
std::vector<std::string> IsDns1123Label(std::string_view value);

// RFC 1035 label, the rule for Service names: like a DNS-1123 label but it must
// start with a letter ("my-name", "abc-123").
std::vector<std::string> IsDns1035Label(std::string_view value);

// Qualified name, the rule for label and annotation keys: an optional prefix (a DNS
// subdomain) and '/', then a name of at most 63 characters of [A-Za-z0-9-_.] that
// starts and ends with an alphanumeric ("app", "app.kubernetes.io/name"). Messages
// about the parts start with "prefix part " or "name part ".
std::vector<std::string> IsQualifiedName(std::string_view value);

// Label value: empty, or at most 63 characters of [A-Za-z0-9-_.] starting and ending
// with an alphanumeric.
std::vector<std::string> IsValidLabelValue(std::string_view value);

// Checks every key (IsQualifiedName) and value (IsValidLabelValue) of a label map,
// as the apiserver does for metadata.labels.
// Returns OK, or InvalidError whose message has one entry per problem in the
// apiserver's form, e.g.
//   metadata.labels: Invalid value: "Bad Key": name part must consist of ...
// (several entries are joined as "[e1, e2]"), and whose details().causes hold one
// FieldValueInvalid cause per entry with `field` = field_path.
[[nodiscard]] Status ValidateLabels(const std::map<std::string, std::string>& labels,
                                    std::string_view field_path);

namespace internal {
// `s` in double quotes with Go's %q escaping of '"', backslash and control characters,
// for messages that must read like the apiserver's. Bytes >= 0x80 are kept as they
// are.
std::string Quote(std::string_view s);
}  // namespace internal

}  // namespace kube

#endif  // KUBECPP_CORE_VALIDATION_H_
