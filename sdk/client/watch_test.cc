#include "kubecpp/client/watch.h"

#include <gtest/gtest.h>

#include <vector>

namespace kube::client {
namespace {

constexpr const char* kStream =
    R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":"1","annotations":{"note":"braces } { and \"quotes\" \\"}}}}
{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":"2"},"spec":{"containers":[{"name":"c"}]}}}
  {"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"3","annotations":{"k8s.io/initial-events-end":"true"}}}}
{"type":"DELETED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":"4"}}}
)";

std::vector<WatchEvent> DecodeInChunks(std::string_view stream, size_t chunk) {
  std::vector<WatchEvent> events;
  WatchDecoder decoder([&](WatchEvent&& e) {
    events.push_back(std::move(e));
    return true;
  });
  for (size_t i = 0; i < stream.size(); i += chunk) {
    EXPECT_TRUE(decoder.Feed(stream.substr(i, chunk))) << decoder.status();
  }
  EXPECT_EQ(decoder.pending(), 0u);
  return events;
}

TEST(WatchDecoder, DecodesEventsWhateverTheChunking) {
  for (size_t chunk : {1u, 2u, 7u, 64u, 100000u}) {
    auto events = DecodeInChunks(kStream, chunk);
    ASSERT_EQ(events.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(events[0].type, EventType::kAdded);
    EXPECT_EQ(events[0].object.annotations().at("note"), "braces } { and \"quotes\" \\");
    EXPECT_EQ(events[1].type, EventType::kModified);
    EXPECT_EQ(events[1].object.resource_version(), "2");
    EXPECT_EQ(events[2].type, EventType::kBookmark);
    EXPECT_EQ(events[2].object.annotations().at("k8s.io/initial-events-end"), "true");
    EXPECT_EQ(events[3].type, EventType::kDeleted);
  }
}

TEST(WatchDecoder, ErrorEventCarriesStatusAndExpiredIsGone) {
  auto events = DecodeInChunks(
      R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}})json",
      5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kError);
  EXPECT_TRUE(IsGone(events[0].error));
  EXPECT_EQ(events[0].error.message(), "too old resource version: 5 (10)");
}

TEST(WatchDecoder, ErrorEventWithNonNumericCodeDoesNotThrow) {
  auto events = DecodeInChunks(R"({"type":"ERROR","object":{"kind":"Status","code":"oops"}})", 4);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error.code(), Code::kInternal);
}

TEST(WatchDecoder, HandlerCanStopTheStream) {
  int seen = 0;
  WatchDecoder decoder([&](WatchEvent&&) { return ++seen < 2; });
  EXPECT_FALSE(decoder.Feed(kStream));
  EXPECT_EQ(seen, 2);
  EXPECT_TRUE(decoder.status().ok());
}

TEST(WatchDecoder, MalformedStreamsAreReported) {
  WatchDecoder garbage([](WatchEvent&&) { return true; });
  EXPECT_FALSE(garbage.Feed("<html>502 Bad Gateway</html>"));
  EXPECT_EQ(garbage.status().code(), Code::kBadRequest);
  EXPECT_NE(garbage.status().message().find("unexpected '<'"), std::string::npos);

  WatchDecoder unknown([](WatchEvent&&) { return true; });
  EXPECT_FALSE(unknown.Feed(R"({"type":"RENAMED","object":{}})"));
  EXPECT_NE(unknown.status().message().find("unknown type \"RENAMED\""), std::string::npos);

  WatchDecoder missing([](WatchEvent&&) { return true; });
  EXPECT_FALSE(missing.Feed(R"({"object":{}})"));
  EXPECT_NE(missing.status().message().find("missing type"), std::string::npos);
}

TEST(WatchDecoder, IncompleteEventIsHeldBack) {
  int seen = 0;
  WatchDecoder decoder([&](WatchEvent&&) { return ++seen > 0; });
  EXPECT_TRUE(decoder.Feed(R"({"type":"ADDED","object":{"metadata":{"name":"a"})"));
  EXPECT_EQ(seen, 0);
  EXPECT_GT(decoder.pending(), 0u);
  EXPECT_TRUE(decoder.Feed("}"));  // closes "object"; the event is still open
  EXPECT_EQ(seen, 0);
  EXPECT_TRUE(decoder.Feed("}\n"));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(decoder.pending(), 0u);
}

}  // namespace
}  // namespace kube::client
