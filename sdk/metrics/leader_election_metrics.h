// The leader-election status series of client-go / controller-runtime
// (pkg/metrics/leaderelection.go):
//
//   leader_election_master_status{name}   gauge: 1 while this process holds the lease
//                                         `name`, 0 otherwise
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_METRICS_LEADER_ELECTION_METRICS_H_
#define KUBECPP_METRICS_LEADER_ELECTION_METRICS_H_

#include <string_view>

#include "kubecpp/metrics/registry.h"

namespace kube::metrics {

// Sets leader_election_master_status{name=`name`} to 1 (`leading`) or 0, registering
// the family in `registry` on first use. Call it when leadership is acquired and when
// it is lost or released. Does nothing if the name is taken with another shape.
void SetLeaderStatus(Registry& registry, std::string_view name, bool leading);

}  // namespace kube::metrics

#endif  // KUBECPP_METRICS_LEADER_ELECTION_METRICS_H_
