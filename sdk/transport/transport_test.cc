#include "kubecpp/transport/transport.h"

#include <gtest/gtest.h>

namespace kube::transport {
namespace {

TEST(FindHeader, MatchesNameCaseInsensitively) {
  Headers headers = {{"Content-Type", "application/json"}, {"X-Trace", "abc"}};
  EXPECT_EQ(FindHeader(headers, "content-type"), "application/json");
  EXPECT_EQ(FindHeader(headers, "CONTENT-TYPE"), "application/json");
  EXPECT_EQ(FindHeader(headers, "x-trace"), "abc");
}

TEST(FindHeader, ReturnsEmptyWhenAbsent) {
  Headers headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(FindHeader(headers, "Accept"), "");
  EXPECT_EQ(FindHeader({}, "Accept"), "");
  // A prefix of a header name is a different header.
  EXPECT_EQ(FindHeader(headers, "Content"), "");
}

TEST(FindHeader, ReturnsTheFirstOfRepeatedHeaders) {
  Headers headers = {{"Warning", "first"}, {"warning", "second"}};
  EXPECT_EQ(FindHeader(headers, "WARNING"), "first");
}

TEST(FindHeader, KeepsAnEmptyValue) {
  Headers headers = {{"X-Empty", ""}, {"X-Other", "v"}};
  EXPECT_EQ(FindHeader(headers, "x-empty"), "");
  EXPECT_EQ(FindHeader(headers, "x-other"), "v");
}

}  // namespace
}  // namespace kube::transport
