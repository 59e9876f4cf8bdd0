// Metrics in the Prometheus text exposition format (version 0.0.4), written
// by hand: Debian packages no Prometheus client library for C++.
//
// A Registry holds families of counters, gauges and histograms, each with
// fixed label names; a family hands out one metric per set of label values.
// Code on the calls' path keeps the metric it updates, or looks it up by
// label values (a hash lookup under a reader lock); updating it is an atomic
// operation, no lock. Values known only when asked (what the database holds,
// a certificate's expiry) come from collectors, which the registry runs at
// each scrape and which write their families with a TextWriter.
//
//   Registry registry;
//   CounterFamily& calls = registry.AddCounter("cre_calls_total", "Calls handled.", {"method", "code"});
//   calls.WithLabels({"/cre.v1.Directory/WhoAmI", "OK"}).Increment();
//   registry.AddCollector([](TextWriter& out) {
//     out.Family("cre_database_up", "Whether the database answered.", MetricType::kGauge);
//     out.Sample("cre_database_up", {}, 1);
//   });
//   std::string text = registry.Render();  // served at /metrics
//
// Names and label names are the caller's, checked when a family is added
// (a bad one is a programming error: it aborts). Label values may be any
// text: they are escaped as the format requires.
#ifndef CRE_HUB_METRICS_METRICS_H_
#define CRE_HUB_METRICS_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace cre::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label names and values, in the order of the family's label names.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A value as the format writes it: integers without a fraction or exponent
// (up to 2^53), others in the shortest form that reads back the same,
// "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);
// A label value escaped for the format: backslash, double quote and line
// feed as \\, \" and \n.
std::string EscapeLabelValue(absl::string_view value);
// HELP text escaped: backslash and line feed.
std::string EscapeHelp(absl::string_view help);
// Whether `name` may name a metric ([a-zA-Z_:][a-zA-Z0-9_:]*) or a label
// ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__").
bool IsValidMetricName(absl::string_view name);
bool IsValidLabelName(absl::string_view name);

// Writes families in the text format. Each family is written whole: its
// HELP and TYPE lines, then all its samples, before the next one starts.
class TextWriter {
 public:
  void Family(absl::string_view name, absl::string_view help, MetricType type);
  // `name` is the family's name, or for a histogram its name with _bucket,
  // _sum or _count.
  void Sample(absl::string_view name, const Labels& labels, double value);
  // All the lines of a histogram for one set of labels: `bounds` are the
  // upper bounds of its buckets, ascending, without +Inf; `counts` the
  // observations in each bucket (not cumulative) with one more for +Inf.
  void Histogram(absl::string_view name, const Labels& labels, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& counts, double sum);

  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

// A value that only goes up.
class Counter {
 public:
  void Increment(double by = 1);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets with fixed upper bounds.
class Histogram {
 public:
  // `bounds` ascending, without +Inf.
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double value);

  // A copy of the counts (per bucket, not cumulative; the last is +Inf)
  // and the sum. Taken without a lock: a scrape during an observation may
  // see it in the count and not yet in the sum, which Prometheus tolerates.
  std::vector<uint64_t> Counts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Buckets for call latencies in seconds: 1 ms to 10 s.
std::vector<double> LatencyBuckets();

// One metric per set of label values, made on first use and kept for the
// life of the family: label values must come from a bounded set (methods,
// codes, registered agencies), never from a caller's free text.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  // The metric for `values`, one for each label name (aborts otherwise).
  Metric& WithLabels(const std::vector<std::string>& values);

  void Write(TextWriter& out) const;
  const std::string& name() const { return name_; }

 private:
  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable absl::Mutex mu_;
  // node_hash_map: a metric handed out never moves.
  absl::node_hash_map<std::vector<std::string>, std::unique_ptr<Metric>> metrics_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  using Collector = std::function<void(TextWriter&)>;

  // Each name once per registry (aborts otherwise). The family lives as
  // long as the registry.
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names, std::vector<double> bounds);
  // Runs at every Render, after the families above, on the thread that
  // renders; it must write families of names of its own.
  void AddCollector(Collector collector);

  // Every family, then every collector's, in the text format.
  std::string Render() const;

 private:
  void Claim(const std::string& name, const std::vector<std::string>& label_names);

  mutable absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<GaugeFamily>> gauges_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

// The content type of the text format, for the HTTP response.
inline constexpr absl::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace cre::metrics

#endif  // CRE_HUB_METRICS_METRICS_H_
