// kubecpp-controller-manager: Kubernetes' built-in controllers on kubecpp.
//
//   kubecpp-controller-manager --kubeconfig ~/.kube/config --controllers='*'
//   kubecpp-controller-manager --embedded-apiserver --apply examples/sample-app/app.yaml
//
// See --help and controllers/README.md.
#include <iostream>

#include "controllers/controller_manager/controller_manager.h"
#include "kubecpp/manager/manager.h"

int main(int argc, char** argv) {
  auto stop = kube::manager::SetupSignalHandler();  // before any thread starts
  auto flags = kube::controllers::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags) {
    std::cerr << "kubecpp-controller-manager: " << flags.error().message() << "\n"
              << "Run 'kubecpp-controller-manager --help' for usage.\n";
    return 2;
  }
  if (flags->help) {
    std::cout << kube::controllers::Usage();
    return 0;
  }
  auto status = kube::controllers::RunControllerManager(*flags, stop, std::cout);
  if (!status.ok()) {
    std::cerr << "kubecpp-controller-manager: " << status << "\n";
    return 1;
  }
  return 0;
}
