#include "kubecpp/transport/transport.h"
#include "kubecpp/core/internal/strings.h"

#include <algorithm>
#include <cstddef>

namespace kube::transport {
namespace {

using kube::internal::EqualsIgnoreCase;

}  // namespace

std::string_view FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

}  // namespace kube::transport
