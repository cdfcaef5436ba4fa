// Standard base64 (RFC 4648 section 4) for kubeconfig *-data fields, Basic auth,
// kubeconfigs written by the fake apiserver and its continue tokens.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CORE_INTERNAL_BASE64_H_
#define KUBECPP_CORE_INTERNAL_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace kube::internal {

// Padded encoding.
std::string Base64Encode(std::string_view in);

// Decodes as Go's encoding/json decodes []byte: line breaks and spaces are ignored,
// padding is optional. nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace kube::internal

#endif  // KUBECPP_CORE_INTERNAL_BASE64_H_
