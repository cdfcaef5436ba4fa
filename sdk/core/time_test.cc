#include "kubecpp/core/time.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "kubecpp/core/status.h"

namespace kube {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinNs = std::numeric_limits<int64_t>::min();
constexpr int64_t kMillisecond = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

// ---------------------------------------------------------------------------
// Time and MicroTime

sys_seconds Unix(int64_t secs) { return sys_seconds{seconds{secs}}; }

struct TimeCase {
  const char* text;
  int64_t unix_seconds;  // expected, UTC
  int64_t micros;        // sub-second part MicroTime keeps
  const char* time_text;
  const char* micro_text;
};

void PrintTo(const TimeCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

// Expected values were produced by Go's time.Parse(time.RFC3339, ...) and
// formatted with metav1's RFC3339 / RFC3339Micro layouts.
class TimeParseTest : public testing::TestWithParam<TimeCase> {};

TEST_P(TimeParseTest, ParsesToUtcAndFormatsCanonically) {
  const TimeCase& c = GetParam();
  Result<Time> t = Time::Parse(c.text);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->time_point(), Unix(c.unix_seconds));
  EXPECT_EQ(t->ToString(), c.time_text);

  Result<MicroTime> mt = MicroTime::Parse(c.text);
  ASSERT_TRUE(mt.ok()) << mt.error();
  EXPECT_EQ(mt->time_point(), Unix(c.unix_seconds) + microseconds{c.micros});
  EXPECT_EQ(mt->ToString(), c.micro_text);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc3339, TimeParseTest,
    testing::Values(TimeCase{"2024-05-01T10:00:00Z", 1714557600, 0, "2024-05-01T10:00:00Z",
                             "2024-05-01T10:00:00.000000Z"},
                    // Go's format_test RFC3339 rows.
                    TimeCase{"2010-02-04T21:00:57-08:00", 1265346057, 0, "2010-02-05T05:00:57Z",
                             "2010-02-05T05:00:57.000000Z"},
                    TimeCase{"2010-02-04T21:00:57.012345678-08:00", 1265346057, 12345,
                             "2010-02-05T05:00:57Z", "2010-02-05T05:00:57.012345Z"},
                    TimeCase{"2024-05-01T12:00:00.5+02:00", 1714557600, 500000,
                             "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.500000Z"},
                    TimeCase{"2024-05-01T10:00:00-05:30", 1714577400, 0, "2024-05-01T15:30:00Z",
                             "2024-05-01T15:30:00.000000Z"},
                    // Leap days.
                    TimeCase{"2024-02-29T23:59:59Z", 1709251199, 0, "2024-02-29T23:59:59Z",
                             "2024-02-29T23:59:59.000000Z"},
                    TimeCase{"2000-02-29T00:00:00Z", 951782400, 0, "2000-02-29T00:00:00Z",
                             "2000-02-29T00:00:00.000000Z"},
                    // Fractions truncate toward the past, even before the epoch.
                    TimeCase{"1969-12-31T23:59:59.999999999Z", -1, 999999, "1969-12-31T23:59:59Z",
                             "1969-12-31T23:59:59.999999Z"},
                    // Year range ends; an offset that crosses a day and a year boundary.
                    TimeCase{"0000-01-01T00:00:00Z", -62167219200, 0, "0000-01-01T00:00:00Z",
                             "0000-01-01T00:00:00.000000Z"},
                    TimeCase{"9999-12-31T23:59:59Z", 253402300799, 0, "9999-12-31T23:59:59Z",
                             "9999-12-31T23:59:59.000000Z"},
                    TimeCase{"2024-01-01T01:00:00+02:00", 1704063600, 0, "2023-12-31T23:00:00Z",
                             "2023-12-31T23:00:00.000000Z"},
                    // RFC 3339 allows lower-case 't' and 'z'.
                    TimeCase{"2024-05-01t10:00:00.000001z", 1714557600, 1, "2024-05-01T10:00:00Z",
                             "2024-05-01T10:00:00.000001Z"}));

class TimeParseErrorTest : public testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(TimeParseErrorTest, RejectsWithMessageNamingInput) {
  const auto& [text, reason] = GetParam();
  Result<Time> t = Time::Parse(text);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), Code::kBadRequest);
  EXPECT_NE(t.error().message().find(std::string("\"") + text + "\""), std::string::npos)
      << t.error().message();
  EXPECT_NE(t.error().message().find(reason), std::string::npos) << t.error().message();
  EXPECT_FALSE(MicroTime::Parse(text).ok());
}

INSTANTIATE_TEST_SUITE_P(Rfc3339, TimeParseErrorTest,
                         testing::Values(std::pair{"", "too short"},
                                         std::pair{"2023-02-29T00:00:00Z", "day out of range"},
                                         std::pair{"1900-02-29T00:00:00Z", "day out of range"},
                                         std::pair{"2024-04-31T00:00:00Z", "day out of range"},
                                         std::pair{"2024-13-01T00:00:00Z", "month out of range"},
                                         std::pair{"2024-00-01T00:00:00Z", "month out of range"},
                                         std::pair{"2024-05-00T00:00:00Z", "day out of range"},
                                         std::pair{"2024-05-01T24:00:00Z", "hour out of range"},
                                         std::pair{"2024-05-01T10:60:00Z", "minute out of range"},
                                         std::pair{"2024-05-01T10:00:60Z", "second out of range"},
                                         std::pair{"2024-05-01T10:00:00", "missing time zone"},
                                         std::pair{"2024-05-01 10:00:00Z", "'T'"},
                                         std::pair{"2024-5-01T10:00:00Z", "YYYY-MM-DD"},
                                         std::pair{"2024-05-01T10:00:00.Z", "digits after '.'"},
                                         std::pair{"2024-05-01T10:00:00+02", "offset"},
                                         std::pair{"2024-05-01T10:00:00+24:00",
                                                   "offset hour out of range"},
                                         std::pair{"2024-05-01T10:00:00Z extra", "time zone"},
                                         std::pair{"2006-01-02T15:04:05_abc", "time zone"}));

TEST(Time, ZeroValueIsEpochAndIsZero) {
  EXPECT_TRUE(Time().IsZero());
  EXPECT_TRUE(MicroTime().IsZero());
  EXPECT_EQ(Time().ToString(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(MicroTime().ToString(), "1970-01-01T00:00:00.000000Z");
  EXPECT_FALSE(Time::Parse("2024-05-01T10:00:00Z")->IsZero());
}

TEST(Time, ConstructorTruncatesTowardThePast) {
  const auto tp = Time::Clock::time_point{} + milliseconds{1500};
  EXPECT_EQ(Time(tp).time_point(), Unix(1));
  const auto before_epoch = Time::Clock::time_point{} - milliseconds{500};
  EXPECT_EQ(Time(before_epoch).time_point(), Unix(-1));
  const auto micro = MicroTime::Clock::time_point{} + nanoseconds{1'999'999};
  EXPECT_EQ(MicroTime(micro).ToString(), "1970-01-01T00:00:00.001999Z");
}

TEST(Time, CanonicalTextRoundTrips) {
  for (const char* text : {"2024-05-01T10:00:00Z", "1999-12-31T23:59:59Z"}) {
    EXPECT_EQ(Time::Parse(text)->ToString(), text);
  }
  for (const char* text : {"2024-05-01T10:00:00.123456Z", "2024-02-29T00:00:00.000001Z"}) {
    EXPECT_EQ(MicroTime::Parse(text)->ToString(), text);
  }
}

TEST(Time, NowIsCloseToSystemClock) {
  const auto before = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  const Time now = Time::Now();
  const MicroTime micro_now = MicroTime::Now();
  EXPECT_GE(now.time_point(), before);
  EXPECT_GE(micro_now.time_point(), before);
  EXPECT_LE(now.time_point(), before + seconds{60});
}

TEST(Time, OrdersAndCompares) {
  const Time a = *Time::Parse("2024-05-01T10:00:00Z");
  const Time b = *Time::Parse("2024-05-01T12:00:00+02:00");
  const Time c = *Time::Parse("2024-05-01T10:00:01Z");
  EXPECT_EQ(a, b);
  EXPECT_LT(a, c);
  EXPECT_LT(*MicroTime::Parse("2024-05-01T10:00:00.1Z"),
            *MicroTime::Parse("2024-05-01T10:00:00.2Z"));
}

TEST(Time, StreamsCanonicalText) {
  std::ostringstream os;
  os << *Time::Parse("2024-05-01T10:00:00Z") << " " << *MicroTime::Parse("2024-05-01T10:00:00.25Z");
  EXPECT_EQ(os.str(), "2024-05-01T10:00:00Z 2024-05-01T10:00:00.250000Z");
}

// ---------------------------------------------------------------------------
// Durations

struct DurationCase {
  const char* text;
  int64_t nanos;
};

void PrintTo(const DurationCase& c, std::ostream* os) {
  *os << '"' << c.text << "\" " << c.nanos << "ns";
}

// Go's time_test.go durationTests, plus examples from the Kubernetes API.
class FormatDurationTest : public testing::TestWithParam<DurationCase> {};

TEST_P(FormatDurationTest, MatchesGoDurationString) {
  const DurationCase& c = GetParam();
  EXPECT_EQ(FormatDuration(nanoseconds{c.nanos}), c.text);
  if (c.nanos > 0) {
    EXPECT_EQ(FormatDuration(nanoseconds{-c.nanos}), std::string("-") + c.text);
  }
}

INSTANTIATE_TEST_SUITE_P(
    GoTable, FormatDurationTest,
    testing::Values(DurationCase{"0s", 0}, DurationCase{"1ns", 1}, DurationCase{"1.1\u00b5s", 1100},
                    DurationCase{"2.2ms", 2'200'000}, DurationCase{"3.3s", 3'300'000'000},
                    DurationCase{"4m5s", 4 * kMinute + 5 * kSecond},
                    DurationCase{"4m5.001s", 4 * kMinute + 5001 * kMillisecond},
                    DurationCase{"5h6m7.001s", 5 * kHour + 6 * kMinute + 7001 * kMillisecond},
                    DurationCase{"8m0.000000001s", 8 * kMinute + 1},
                    DurationCase{"2562047h47m16.854775807s", kMaxNs},
                    DurationCase{"-2562047h47m16.854775808s", kMinNs},
                    DurationCase{"1h30m0s", 90 * kMinute}, DurationCase{"1.5s", 1'500'000'000},
                    DurationCase{"300ms", 300'000'000}, DurationCase{"1m0.5s", 60'500'000'000},
                    DurationCase{"1\u00b5s", 1000}, DurationCase{"100h0m0s", 100 * kHour}));

// Go's time_test.go parseDurationTests.
class ParseDurationTest : public testing::TestWithParam<DurationCase> {};

TEST_P(ParseDurationTest, MatchesGoParseDuration) {
  const DurationCase& c = GetParam();
  Result<nanoseconds> d = ParseDuration(c.text);
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d->count(), c.nanos);
}

INSTANTIATE_TEST_SUITE_P(
    GoTable, ParseDurationTest,
    testing::Values(
        // simple
        DurationCase{"0", 0}, DurationCase{"5s", 5 * kSecond}, DurationCase{"30s", 30 * kSecond},
        DurationCase{"1478s", 1478 * kSecond},
        // sign
        DurationCase{"-5s", -5 * kSecond}, DurationCase{"+5s", 5 * kSecond}, DurationCase{"-0", 0},
        DurationCase{"+0", 0},
        // decimal
        DurationCase{"5.0s", 5 * kSecond}, DurationCase{"5.6s", 5 * kSecond + 600'000'000},
        DurationCase{"5.s", 5 * kSecond}, DurationCase{".5s", 500'000'000},
        DurationCase{"1.0s", kSecond}, DurationCase{"1.00s", kSecond},
        DurationCase{"1.004s", kSecond + 4'000'000}, DurationCase{"1.0040s", kSecond + 4'000'000},
        DurationCase{"100.00100s", 100 * kSecond + 1'000'000},
        // different units
        DurationCase{"10ns", 10}, DurationCase{"11us", 11'000},
        DurationCase{"12\u00b5s", 12'000},  // U+00B5 micro sign
        DurationCase{"12\u03bcs", 12'000},  // U+03BC Greek mu
        DurationCase{"13ms", 13'000'000}, DurationCase{"14s", 14 * kSecond},
        DurationCase{"15m", 15 * kMinute}, DurationCase{"16h", 16 * kHour},
        // composite durations
        DurationCase{"3h30m", 3 * kHour + 30 * kMinute},
        DurationCase{"10.5s4m", 4 * kMinute + 10 * kSecond + 500'000'000},
        DurationCase{"-2m3.4s", -(2 * kMinute + 3 * kSecond + 400'000'000)},
        DurationCase{"1h2m3s4ms5us6ns", kHour + 2 * kMinute + 3 * kSecond + 4'000'000 + 5'000 + 6},
        DurationCase{"39h9m14.425s", 39 * kHour + 9 * kMinute + 14 * kSecond + 425'000'000},
        // large value
        DurationCase{"52763797000ns", 52763797000},
        // more than 9 digits after the decimal point (golang.org/issue/6617)
        DurationCase{"0.3333333333333333333h", 20 * kMinute},
        // 1<<53 + 1 cannot be held exactly in a double
        DurationCase{"9007199254740993ns", (int64_t{1} << 53) + 1},
        // the largest and smallest durations
        DurationCase{"9223372036854775807ns", kMaxNs},
        DurationCase{"9223372036854775.807us", kMaxNs},
        DurationCase{"9223372036s854ms775us807ns", kMaxNs},
        DurationCase{"-9223372036854775808ns", kMinNs},
        DurationCase{"-9223372036854775.808us", kMinNs},
        DurationCase{"-9223372036s854ms775us808ns", kMinNs},
        DurationCase{"-2562047h47m16.854775808s", kMinNs},
        // huge fraction strings (golang.org/issue/15011)
        DurationCase{"0.100000000000000000000h", 6 * kMinute},
        DurationCase{"0.830103483285477580700h", 49 * kMinute + 48 * kSecond + 372539827},
        // Kubernetes-style values
        DurationCase{"1h30m", 90 * kMinute}, DurationCase{"1.5h", 90 * kMinute},
        DurationCase{"-300ms", -300'000'000}, DurationCase{"2h45m30.5s", 9930500000000}));

struct DurationErrorCase {
  const char* text;
  const char* message;
};

void PrintTo(const DurationErrorCase& c, std::ostream* os) { *os << c.message; }

// Go's time_test.go parseDurationErrorTests plus the unit errors.
class ParseDurationErrorTest : public testing::TestWithParam<DurationErrorCase> {};

TEST_P(ParseDurationErrorTest, RejectsWithGoMessage) {
  const DurationErrorCase& c = GetParam();
  Result<nanoseconds> d = ParseDuration(c.text);
  ASSERT_FALSE(d.ok()) << c.text << " parsed as " << d->count();
  EXPECT_EQ(d.error().code(), Code::kBadRequest);
  EXPECT_EQ(d.error().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    GoTable, ParseDurationErrorTest,
    testing::Values(
        DurationErrorCase{"", R"(invalid duration "")"},
        DurationErrorCase{"3", R"(missing unit in duration "3")"},
        DurationErrorCase{"1", R"(missing unit in duration "1")"},
        DurationErrorCase{"-", R"(invalid duration "-")"},
        DurationErrorCase{"+", R"(invalid duration "+")"},
        DurationErrorCase{"s", R"(invalid duration "s")"},
        DurationErrorCase{"h", R"(invalid duration "h")"},
        DurationErrorCase{".", R"(invalid duration ".")"},
        DurationErrorCase{"-.", R"(invalid duration "-.")"},
        DurationErrorCase{".s", R"(invalid duration ".s")"},
        DurationErrorCase{"+.s", R"(invalid duration "+.s")"},
        DurationErrorCase{"1d", R"(unknown unit "d" in duration "1d")"},
        DurationErrorCase{"1x", R"(unknown unit "x" in duration "1x")"},
        DurationErrorCase{"1h-2m", R"(unknown unit "h-" in duration "1h-2m")"},
        DurationErrorCase{"1.2.3s", R"(missing unit in duration "1.2.3s")"},
        DurationErrorCase{"\x85\x85", R"(invalid duration "\x85\x85")"},
        DurationErrorCase{"\xff"
                          "ff",
                          R"(invalid duration "\xffff")"},
        DurationErrorCase{"hello \xff"
                          "ff world",
                          R"(invalid duration "hello \xffff world")"},
        DurationErrorCase{"\uFFFD", R"(invalid duration "\xef\xbf\xbd")"},
        // overflow
        DurationErrorCase{"9223372036854775810ns", R"(invalid duration "9223372036854775810ns")"},
        DurationErrorCase{"9223372036854775808ns", R"(invalid duration "9223372036854775808ns")"},
        DurationErrorCase{"-9223372036854775809ns", R"(invalid duration "-9223372036854775809ns")"},
        DurationErrorCase{"9223372036854776us", R"(invalid duration "9223372036854776us")"},
        DurationErrorCase{"3000000h", R"(invalid duration "3000000h")"},
        DurationErrorCase{"9223372036854775.808us", R"(invalid duration "9223372036854775.808us")"},
        DurationErrorCase{"9223372036854ms775us808ns",
                          R"(invalid duration "9223372036854ms775us808ns")"}));

TEST(Duration, FormattedValuesParseBack) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1100}, int64_t{2'200'000}, 90 * kMinute, -kHour,
                    60'500'000'000, kMaxNs, kMinNs}) {
    Result<nanoseconds> back = ParseDuration(FormatDuration(nanoseconds{n}));
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(back->count(), n);
  }
}

}  // namespace
}  // namespace kube
