#include "kubecpp/controller/reconciler.h"

#include <algorithm>
#include <utility>

#include "kubecpp/controller/handler.h"
#include "kubecpp/controller/object.h"

namespace kube::controller {
namespace {

// The cause that marks a terminal error; never sent to an apiserver.
constexpr std::string_view kTerminalCause = "kubecpp.io/TerminalError";

class FuncReconciler final : public Reconciler {
 public:
  explicit FuncReconciler(ReconcileFunc fn) : fn_(std::move(fn)) {}
  Result<Action> Reconcile(const Request& request) override { return fn_(request); }

 private:
  ReconcileFunc fn_;
};

}  // namespace

Status TerminalError(Status cause) {
  if (cause.ok()) cause = Status(Code::kInternal, "terminal error");
  if (IsTerminalError(cause)) return cause;
  StatusDetails details = cause.details();
  details.causes.push_back(StatusCause{std::string(kTerminalCause), "terminal error", ""});
  cause.set_details(std::move(details));
  return cause;
}

bool IsTerminalError(const Status& status) {
  const auto& causes = status.details().causes;
  return std::any_of(causes.begin(), causes.end(),
                     [](const StatusCause& c) { return c.reason == kTerminalCause; });
}

std::shared_ptr<Reconciler> ReconcilerFunc(ReconcileFunc fn) {
  return std::make_shared<FuncReconciler>(std::move(fn));
}

ObjectMeta MetaOf(const Unstructured& object) {
  auto meta = object.metadata();
  return meta ? std::move(*meta) : ObjectMeta{};
}

bool OwnerRefMatches(const OwnerReference& ref, const GroupKind& owner) {
  if (ref.kind != owner.kind) return false;
  auto gv = GroupVersion::Parse(ref.api_version);
  return gv && gv->group == owner.group;
}

}  // namespace kube::controller
