// W3C Trace Context: parsing a caller's traceparent (the specification's
// valid and invalid forms, later versions), and the hub's own spans.
#include "common/trace_context.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

// The specification's own example.
constexpr char kExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, TheSpecificationsExampleParses) {
  absl::optional<TraceParent> parent = ParseTraceparent(kExample);
  ASSERT_TRUE(parent.has_value());
  EXPECT_EQ(parent->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parent->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parent->flags, 0x01);
  EXPECT_EQ(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->flags, 0x00);
  EXPECT_TRUE(ParseTraceparent(absl::StrCat(" \t", kExample, " ")).has_value()) << "optional whitespace";
}

TEST(TraceparentTest, MalformedValuesAreTreatedAsAbsent) {
  const char* const invalid[] = {
      "",
      "00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",               // no flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",             // short flags
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",            // upper-case trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",            // upper-case parent-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",            // upper-case flags
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",            // all-zero trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",            // all-zero parent-id
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",            // dash misplaced
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",            // not dashes
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",      // version 00 is exactly 55
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",           // the same
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",            // version ff is invalid
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",            // version not hex
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",            // version upper-case
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",            // not hex
  };
  for (const char* header : invalid) EXPECT_FALSE(ParseTraceparent(header).has_value()) << header;
}

TEST(TraceparentTest, ALaterVersionIsReadAsVersion00ReadsIt) {
  // Exactly 55 characters, or more after a dash: parsed, sampled bit only.
  absl::optional<TraceParent> later = ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(later->flags, 0x01) << "flags version 00 does not define are dropped";
  EXPECT_TRUE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-later").has_value());
  // Anything but a dash after the flags, or shorter than version 00: invalid.
  EXPECT_FALSE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x").has_value());
  EXPECT_FALSE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1").has_value());
}

TEST(TraceContextTest, ACallersTraceIsContinuedInASpanOfTheHubsOwn) {
  const TraceContext trace = TraceForCall({kExample});
  EXPECT_EQ(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace.parent_id, "00f067aa0ba902b7");
  EXPECT_NE(trace.span_id, trace.parent_id);
  EXPECT_EQ(trace.span_id.size(), 16u);
  EXPECT_EQ(trace.Traceparent(), absl::StrCat("00-4bf92f3577b34da6a3ce929d0e0e4736-", trace.span_id, "-01"));
  EXPECT_TRUE(ParseTraceparent(trace.Traceparent()).has_value());
  // A later version is passed on as version 00, which the hub speaks.
  const TraceContext later = TraceForCall({"cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"});
  EXPECT_EQ(later.Traceparent().substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
}

TEST(TraceContextTest, WithoutAValidTraceparentTheHubBeginsOne) {
  for (const std::vector<absl::string_view>& values :
       {std::vector<absl::string_view>{}, std::vector<absl::string_view>{"garbage"},
        std::vector<absl::string_view>{kExample, kExample}}) {
    const TraceContext trace = TraceForCall(values);
    EXPECT_NE(trace.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(trace.parent_id, "") << "the hub began it";
    EXPECT_EQ(trace.flags, 0x01);
    absl::optional<TraceParent> made = ParseTraceparent(trace.Traceparent());
    ASSERT_TRUE(made.has_value()) << trace.Traceparent();
    EXPECT_EQ(made->trace_id, trace.trace_id);
    EXPECT_EQ(made->parent_id, trace.span_id);
  }
}

TEST(TraceContextTest, NewIdsAreRandomAndNeverAllZero) {
  std::set<std::string> traces, spans;
  for (int i = 0; i < 1000; ++i) {
    const TraceContext trace = NewTrace();
    EXPECT_EQ(trace.trace_id.size(), 32u);
    EXPECT_TRUE(traces.insert(trace.trace_id).second);
    EXPECT_TRUE(spans.insert(trace.span_id).second);
    EXPECT_NE(trace.trace_id, std::string(32, '0'));
  }
}

TEST(TraceContextTest, TheHubsSpanIsReadBackFromItsTraceparent) {
  const TraceContext trace = TraceForCall({kExample});
  absl::optional<TraceContext> back = HubSpanFrom(trace.Traceparent());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->trace_id, trace.trace_id);
  EXPECT_EQ(back->span_id, trace.span_id);
  EXPECT_EQ(back->Traceparent(), trace.Traceparent());
  EXPECT_FALSE(HubSpanFrom("").has_value());
  EXPECT_EQ(TraceContext().Traceparent(), "");
}

}  // namespace
}  // namespace cre
