// RecordDecisionNotToShare's request checks (access/request_validation.h):
// each field of the decision missing or malformed, refused by name and never
// by its value, and a decision smuggled in among RecordCaseEvents' events
// refused. The field bounds every request keeps are field_bounds_test's; the
// same refusals over gRPC, writing nothing, are refusals_test's.
#include <string>

#include "absl/strings/str_cat.h"
#include "access/request_validation.h"
#include "cre/v1/referrals.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCase[] = "0f8e4b8a-3c2d-4b1e-9a7f-2d6c5e4b3a21";

v1::RecordDecisionNotToShareRequest Valid() {
  v1::RecordDecisionNotToShareRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat(R"(idempotency_key: "k" case_id: ")", kCase, R"("
        decision { withheld_information: "the child's disclosures at the sexual health clinic"
                   withheld_from_agency_id: "derby-police"
                   ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD
                   justification: "She would stop attending the only service she trusts."
                   decided_by: "A. Nurse" decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER
                   decided_at { seconds: 1780000000 } review_date: "2026-06-30" })"),
      &request));
  return request;
}

TEST(DecisionValidationTest, AWholeDecisionIsAccepted) {
  EXPECT_EQ(ValidateRecordDecisionNotToShare(Valid()), absl::OkStatus());
  v1::RecordDecisionNotToShareRequest by_role = Valid();
  by_role.mutable_decision()->set_withheld_from_role(v1::POLICE);
  by_role.mutable_decision()->clear_review_date();
  EXPECT_EQ(ValidateRecordDecisionNotToShare(by_role), absl::OkStatus());
  // The review on the day of the decision.
  v1::RecordDecisionNotToShareRequest same_day = Valid();
  same_day.mutable_decision()->set_review_date("2026-05-28");  // 1780000000 is 2026-05-28T20:26:40Z
  EXPECT_EQ(ValidateRecordDecisionNotToShare(same_day), absl::OkStatus());
}

TEST(DecisionValidationTest, EachFieldMissingOrMalformedIsNamed) {
  struct Row {
    const char* name;
    void (*mutate)(v1::RecordDecisionNotToShareRequest*);
    const char* refusal;
  };
  const Row rows[] = {
      {"no key", [](auto* r) { r->clear_idempotency_key(); }, "idempotency_key: required"},
      {"no case", [](auto* r) { r->clear_case_id(); }, "case_id: required"},
      {"malformed case", [](auto* r) { r->set_case_id("42"); }, "case_id: not an id the hub issued"},
      {"no decision", [](auto* r) { r->clear_decision(); }, "decision: required"},
      {"no withheld information", [](auto* r) { r->mutable_decision()->set_withheld_information(" "); },
       "decision.withheld_information: required"},
      {"withheld information too long",
       [](auto* r) { r->mutable_decision()->set_withheld_information(std::string(1025, 'x')); },
       "decision.withheld_information: 1025 bytes; at most 1024"},
      {"from nobody", [](auto* r) { r->mutable_decision()->clear_withheld_from_agency_id(); },
       "decision.withheld_from: required"},
      {"from an agency id with a space", [](auto* r) { r->mutable_decision()->set_withheld_from_agency_id("derby police"); },
       "decision.withheld_from_agency_id: not an agency id"},
      {"from an empty agency id", [](auto* r) { r->mutable_decision()->set_withheld_from_agency_id(""); },
       "decision.withheld_from_agency_id: not an agency id"},
      {"from an agency id too long",
       [](auto* r) { r->mutable_decision()->set_withheld_from_agency_id(std::string(65, 'x')); },
       "decision.withheld_from_agency_id: 65 bytes; at most 64"},
      {"from no role", [](auto* r) { r->mutable_decision()->set_withheld_from_role(v1::AGENCY_ROLE_UNSPECIFIED); },
       "decision.withheld_from_role: required"},
      {"from a role out of range",
       [](auto* r) { r->mutable_decision()->set_withheld_from_role(static_cast<v1::AgencyRole>(99)); },
       "decision.withheld_from_role: 99 is not a value of AgencyRole"},
      {"no ground", [](auto* r) { r->mutable_decision()->clear_ground(); }, "decision.ground: required"},
      {"ground out of range",
       [](auto* r) { r->mutable_decision()->set_ground(static_cast<v1::WithholdingGround>(7)); },
       "decision.ground: 7 is not a value of WithholdingGround"},
      {"no reason", [](auto* r) { r->mutable_decision()->clear_justification(); },
       "decision.justification: required"},
      {"a blank reason", [](auto* r) { r->mutable_decision()->set_justification(" \n\t"); },
       "decision.justification: required"},
      {"a reason too long", [](auto* r) { r->mutable_decision()->set_justification(std::string(8193, 'x')); },
       "decision.justification: 8193 bytes; at most 8192"},
      {"nobody decided", [](auto* r) { r->mutable_decision()->clear_decided_by(); },
       "decision.decided_by: required"},
      {"decided by a name too long", [](auto* r) { r->mutable_decision()->set_decided_by(std::string(1025, 'x')); },
       "decision.decided_by: 1025 bytes; at most 1024"},
      {"no role of whoever decided", [](auto* r) { r->mutable_decision()->clear_decided_by_role(); },
       "decision.decided_by_role: required"},
      {"decided at no time", [](auto* r) { r->mutable_decision()->clear_decided_at(); },
       "decision.decided_at: required"},
      {"decided after 2100", [](auto* r) { r->mutable_decision()->mutable_decided_at()->set_seconds(4133980800); },
       "decision.decided_at"},
      {"review date not a date", [](auto* r) { r->mutable_decision()->set_review_date("2026-02-30"); },
       "decision.review_date: not a date YYYY-MM-DD"},
      {"review date not zero-padded", [](auto* r) { r->mutable_decision()->set_review_date("2026-6-30"); },
       "decision.review_date: not a date YYYY-MM-DD"},
      {"review date too long", [](auto* r) { r->mutable_decision()->set_review_date("2026-06-30T10:00"); },
       "decision.review_date: 16 bytes; at most 10"},
      {"review before the decision", [](auto* r) { r->mutable_decision()->set_review_date("2026-05-27"); },
       "decision.review_date: before the day of decision.decided_at"},
  };
  for (const Row& row : rows) {
    v1::RecordDecisionNotToShareRequest request = Valid();
    row.mutate(&request);
    const absl::Status status = ValidateRecordDecisionNotToShare(request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << row.name << ": " << status;
    EXPECT_THAT(std::string(status.message()), StartsWith(row.refusal)) << row.name;
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("xxxxxxxx"))) << row.name;
  }
}

TEST(DecisionValidationTest, RecordCaseEventsTakesNoDecisionNotToShare) {
  v1::RecordCaseEventsRequest events;
  events.set_idempotency_key("k");
  events.set_case_id(kCase);
  v1::CaseEvent* event = events.add_events();
  event->set_kind(v1::EVENT_KIND_DECISION_NOT_TO_SHARE);
  event->mutable_occurred_at()->set_seconds(1780000000);
  EXPECT_EQ(ValidateRecordCaseEvents(events),
            absl::InvalidArgumentError(
                "events[0].kind: a decision not to share is recorded by RecordDecisionNotToShare"));
  event->set_kind(v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD);
  *event->mutable_decision_not_to_share() = Valid().decision();
  EXPECT_EQ(ValidateRecordCaseEvents(events),
            absl::InvalidArgumentError("events[0].decision_not_to_share: recorded by RecordDecisionNotToShare only"));
}

}  // namespace
}  // namespace cre
