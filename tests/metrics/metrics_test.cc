// The metrics library: values and escaping as the text format (0.0.4)
// requires, families and their labels, histograms' cumulative buckets, and
// updates from many threads at once.
#include "metrics/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::metrics {
namespace {

using ::testing::HasSubstr;

TEST(FormatValueTest, WholeNumbersPlainOthersShortestInfinitiesAndNaNSpelled) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(1e15), "1000000000000000");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(std::strtod(FormatValue(1.0 / 3).c_str(), nullptr), 1.0 / 3);
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(EscapeTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  // HELP escapes only backslash and newline: a quote stays.
  EXPECT_EQ(EscapeHelp("say \"hi\"\\\n"), "say \"hi\"\\\\\\n");
}

TEST(NamesTest, MetricAndLabelNamesFollowTheFormat) {
  EXPECT_TRUE(IsValidMetricName("cre_grpc_server_handled_total"));
  EXPECT_TRUE(IsValidMetricName("ns:metric"));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("agency"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
}

TEST(RegistryTest, WritesHelpTypeAndSamplesWithEscapedLabels) {
  Registry registry;
  CounterFamily& calls = registry.AddCounter("cre_calls_total", "Calls.\nBy method.", {"method", "code"});
  calls.WithLabels({"/a/B", "OK"}).Increment();
  calls.WithLabels({"/a/B", "OK"}).Increment(2);
  calls.WithLabels({"quote\"d", "NOT_FOUND"}).Increment();
  GaugeFamily& up = registry.AddGauge("cre_up", "Up.");
  up.WithLabels({}).Set(1);
  EXPECT_EQ(registry.Render(),
            "# HELP cre_calls_total Calls.\\nBy method.\n"
            "# TYPE cre_calls_total counter\n"
            "cre_calls_total{method=\"/a/B\",code=\"OK\"} 3\n"
            "cre_calls_total{method=\"quote\\\"d\",code=\"NOT_FOUND\"} 1\n"
            "# HELP cre_up Up.\n"
            "# TYPE cre_up gauge\n"
            "cre_up 1\n");
}

TEST(RegistryTest, CounterNeverGoesDownGaugeDoes) {
  Registry registry;
  Counter& counter = registry.AddCounter("c_total", "c").WithLabels({});
  counter.Increment(5);
  counter.Increment(-2);
  EXPECT_EQ(counter.Value(), 5);
  Gauge& gauge = registry.AddGauge("g", "g").WithLabels({});
  gauge.Set(5);
  gauge.Add(-7.5);
  EXPECT_EQ(gauge.Value(), -2.5);
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  HistogramFamily& latency = registry.AddHistogram("rpc_seconds", "Latency.", {"method"}, {0.1, 1});
  Histogram& h = latency.WithLabels({"m"});
  h.Observe(0.05);
  h.Observe(0.1);  // le: a value on a bound is in that bucket
  h.Observe(0.5);
  h.Observe(30);
  EXPECT_EQ(registry.Render(),
            "# HELP rpc_seconds Latency.\n"
            "# TYPE rpc_seconds histogram\n"
            "rpc_seconds_bucket{method=\"m\",le=\"0.1\"} 2\n"
            "rpc_seconds_bucket{method=\"m\",le=\"1\"} 3\n"
            "rpc_seconds_bucket{method=\"m\",le=\"+Inf\"} 4\n"
            "rpc_seconds_sum{method=\"m\"} 30.65\n"
            "rpc_seconds_count{method=\"m\"} 4\n");
}

TEST(RegistryTest, CollectorsWriteAfterTheFamilies) {
  Registry registry;
  registry.AddGauge("a", "A.").WithLabels({}).Set(2);
  registry.AddCollector([](TextWriter& out) {
    out.Family("b", "B.", MetricType::kGauge);
    out.Sample("b", {{"agency", "x"}}, 7);
  });
  EXPECT_THAT(registry.Render(), HasSubstr("a 2\n# HELP b B.\n# TYPE b gauge\nb{agency=\"x\"} 7\n"));
}

TEST(RegistryTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  CounterFamily& calls = registry.AddCounter("calls_total", "c", {"method"});
  HistogramFamily& latency = registry.AddHistogram("lat_seconds", "l", {"method"}, LatencyBuckets());
  constexpr int kThreads = 8, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string method = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < kEach; ++i) {
        calls.WithLabels({method}).Increment();
        latency.WithLabels({method}).Observe(0.001);
      }
    });
  }
  // Scrapes meanwhile see consistent text.
  for (int i = 0; i < 20; ++i) EXPECT_THAT(registry.Render(), HasSubstr("# TYPE calls_total counter"));
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls.WithLabels({"even"}).Value() + calls.WithLabels({"odd"}).Value(), kThreads * kEach);
  std::vector<uint64_t> counts = latency.WithLabels({"odd"}).Counts();
  EXPECT_EQ(counts[0], static_cast<uint64_t>(kThreads / 2 * kEach));
}

TEST(RegistryDeathTest, RefusesBadNamesAndDuplicates) {
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("bad-name", "x");
      },
      "not a metric name");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("x_total", "x");
        registry.AddGauge("x_total", "x");
      },
      "registered twice");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("x_total", "x", {"a"}).WithLabels({"1", "2"});
      },
      "label value");
}

}  // namespace
}  // namespace cre::metrics
