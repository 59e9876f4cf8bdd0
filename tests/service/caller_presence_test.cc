// CallerPresence: each agency's latest call, kept without a lock; and the
// call gate telling it of every call an agency's own system makes, admitted
// or refused, but not of the console's staff.
#include "service/caller_presence.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/call_gate.h"

namespace cre {
namespace {

using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const absl::Time kT = absl::FromUnixSeconds(1796000000);

TEST(CallerPresenceTest, KeepsEachAgencysLatestCallAndOnlyRegisteredAgencies) {
  CallerPresence presence({"derby-pru", "derby-csc", "derby-iro"});
  EXPECT_THAT(presence.LastCalls(), IsEmpty());
  presence.Called("derby-pru", kT);
  presence.Called("derby-pru", kT - absl::Seconds(5));  // an earlier call recorded late
  presence.Called("derby-csc", kT + absl::Microseconds(7));
  presence.Called("not-registered", kT);
  EXPECT_THAT(presence.LastCalls(),
              UnorderedElementsAre(Pair("derby-pru", kT), Pair("derby-csc", kT + absl::Microseconds(7))));
}

TEST(CallerPresenceTest, CallsFromManyThreadsLeaveTheLatest) {
  CallerPresence presence({"derby-pru"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&presence, t] {
      for (int i = 0; i < 10000; ++i) presence.Called("derby-pru", kT + absl::Microseconds(i * 4 + t));
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(presence.LastCalls(), UnorderedElementsAre(Pair("derby-pru", kT + absl::Microseconds(39999))));
}

TEST(CallerPresenceTest, TheGateRecordsAgencySystemsCallsAdmittedOrRefusedButNotStaffs) {
  auto presence = std::make_shared<CallerPresence>(std::vector<std::string>{"derby-pru", "derby-cpm", "school"});
  CallGate gate(nullptr, [](v1::AuditRecord) {}, presence);
  auto call_as = [](const std::string& id, v1::AgencyRole role, const std::string& staff_id) {
    CallContext call;
    call.caller.set_id(id);
    call.caller.set_role(role);
    call.staff_id = staff_id;
    return call;
  };
  const absl::Time before = absl::Now();
  EXPECT_TRUE(gate.Admit(call_as("derby-pru", v1::POLICE_REFERRAL_UNIT, ""), Method::kWhoAmI, [](const absl::Status&) {}));
  // Refused (a school may not list open actions): still a call it made.
  absl::Status refused;
  EXPECT_FALSE(gate.Admit(call_as("school", v1::EDUCATION, ""), Method::kListOpenActions,
                          [&refused](const absl::Status& status) { refused = status; }));
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  // A member of staff acting for the CPM service through the console.
  EXPECT_TRUE(gate.Admit(call_as("derby-cpm", v1::CPM_SERVICE, "a.khan"), Method::kListOpenActions,
                         [](const absl::Status&) {}));
  const absl::Time after = absl::Now();
  std::vector<std::string> seen;
  for (const auto& [agency_id, at] : presence->LastCalls()) {
    seen.push_back(agency_id);
    EXPECT_GE(at, before - absl::Microseconds(1)) << agency_id;
    EXPECT_LE(at, after) << agency_id;
  }
  EXPECT_THAT(seen, UnorderedElementsAre("derby-pru", "school"));
}

// The certificate each agency last called with, for its expiry: the
// latest call's, whatever its expiry; only registered agencies.
TEST(CallerPresenceTest, KeepsTheCertificateOfEachAgencysLatestCall) {
  CallerPresence presence({"derby-pru", "derby-health"});
  EXPECT_TRUE(presence.CertificatesSeen().empty());
  const absl::Time june = absl::FromUnixSeconds(1811808000);
  presence.CertificateSeen("derby-pru", june);
  presence.CertificateSeen("derby-pru", june - absl::Hours(24));  // back to an older one
  presence.CertificateSeen("stranger", june);
  std::vector<std::pair<std::string, absl::Time>> seen = presence.CertificatesSeen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "derby-pru");
  EXPECT_EQ(seen[0].second, june - absl::Hours(24));
}

}  // namespace
}  // namespace cre
