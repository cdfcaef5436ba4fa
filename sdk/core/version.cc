#include "kubecpp/core/version.h"

#include "kubecpp/core/version_config.h"

namespace kube {
namespace {

constexpr std::string_view kOs =
#if defined(__linux__)
    "linux";
#elif defined(__APPLE__)
    "darwin";
#else
    "unknown";
#endif

constexpr std::string_view kArch =
#if defined(__x86_64__)
    "amd64";
#elif defined(__aarch64__)
    "arm64";
#else
    "unknown";
#endif

}  // namespace

std::string_view Version() { return KUBECPP_VERSION_STRING; }

std::string DefaultUserAgent(std::string_view program) {
  if (auto slash = program.rfind('/'); slash != std::string_view::npos) {
    program.remove_prefix(slash + 1);
  }
  if (program.empty()) program = "kubecpp";
  std::string v = "v" + std::string(Version());
  return std::string(program) + "/" + v + " (" + std::string(kOs) + "/" + std::string(kArch) +
         ") kubecpp/" + v;
}

}  // namespace kube
