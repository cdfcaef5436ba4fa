#include "kubecpp/metrics/leader_election_metrics.h"

namespace kube::metrics {

void SetLeaderStatus(Registry& registry, std::string_view name, bool leading) {
  auto gauge = registry.NewGaugeVec(
      "leader_election_master_status",
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
      "backup, 1 indicates master. 'name' is the string used to identify the lease. "
      "Please make sure to group by name.",
      {"name"});
  if (gauge) (*gauge)->WithLabelValues(name).Set(leading ? 1.0 : 0.0);
}

}  // namespace kube::metrics
