// The kubecpp version, and the User-Agent that clients send by default.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CORE_VERSION_H_
#define KUBECPP_CORE_VERSION_H_

#include <string>
#include <string_view>

namespace kube {

// The project version, e.g. "0.1.0".
std::string_view Version();

// client-go's User-Agent shape with kubecpp in place of the Kubernetes version:
// "<program>/v0.1.0 (linux/amd64) kubecpp/v0.1.0". The apiserver uses the part before
// the first '/' as the default field manager, so `program` should name the binary
// (path prefixes are stripped: "/usr/bin/my-operator" -> "my-operator").
std::string DefaultUserAgent(std::string_view program);

}  // namespace kube

#endif  // KUBECPP_CORE_VERSION_H_
