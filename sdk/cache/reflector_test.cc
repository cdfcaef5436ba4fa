#include "kubecpp/cache/reflector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>

#include "kubecpp/cache/informer.h"
#include "kubecpp/cache/internal/informer_test_util.h"

namespace kube::cache {
namespace {

using ::testing::HasSubstr;
using testutil::kConfigMaps;
using testutil::Recorder;

TEST(Backoff, DoublesFromPointEightSecondsToThirtySeconds) {
  testing::FakeClock clock;
  Backoff backoff({.jitter = 0}, clock);
  std::vector<int64_t> ms;
  for (int i = 0; i < 8; ++i) {
    ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(backoff.Next()).count());
  }
  EXPECT_EQ(ms, (std::vector<int64_t>{800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}));
}

TEST(Backoff, ResetsAfterTwoQuietMinutes) {
  testing::FakeClock clock;
  Backoff backoff({.jitter = 0}, clock);
  (void)backoff.Next();
  (void)backoff.Next();
  clock.Step(std::chrono::seconds(119));
  EXPECT_EQ(backoff.Next(), std::chrono::milliseconds(3200));
  clock.Step(std::chrono::seconds(121));
  EXPECT_EQ(backoff.Next(), std::chrono::milliseconds(800));
}

TEST(Backoff, JitterAddsUpToOneDelay) {
  testing::FakeClock clock;
  Backoff backoff({}, clock, 42);
  for (int i = 0; i < 20; ++i) {
    Clock::Duration base = std::min<Clock::Duration>(
        std::chrono::milliseconds(800) * (1 << std::min(i, 6)), std::chrono::seconds(30));
    Clock::Duration d = backoff.Next();
    EXPECT_GE(d, base);
    EXPECT_LT(d, 2 * base);
  }
}

class ReflectorTest : public testutil::InformerTestBase {
 protected:
  ReflectorTest() : InformerTestBase(ServerOptions()) {}
  static testing::FakeApiServerOptions ServerOptions() {
    testing::FakeApiServerOptions o;
    o.bookmark_interval = std::chrono::milliseconds(50);
    return o;
  }
};

TEST_F(ReflectorTest, ListsThenWatchesWithOneList) {
  Create("a", "1");
  Create("b", "1");
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  informer->AddEventHandler(rec.Funcs());
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().size(), 2u);
  Update("a", "2");
  Create("c", "1");
  Delete("b");
  ASSERT_TRUE(Eventually([&] { return rec.size() == 5; }))
      << ::testing::PrintToString(rec.events());
  EXPECT_EQ(rec.events(),
            (std::vector<std::string>{"add* a", "add* b", "update a", "add c", "delete b 1"}));
  EXPECT_EQ(informer->GetIndexer().Get("default/a")->GetString({"data", "v"}), "2");
  EXPECT_EQ(informer->GetIndexer().Get("default/b"), nullptr);
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 1);
  EXPECT_TRUE(informer->LastError().ok());
}

TEST_F(ReflectorTest, ResumesAfterClosedWatchWithoutRelisting) {
  Create("a", "1");
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  StartAndSync(*informer);
  for (int i = 0; i < 3; ++i) {
    server_->CloseWatches("configmaps");
    Create("after-close-" + std::to_string(i), "1");
    ASSERT_TRUE(Eventually(
        [&] {
          return informer->GetIndexer().Get("default/after-close-" + std::to_string(i)) != nullptr;
        },
        true));
  }
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 1);
  EXPECT_EQ(informer->core()->list_count(), 1);
}

// Keeps the reflector from watching (every re-watch fails with 503) until the test
// calls ClearFaults, so that changes made meanwhile are missed by the watch. Waits
// until at least one re-watch has failed.
void PauseReflector(testing::FakeApiServer& server,
                    const std::function<bool(const std::function<bool()>&, bool)>& eventually) {
  // The watch after the initial list must be in place, or closing watches misses it.
  ASSERT_TRUE(eventually([&] { return server.OpenWatches("configmaps") == 1; }, false));
  const int64_t watches = server.RequestCount("watch", "configmaps");
  server.InjectFault(
      {.verb = "watch", .resource = "configmaps", .http_code = 503, .times = 1 << 30});
  server.CloseWatches("configmaps");
  // Steps the clock: the closed watch may first wait out the short-watch backoff.
  ASSERT_TRUE(
      eventually([&] { return server.RequestCount("watch", "configmaps") > watches; }, true));
}

TEST_F(ReflectorTest, RelistsAfterGoneAndDeliversTheDifference) {
  Create("a", "1");
  Create("b", "1");
  Create("c", "1");
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  informer->AddEventHandler(rec.Funcs());
  StartAndSync(*informer);
  ASSERT_TRUE(Eventually([&] { return rec.size() == 3; }));
  rec.Clear();
  auto held_b = informer->GetIndexer().Get("default/b");

  PauseReflector(*server_,
                 [this](const std::function<bool()>& p, bool s) { return Eventually(p, s); });
  // The clock stands still now, so the reflector stays in its backoff.
  EXPECT_TRUE(Eventually([&] { return informer->LastError().code() == Code::kUnavailable; }))
      << informer->LastError();
  Update("a", "1");  // no-op update: no event, same resourceVersion
  Update("c", "2");
  Delete("b");
  Create("d", "1");
  server_->CompactHistory();
  server_->ClearFaults();
  ASSERT_TRUE(Eventually([&] { return informer->core()->list_count() == 2; }, true));
  ASSERT_TRUE(Eventually([&] { return rec.size() == 3; }))
      << ::testing::PrintToString(rec.events());
  // Changes found by the relist: c updated, d added, b deleted with its last cached
  // state (final state unknown); a unchanged gives nothing.
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"update c", "add d", "delete? b 1"}));
  EXPECT_EQ(informer->GetIndexer().size(), 3u);
  EXPECT_EQ(informer->GetIndexer().Get("default/b"), nullptr);
  EXPECT_EQ(held_b->name(), "b");  // snapshots held by readers stay valid
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 2);
  // Watching goes on after the relist.
  Create("e", "1");
  ASSERT_TRUE(Eventually([&] { return informer->GetIndexer().Get("default/e") != nullptr; }));
}

TEST_F(ReflectorTest, BookmarksMoveTheResumePointSoACompactionNeedsNoRelist) {
  Create("a", "1");
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  StartAndSync(*informer);
  // Writes to another resource advance the global resourceVersion; only bookmarks
  // tell the configmaps watch about it.
  client::DynamicApi secrets(client_.get(), testutil::kSecrets, "default");
  for (int i = 0; i < 3; ++i) {
    Unstructured s;
    s.set_api_version("v1");
    s.set_kind("Secret");
    s.set_name("s" + std::to_string(i));
    ASSERT_TRUE(secrets.Create(s).ok());
  }
  std::string target = std::to_string(server_->resource_version());
  ASSERT_TRUE(Eventually([&] { return informer->LastSyncResourceVersion() == target; }))
      << informer->LastSyncResourceVersion() << " vs " << target;
  server_->CompactHistory();
  server_->CloseWatches("configmaps");
  Create("b", "1");
  ASSERT_TRUE(Eventually([&] { return informer->GetIndexer().Get("default/b") != nullptr; }, true));
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 1);
}

TEST_F(ReflectorTest, ForbiddenListIsSurfacedNamingTheResourceAndRetried) {
  Create("a", "1");
  server_->InjectFault({.verb = "list", .resource = "configmaps", .http_code = 403, .times = 3});
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, Options());
  informer->Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return !informer->LastError().ok(); }));
  Status last = informer->LastError();
  EXPECT_EQ(last.code(), Code::kForbidden);
  EXPECT_THAT(last.message(), HasSubstr("list configmaps (all namespaces)"));

  // WaitForSync names the informer and its error.
  auto wait = std::async(std::launch::async,
                         [&] { return informer->WaitForSync({}, std::chrono::milliseconds(500)); });
  ASSERT_TRUE(clock_.BlockUntilSleepers(2));  // the reflector's backoff and the waiter
  clock_.Step(std::chrono::milliseconds(600));
  Status s = wait.get();
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_THAT(s.message(), HasSubstr("informer of configmaps (all namespaces)"));
  EXPECT_THAT(s.message(), HasSubstr("did not sync within 500 ms"));
  EXPECT_THAT(s.message(), HasSubstr("Forbidden"));
  EXPECT_FALSE(informer->HasSynced());

  // Retried with backoff until RBAC is fixed (the fault runs out).
  ASSERT_TRUE(Eventually([&] { return informer->HasSynced(); }, true));
  EXPECT_TRUE(informer->LastError().ok());
  EXPECT_EQ(informer->GetIndexer().size(), 1u);
}

TEST_F(ReflectorTest, ResourceNotServedGivesNotFoundNamingIt) {
  client::ResourceRef widgets{{"example.com", "v1", "widgets"}, "Widget", true};
  auto informer = NewDynamicInformer(client_.get(), widgets, Options());
  informer->Start(stop_.get_token());
  ASSERT_TRUE(Eventually([&] { return !informer->LastError().ok(); }));
  EXPECT_EQ(informer->LastError().code(), Code::kNotFound);
  EXPECT_THAT(informer->LastError().message(), HasSubstr("widgets.example.com"));
  EXPECT_FALSE(informer->HasSynced());
}

TEST_F(ReflectorTest, StreamingListSyncsWithoutAList) {
  Create("a", "1");
  Create("b", "1");
  InformerOptions options = Options();
  options.reflector.streaming_list = true;
  Recorder rec;  // declared first: it must outlive the informer's handlers
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  informer->AddEventHandler(rec.Funcs());
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().size(), 2u);
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 0);
  Create("c", "1");
  ASSERT_TRUE(Eventually([&] { return rec.size() == 3; }));
  std::vector<std::string> events = rec.events();
  std::sort(events.begin(), events.begin() + 2);
  EXPECT_EQ(events, (std::vector<std::string>{"add* a", "add* b", "add c"}));
}

TEST_F(ReflectorTest, StreamingListFallsBackToListOnError) {
  Create("a", "1");
  server_->InjectFault({.verb = "watch", .resource = "configmaps", .http_code = 500, .times = 1});
  InformerOptions options = Options();
  options.reflector.streaming_list = true;
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().size(), 1u);
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 1);
}

TEST_F(ReflectorTest, PagedInitialListGetsEveryObject) {
  for (int i = 0; i < 25; ++i) Create("cm-" + std::to_string(i), "1");
  InformerOptions options = Options();
  options.reflector.page_size = 10;
  auto informer = NewDynamicInformer(client_.get(), kConfigMaps, options);
  StartAndSync(*informer);
  EXPECT_EQ(informer->GetIndexer().size(), 25u);
  EXPECT_EQ(server_->RequestCount("list", "configmaps"), 3);
}

}  // namespace
}  // namespace kube::cache
