#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cre::metrics {
namespace {

// C++17 has no fetch_add for atomic<double>.
void AtomicAdd(std::atomic<double>& value, double by) {
  double seen = value.load(std::memory_order_relaxed);
  while (!value.compare_exchange_weak(seen, seen + by, std::memory_order_relaxed)) {
  }
}

// A programming error in the hub (a name the format forbids, a label
// missing): found by the first test that registers it.
[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "metrics: %s\n", what.c_str());
  std::abort();
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

Labels Zip(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  Labels labels;
  labels.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) labels.emplace_back(names[i], values[i]);
  return labels;
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts are whole numbers: written as such, however large (to 2^53).
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  // The shortest of %.15g .. %.17g that reads back as the same double.
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string EscapeHelp(absl::string_view help) {
  std::string escaped;
  for (char c : help) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

bool IsValidMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || absl::StartsWith(name, "__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

void TextWriter::Family(absl::string_view name, absl::string_view help, MetricType type) {
  absl::StrAppend(&text_, "# HELP ", name, " ", EscapeHelp(help), "\n# TYPE ", name, " ", TypeName(type), "\n");
}

void TextWriter::Sample(absl::string_view name, const Labels& labels, double value) {
  absl::StrAppend(&text_, name);
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      absl::StrAppend(&text_, i == 0 ? "" : ",", labels[i].first, "=\"", EscapeLabelValue(labels[i].second), "\"");
    }
    text_ += '}';
  }
  absl::StrAppend(&text_, " ", FormatValue(value), "\n");
}

void TextWriter::Histogram(absl::string_view name, const Labels& labels, const std::vector<double>& bounds,
                           const std::vector<uint64_t>& counts, double sum) {
  const std::string bucket = absl::StrCat(name, "_bucket");
  Labels with_le = labels;
  with_le.emplace_back("le", "");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size() && i < counts.size(); ++i) {
    cumulative += counts[i];
    with_le.back().second = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
    Sample(bucket, with_le, static_cast<double>(cumulative));
  }
  Sample(absl::StrCat(name, "_sum"), labels, sum);
  Sample(absl::StrCat(name, "_count"), labels, static_cast<double>(cumulative));
}

void Counter::Increment(double by) {
  if (by < 0) return;  // a counter never goes down
  AtomicAdd(value_, by);
}

void Gauge::Add(double by) { AtomicAdd(value_, by); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // The first bucket whose bound is at or above the value (le: less or equal).
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

std::vector<uint64_t> Histogram::Counts() const {
  std::vector<uint64_t> counts(bounds_->size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  return counts;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename Metric>
Metric& Family<Metric>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Fail(absl::StrCat(name_, ": ", values.size(), " label value(s) for ", label_names_.size(), " label(s)"));
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto found = metrics_.find(values); found != metrics_.end()) return *found->second;
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Metric>& metric = metrics_[values];
  if (metric == nullptr) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      metric = std::make_unique<Histogram>(&bounds_);
    } else {
      metric = std::make_unique<Metric>();
    }
  }
  return *metric;
}

template <typename Metric>
void Family<Metric>::Write(TextWriter& out) const {
  out.Family(name_, help_, type_);
  std::vector<std::pair<std::vector<std::string>, const Metric*>> sorted;
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [values, metric] : metrics_) sorted.emplace_back(values, metric.get());
  }
  // A stable order: one scrape compares with the next line by line.
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [values, metric] : sorted) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      out.Histogram(name_, Zip(label_names_, values), bounds_, metric->Counts(), metric->Sum());
    } else {
      out.Sample(name_, Zip(label_names_, values), metric->Value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void Registry::Claim(const std::string& name, const std::vector<std::string>& label_names) {
  if (!IsValidMetricName(name)) Fail(absl::StrCat("not a metric name: ", name));
  for (const std::string& label : label_names) {
    if (!IsValidLabelName(label) || label == "le") Fail(absl::StrCat(name, ": not a label name: ", label));
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    Fail(absl::StrCat("metric ", name, " registered twice"));
  }
  names_.push_back(name);
}

CounterFamily& Registry::AddCounter(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  Claim(name, label_names);
  counters_.push_back(std::make_unique<CounterFamily>(name, help, MetricType::kCounter, std::move(label_names)));
  return *counters_.back();
}

GaugeFamily& Registry::AddGauge(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  Claim(name, label_names);
  gauges_.push_back(std::make_unique<GaugeFamily>(name, help, MetricType::kGauge, std::move(label_names)));
  return *gauges_.back();
}

HistogramFamily& Registry::AddHistogram(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names, std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  Claim(name, label_names);
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end() || std::isinf(bounds.back())) {
    Fail(absl::StrCat(name, ": bucket bounds must be finite and strictly ascending"));
  }
  histograms_.push_back(std::make_unique<HistogramFamily>(name, help, MetricType::kHistogram,
                                                          std::move(label_names), std::move(bounds)));
  return *histograms_.back();
}

void Registry::AddCollector(Collector collector) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Render() const {
  TextWriter out;
  std::vector<Collector> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& family : counters_) family->Write(out);
    for (const auto& family : gauges_) family->Write(out);
    for (const auto& family : histograms_) family->Write(out);
    collectors = collectors_;
  }
  // Outside the lock: a collector may wait on the database.
  for (const Collector& collect : collectors) collect(out);
  return out.Take();
}

}  // namespace cre::metrics
