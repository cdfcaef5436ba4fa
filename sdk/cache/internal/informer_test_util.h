// Shared fixture of the reflector and informer tests: a fake apiserver, a FakeClock
// for backoff and resync, ConfigMap helpers and an event recorder.
#ifndef KUBECPP_CACHE_INTERNAL_INFORMER_TEST_UTIL_H_
#define KUBECPP_CACHE_INTERNAL_INFORMER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kubecpp/cache/informer.h"
#include "kubecpp/client/client.h"
#include "kubecpp/client/dynamic.h"
#include "kubecpp/testing/fake_apiserver.h"
#include "kubecpp/testing/fake_clock.h"

namespace kube::cache::testutil {

inline const client::ResourceRef kConfigMaps{{"", "v1", "configmaps"}, "ConfigMap", true};
inline const client::ResourceRef kSecrets{{"", "v1", "secrets"}, "Secret", true};

// Records handler calls as "add <ns>/<name>", "update <name> <old rv>-><new rv>",
// "delete <name>" ("delete? <name>" when the final state is unknown).
class Recorder {
 public:
  ResourceEventHandlerFuncs<Unstructured> Funcs() {
    return {
        .on_add = [this](const std::shared_ptr<const Unstructured>& o,
                         bool initial) { Record((initial ? "add* " : "add ") + o->name()); },
        .on_update =
            [this](const std::shared_ptr<const Unstructured>& old_obj,
                   const std::shared_ptr<const Unstructured>& new_obj) {
              Record("update " + new_obj->name() + (old_obj == new_obj ? " (resync)" : ""));
            },
        .on_delete =
            [this](const DeletedObject<Unstructured>& d) {
              Record((d.final_state_unknown ? "delete? " : "delete ") + d.object->name() + " " +
                     d.object->GetString({"data", "v"}));
            },
    };
  }
  void Record(std::string e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

class InformerTestBase : public ::testing::Test {
 protected:
  explicit InformerTestBase(testing::FakeApiServerOptions options = {})
      : server_(std::make_unique<testing::FakeApiServer>(std::move(options))),
        client_(server_->NewClient()),
        cms_(client_.get(), kConfigMaps, "default") {}

  InformerOptions Options() {
    InformerOptions o;
    o.clock = &clock_;
    o.reflector.backoff.jitter = 0;
    return o;
  }

  Unstructured ConfigMap(const std::string& name, const std::string& v,
                         const std::string& ns = "default",
                         std::map<std::string, std::string> labels = {}) {
    Unstructured u;
    u.set_api_version("v1");
    u.set_kind("ConfigMap");
    u.set_name(name);
    u.set_namespace(ns);
    if (!labels.empty()) u.set_labels(labels);
    u.Set({"data", "v"}, Json(v));
    return u;
  }
  void Create(const std::string& name, const std::string& v, const std::string& ns = "default",
              std::map<std::string, std::string> labels = {}) {
    client::DynamicApi api(client_.get(), kConfigMaps, ns);
    auto r = api.Create(ConfigMap(name, v, ns, std::move(labels)),
                        client::WriteOptions{.field_manager = "test"});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void Update(const std::string& name, const std::string& v) {
    auto cm = cms_.Get(name);
    ASSERT_TRUE(cm.ok()) << cm.status();
    cm->Set({"data", "v"}, Json(v));
    auto r = cms_.Update(*cm);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void Delete(const std::string& name) { ASSERT_TRUE(cms_.Delete(name).ok()); }

  // Polls `pred` (real time, up to 10 s); with `step`, moves the fake clock 1 s per
  // poll so backoff sleeps end.
  bool Eventually(const std::function<bool()>& pred, bool step = false) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      if (step) clock_.Step(std::chrono::seconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return pred();
  }

  // Starts `informer` and waits for its sync.
  template <typename T>
  void StartAndSync(Informer<T>& informer) {
    informer.Start(stop_.get_token());
    ASSERT_TRUE(Eventually([&] { return informer.HasSynced(); }, true)) << informer.LastError();
  }

  testing::FakeClock clock_;
  std::unique_ptr<testing::FakeApiServer> server_;
  std::unique_ptr<client::Client> client_;
  client::DynamicApi cms_;
  std::stop_source stop_;
};

}  // namespace kube::cache::testutil

#endif  // KUBECPP_CACHE_INTERNAL_INFORMER_TEST_UTIL_H_
