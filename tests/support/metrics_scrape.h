// Reading a hub's /metrics as Prometheus would, and asking Debian's promtool
// (the prometheus package) whether the text is well formed.
//
//   std::string text = Scrape(hub.metrics_port());
//   EXPECT_EQ(Promtool(text), std::make_pair(0, std::string()));
//   EXPECT_EQ(SampleValue(text, "cre_deliveries{agency=\"derby-pru\",state=\"dead\"}"), "1");
#ifndef CRE_TESTS_SUPPORT_METRICS_SCRAPE_H_
#define CRE_TESTS_SUPPORT_METRICS_SCRAPE_H_

#include <string>
#include <utility>

namespace cre::testing {

// GET /metrics on 127.0.0.1:`port`; fails the test unless it answers 200 in
// the text format's content type.
std::string Scrape(int port);

// What `promtool check metrics` says of `text` (on its stdin), with its exit
// status; 0 and "" when it finds no problem.
std::pair<int, std::string> Promtool(const std::string& text);

// The value of the sample written exactly as `series` (name and labels, as
// the hub writes them), or "" if the text has none.
std::string SampleValue(const std::string& text, const std::string& series);

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_METRICS_SCRAPE_H_
