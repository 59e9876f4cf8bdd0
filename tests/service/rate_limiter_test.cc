// The per-agency rate limiter alone (no gRPC, no clock: every time is given),
// and how the hub's config completes and checks its rate_limit section.
#include "service/rate_limiter.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/hub_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

v1::AgencyRegistry RegistryProto() {
  v1::AgencyRegistry proto;
  for (const char* id : {"derby-health", "derby-school-ashgrove", "derby-pru"}) {
    v1::Agency* agency = proto.add_agencies();
    agency->set_id(id);
    agency->set_display_name(id);
    agency->set_role(v1::HEALTH);
  }
  return proto;
}

AgencyRegistry Registry() { return *AgencyRegistry::Create(RegistryProto()); }

void SetLimit(v1::RateLimit* limit, double per_second, uint32_t burst) {
  limit->set_per_second(per_second);
  limit->set_burst(burst);
}

// Every class at 10 a second, burst 5; 3 open streams.
v1::RateLimitConfig SmallLimits() {
  v1::RateLimitConfig config;
  SetLimit(config.mutable_submissions(), 10, 5);
  SetLimit(config.mutable_reads(), 10, 5);
  SetLimit(config.mutable_acknowledgements(), 10, 5);
  SetLimit(config.mutable_stream_opens(), 10, 5);
  SetLimit(config.mutable_other_calls(), 10, 5);
  config.set_max_open_streams(3);
  return config;
}

std::shared_ptr<RateLimiter> Limiter(const v1::RateLimitConfig& config) {
  absl::StatusOr<std::shared_ptr<RateLimiter>> limiter = RateLimiter::Create(config, Registry(), kStart);
  EXPECT_TRUE(limiter.ok()) << limiter.status();
  return *limiter;
}

constexpr char kSubmit[] = "/cre.v1.Referrals/SubmitConcern";
constexpr char kSubscribe[] = "/cre.v1.Inbox/Subscribe";

// Calls `method` `n` times at `at`; how many were admitted.
int AdmitMany(RateLimiter& limiter, absl::string_view agency, absl::string_view method, int n, absl::Time at) {
  int admitted = 0;
  for (int i = 0; i < n; ++i) admitted += limiter.Admit(agency, method, at).admitted ? 1 : 0;
  return admitted;
}

TEST(ClassifyMethodTest, EveryMethodOfTheHubHasItsClass) {
  for (const char* method :
       {"/cre.v1.Referrals/SubmitConcern", "/cre.v1.Referrals/SubmitOperationLibertyReport",
        "/cre.v1.Referrals/RecordRiskAssessment", "/cre.v1.Referrals/RecordCaseEvents",
        "/cre.v1.Referrals/SubmitStepUpReferral", "/cre.v1.Referrals/SendNotification",
        "/cre.v1.Referrals/RecordDecisionNotToShare", "/cre.v1.Referrals/Respond"}) {
    EXPECT_EQ(ClassifyMethod(method), CallClass::kSubmission) << method;
  }
  for (const char* method : {"/cre.v1.Referrals/GetCase", "/cre.v1.Oversight/ListOpenActions",
                             "/cre.v1.Directory/WhoAmI", "/cre.v1.Directory/ListAgencies"}) {
    EXPECT_EQ(ClassifyMethod(method), CallClass::kRead) << method;
  }
  EXPECT_EQ(ClassifyMethod("/cre.v1.Inbox/Acknowledge"), CallClass::kAcknowledgement);
  EXPECT_EQ(ClassifyMethod("/cre.v1.Inbox/Subscribe"), CallClass::kStreamOpen);
  for (const char* method :
       {"/grpc.health.v1.Health/Check", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/cre.v1.Referrals/NoSuchMethod", "/cre.v1.Inbox/Other", "", "/cre.v1.Referrals",
        "/x/cre.v1.Referrals/SubmitConcern"}) {
    EXPECT_EQ(ClassifyMethod(method), CallClass::kOther) << method;
  }
}

TEST(TokenBucketTest, GivesTheBurstAtOnceThenTheRate) {
  TokenBucket bucket(/*per_second=*/4, /*burst=*/3, kStart);
  absl::Duration wait;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.TryTake(kStart, &wait)) << i;
  ASSERT_FALSE(bucket.TryTake(kStart, &wait));
  EXPECT_EQ(wait, absl::Milliseconds(250));  // one token at 4 a second
  // 100 ms later, 0.4 of a token: still 150 ms to wait.
  ASSERT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(100), &wait));
  EXPECT_LT(absl::AbsDuration(wait - absl::Milliseconds(150)), absl::Microseconds(1)) << wait;
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Milliseconds(250), &wait));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(250), &wait));
}

TEST(TokenBucketTest, RefillsNoFurtherThanTheBurst) {
  TokenBucket bucket(100, 2, kStart);
  absl::Duration wait;
  const absl::Time later = kStart + absl::Hours(1);
  EXPECT_TRUE(bucket.TryTake(later, &wait));
  EXPECT_TRUE(bucket.TryTake(later, &wait));
  EXPECT_FALSE(bucket.TryTake(later, &wait));
}

TEST(TokenBucketTest, AClockThatStepsBackRefillsNothing) {
  TokenBucket bucket(1, 1, kStart);
  absl::Duration wait;
  EXPECT_TRUE(bucket.TryTake(kStart, &wait));
  EXPECT_FALSE(bucket.TryTake(kStart - absl::Hours(1), &wait));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(500), &wait));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Seconds(1), &wait));
}

TEST(TokenBucketTest, FractionalRates) {
  TokenBucket bucket(0.5, 1, kStart);  // one call every 2 s
  absl::Duration wait;
  EXPECT_TRUE(bucket.TryTake(kStart, &wait));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Seconds(1), &wait));
  EXPECT_EQ(wait, absl::Seconds(1));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Seconds(2), &wait));
}

TEST(RateLimiterTest, RefusesOverTheBurstNamingTheLimitAndTheWait) {
  v1::RateLimitConfig config = SmallLimits();
  SetLimit(config.mutable_submissions(), 50, 100);
  std::shared_ptr<RateLimiter> limiter = Limiter(config);
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", kSubmit, 100, kStart), 100);
  RateLimitDecision refused = limiter->Admit("derby-health", kSubmit, kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.call_class, CallClass::kSubmission);
  EXPECT_EQ(refused.reason,
            "rate limit: derby-health may make 50 submissions a second (burst 100); retry after 20ms");
  // Served again once the wait is over.
  EXPECT_TRUE(limiter->Admit("derby-health", kSubmit, kStart + absl::Milliseconds(20)).admitted);
}

TEST(RateLimiterTest, RetryDelayIsRoundedUpToTheMillisecond) {
  v1::RateLimitConfig config = SmallLimits();
  SetLimit(config.mutable_reads(), 3, 1);
  std::shared_ptr<RateLimiter> limiter = Limiter(config);
  ASSERT_TRUE(limiter->Admit("derby-health", "/cre.v1.Directory/WhoAmI", kStart).admitted);
  RateLimitDecision refused = limiter->Admit("derby-health", "/cre.v1.Directory/WhoAmI", kStart);
  EXPECT_THAT(refused.reason, HasSubstr("may make 3 reads a second (burst 1); retry after 334ms"));
}

TEST(RateLimiterTest, ClassesAndAgenciesHaveBucketsOfTheirOwn) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", kSubmit, 10, kStart), 5);
  // The same agency's reads and acknowledgements, another agency's
  // submissions: untouched.
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", "/cre.v1.Referrals/GetCase", 5, kStart), 5);
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", "/cre.v1.Inbox/Acknowledge", 5, kStart), 5);
  EXPECT_EQ(AdmitMany(*limiter, "derby-school-ashgrove", kSubmit, 5, kStart), 5);
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", "/grpc.health.v1.Health/Check", 10, kStart), 5);
}

TEST(RateLimiterTest, AnAgencysOwnLimitsReplaceTheHubWideOnesFieldByField) {
  v1::RateLimitConfig config = SmallLimits();
  v1::AgencyRateLimit* pru = config.add_agencies();
  pru->set_agency_id("derby-pru");
  pru->mutable_acknowledgements()->set_burst(20);  // per_second unset: the hub-wide 10
  pru->set_max_open_streams(1);
  std::shared_ptr<RateLimiter> limiter = Limiter(config);
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", "/cre.v1.Inbox/Acknowledge", 30, kStart), 20);
  EXPECT_THAT(limiter->Admit("derby-pru", "/cre.v1.Inbox/Acknowledge", kStart).reason,
              HasSubstr("may make 10 acknowledgements a second (burst 20)"));
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", kSubmit, 10, kStart), 5);
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", "/cre.v1.Inbox/Acknowledge", 30, kStart), 5);
  limiter->StreamOpened("derby-pru");
  EXPECT_FALSE(limiter->Admit("derby-pru", kSubscribe, kStart).admitted);
}

TEST(RateLimiterTest, RecordsTheFirstRefusalOfAnAgencyAndClassInASecond) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  ASSERT_EQ(AdmitMany(*limiter, "derby-health", kSubmit, 5, kStart), 5);
  RateLimitDecision first = limiter->Admit("derby-health", kSubmit, kStart);
  EXPECT_TRUE(first.record);
  EXPECT_EQ(first.unrecorded_before, 0);
  for (int i = 0; i < 7; ++i) {
    EXPECT_FALSE(limiter->Admit("derby-health", kSubmit, kStart + absl::Milliseconds(10 * i)).record) << i;
  }
  // Another class of the same agency is sampled on its own.
  ASSERT_EQ(AdmitMany(*limiter, "derby-health", "/cre.v1.Referrals/GetCase", 5, kStart), 5);
  EXPECT_TRUE(limiter->Admit("derby-health", "/cre.v1.Referrals/GetCase", kStart).record);
  // A second on, the next refusal is recorded with the count of those not
  // recorded. (The bucket has refilled ten tokens by then: empty it first.)
  const absl::Time later = kStart + absl::Seconds(1);
  ASSERT_EQ(AdmitMany(*limiter, "derby-health", kSubmit, 5, later), 5);
  RateLimitDecision next = limiter->Admit("derby-health", kSubmit, later);
  EXPECT_FALSE(next.admitted);
  EXPECT_TRUE(next.record);
  EXPECT_EQ(next.unrecorded_before, 7);
}

TEST(RateLimiterTest, CapsOpenStreamsUntilOneEnds) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(limiter->Admit("derby-pru", kSubscribe, kStart).admitted) << i;
    limiter->StreamOpened("derby-pru");
  }
  RateLimitDecision refused = limiter->Admit("derby-pru", kSubscribe, kStart);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.call_class, CallClass::kStreamOpen);
  EXPECT_EQ(refused.reason,
            "stream limit: derby-pru may hold 3 inbox streams open at once on this hub; "
            "retry after one of them ends");
  EXPECT_EQ(limiter->OpenStreams("derby-pru"), 3);
  // Other agencies' streams are counted apart.
  EXPECT_TRUE(limiter->Admit("derby-health", kSubscribe, kStart).admitted);
  limiter->StreamClosed("derby-pru");
  EXPECT_EQ(limiter->OpenStreams("derby-pru"), 2);
  // A refusal by the cap took no token: two of the burst of 5 are left.
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", kSubscribe, 5, kStart), 2);
}

TEST(RateLimiterTest, StreamCountsNeverGoNegativeAndIgnoreUnknownAgencies) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  limiter->StreamClosed("derby-pru");
  EXPECT_EQ(limiter->OpenStreams("derby-pru"), 0);
  limiter->StreamOpened("not-registered");
  EXPECT_EQ(limiter->OpenStreams("not-registered"), 0);
}

TEST(RateLimiterTest, AnAgencyNotInTheRegistryIsLeftToTheIdentityCheck) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  EXPECT_EQ(AdmitMany(*limiter, "not-registered", kSubmit, 50, kStart), 50);
}

TEST(RateLimiterTest, CreateRefusesWhatCompleteHubConfigWouldHaveRefused) {
  v1::RateLimitConfig unknown = SmallLimits();
  unknown.add_agencies()->set_agency_id("nobody");
  absl::StatusOr<std::shared_ptr<RateLimiter>> limiter = RateLimiter::Create(unknown, Registry(), kStart);
  EXPECT_EQ(limiter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(limiter.status().message(), HasSubstr("rate_limit.agencies[0].agency_id: \"nobody\""));

  v1::RateLimitConfig zero = SmallLimits();
  zero.mutable_reads()->set_burst(0);
  limiter = RateLimiter::Create(zero, Registry(), kStart);
  EXPECT_EQ(limiter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(limiter.status().message(), HasSubstr("rate_limit.reads:"));

  v1::RateLimitConfig uncompleted;  // never through CompleteHubConfig
  EXPECT_FALSE(RateLimiter::Create(uncompleted, Registry(), kStart).ok());
}

TEST(RateLimiterTest, ConcurrentCallsTakeExactlyTheBurst) {
  v1::RateLimitConfig config = SmallLimits();
  SetLimit(config.mutable_submissions(), 1, 1000);
  std::shared_ptr<RateLimiter> limiter = Limiter(config);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] { admitted += AdmitMany(*limiter, "derby-health", kSubmit, 500, kStart); });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1000);
}

// rate_limit in the hub's config: CompleteHubConfig fills it in and checks it.
v1::HubConfig MinimalHubConfig() {
  v1::HubConfig config;
  config.mutable_local_authority()->set_code("E06000015");
  config.set_listen_address("127.0.0.1:0");
  config.mutable_tls()->set_server_cert_file("hub.crt");
  config.mutable_tls()->set_server_key_file("hub.key");
  config.mutable_tls()->set_client_ca_file("ca.crt");
  config.mutable_database()->set_host("127.0.0.1");
  config.mutable_database()->set_user("cre_hub");
  config.mutable_database()->set_schema("cre_hub");
  config.set_pathway_policy_file("policy.textproto");
  config.set_bank_holiday_changes_file("bank_holiday_changes.textproto");
  config.set_field_key_file("field-keys.txt");
  *config.mutable_agency_registry() = RegistryProto();
  v1::SharingAgreement* agreement = config.mutable_governance()->add_agreements();
  agreement->set_id("isa");
  agreement->set_title("An information-sharing agreement");
  agreement->set_review_date("2030-01-01");
  return config;
}

// What the metrics show (cre_rate_limit_refusals_total): every refusal
// counted by agency and kind, whether recorded in the audit chain or not.
TEST(RateLimiterTest, RefusalsAreCountedByAgencyAndKind) {
  std::shared_ptr<RateLimiter> limiter = Limiter(SmallLimits());
  EXPECT_TRUE(limiter->Refusals().empty());
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", kSubmit, 8, kStart), 5);
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", "/cre.v1.Directory/WhoAmI", 6, kStart), 5);
  for (int i = 0; i < 3; ++i) limiter->StreamOpened("derby-health");
  EXPECT_FALSE(limiter->Admit("derby-health", kSubscribe, kStart).admitted);
  std::vector<std::string> rows;
  for (const RateLimitRefusals& r : limiter->Refusals()) rows.push_back(absl::StrCat(r.agency_id, " ", r.kind, " ", r.refused));
  EXPECT_THAT(rows, ::testing::UnorderedElementsAre("derby-pru submissions 3", "derby-pru reads 1",
                                                    "derby-health open_streams 1"));
}

TEST(RateLimitConfigTest, DefaultsAreFilledInAndAnAgencyEntryInheritsThem) {
  v1::HubConfig config = MinimalHubConfig();
  v1::AgencyRateLimit* pru = config.mutable_rate_limit()->add_agencies();
  pru->set_agency_id("derby-pru");
  pru->mutable_acknowledgements()->set_per_second(5000);
  ASSERT_TRUE(CompleteHubConfig(&config).ok());
  const v1::RateLimitConfig& limits = config.rate_limit();
  EXPECT_EQ(limits.submissions().per_second(), kDefaultSubmissionsPerSecond);
  EXPECT_EQ(limits.submissions().burst(), kDefaultSubmissionsBurst);
  EXPECT_EQ(limits.reads().per_second(), kDefaultReadsPerSecond);
  EXPECT_EQ(limits.acknowledgements().burst(), kDefaultAcknowledgementsBurst);
  EXPECT_EQ(limits.stream_opens().burst(), kDefaultStreamOpensBurst);
  EXPECT_EQ(limits.other_calls().per_second(), kDefaultOtherCallsPerSecond);
  EXPECT_EQ(limits.max_open_streams(), kDefaultMaxOpenStreams);
  EXPECT_EQ(limits.agencies(0).acknowledgements().per_second(), 5000);
  EXPECT_EQ(limits.agencies(0).acknowledgements().burst(), kDefaultAcknowledgementsBurst);
  EXPECT_EQ(limits.agencies(0).submissions().per_second(), kDefaultSubmissionsPerSecond);
  EXPECT_EQ(limits.agencies(0).max_open_streams(), kDefaultMaxOpenStreams);
  EXPECT_TRUE(RateLimiter::Create(limits, Registry(), kStart).ok());
}

TEST(RateLimitConfigTest, DefaultsLetTheBenchmarkAndTheTestsThrough) {
  // The benchmark opens 100 streams per agency at once and submits several
  // hundred a second per agency; many_subscribers_test opens 1,000 streams
  // as one agency.
  v1::HubConfig config = MinimalHubConfig();
  ASSERT_TRUE(CompleteHubConfig(&config).ok());
  std::shared_ptr<RateLimiter> limiter = Limiter(config.rate_limit());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter->Admit("derby-pru", kSubscribe, kStart).admitted) << i;
    limiter->StreamOpened("derby-pru");
  }
  EXPECT_EQ(AdmitMany(*limiter, "derby-health", kSubmit, 4000, kStart), 4000);
  EXPECT_EQ(AdmitMany(*limiter, "derby-pru", "/cre.v1.Inbox/Acknowledge", 4000, kStart), 4000);
}

TEST(RateLimitConfigTest, MistakesAreRefusedNamingTheField) {
  struct Case {
    const char* name;
    std::function<void(v1::RateLimitConfig&)> change;
    const char* error;
  };
  const Case cases[] = {
      {"negative rate", [](v1::RateLimitConfig& c) { c.mutable_submissions()->set_per_second(-1); },
       "rate_limit.submissions.per_second: must be a positive number"},
      {"NaN rate", [](v1::RateLimitConfig& c) { c.mutable_reads()->set_per_second(std::nan("")); },
       "rate_limit.reads.per_second"},
      {"infinite rate",
       [](v1::RateLimitConfig& c) { c.mutable_other_calls()->set_per_second(HUGE_VAL); },
       "rate_limit.other_calls.per_second"},
      {"unknown agency", [](v1::RateLimitConfig& c) { c.add_agencies()->set_agency_id("derby-nobody"); },
       "rate_limit.agencies[0].agency_id: \"derby-nobody\" is not an agency of the registry"},
      {"two entries",
       [](v1::RateLimitConfig& c) {
         c.add_agencies()->set_agency_id("derby-pru");
         c.add_agencies()->set_agency_id("derby-pru");
       },
       "rate_limit.agencies[1].agency_id: \"derby-pru\" has an entry already"},
      {"agency's negative rate",
       [](v1::RateLimitConfig& c) {
         v1::AgencyRateLimit* a = c.add_agencies();
         a->set_agency_id("derby-pru");
         a->mutable_stream_opens()->set_per_second(-3);
       },
       "rate_limit.agencies[0].stream_opens.per_second"},
  };
  for (const Case& c : cases) {
    v1::HubConfig config = MinimalHubConfig();
    c.change(*config.mutable_rate_limit());
    absl::Status status = CompleteHubConfig(&config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(status.message(), HasSubstr(c.error)) << c.name;
  }
}

}  // namespace
}  // namespace cre
