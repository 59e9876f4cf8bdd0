// The record of processing and register of agreements (access/
// governance_report.h) printed from a config: what the config says, the
// defaults where it is silent, and what is left to complete.
#include "access/governance_report.h"

#include "access/retention.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::HubConfig Config(const std::string& processing_record) {
  v1::HubConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    local_authority { code: "E06000015" name: "Derby City Council" }
    agency_registry {
      agencies { id: "derby-health" display_name: "Derby hospitals" role: HEALTH }
      agencies { id: "derby-csc" display_name: "Children's Social Care" role: CHILDRENS_SOCIAL_CARE }
      agencies { id: "derby-pru" display_name: "Police Referral Unit" role: POLICE_REFERRAL_UNIT }
    }
    governance {
      agreements { id: "all-isa" title: "Everyone's | agreement" review_date: "2027-01-31" }
      agreements {
        id: "police-csc"
        title: "Police and CSC"
        party_agency_ids: [ "derby-pru", "derby-csc" ]
        review_date: "2026-11-30"
      }
      requirements { method: "SubmitConcern" required: [ GOVERNANCE_FIELD_PURPOSE, GOVERNANCE_FIELD_CONSENT ] }
      hub_envelope {
        purpose: PURPOSE_CRE_PROCEDURE
        article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
        article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
        sharing_agreement_id: "all-isa"
        consent: CONSENT_NOT_SOUGHT_OTHER
        consent_note: "the procedure requires it"
      }
    }
  )pb",
                                                            &config));
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(processing_record,
                                                            config.mutable_governance()->mutable_processing_record()));
  v1::RetentionPolicy* shorter = config.mutable_governance()->mutable_retention()->add_policies();
  shorter->set_record_class(v1::RECORD_CLASS_CASE_CHILD_IN_NEED);
  shorter->set_until_age(18);
  shorter->set_years(6);
  shorter->set_source("Example Council's schedule, 2026");
  EXPECT_TRUE(CompleteRetentionConfig(config.mutable_governance()->mutable_retention()).ok());
  return config;
}

TEST(GovernanceReportTest, ListsTheRegisterWithTheAgreementsPastReview) {
  const std::string report = GovernanceReport(Config(""), absl::CivilDay(2026, 12, 5));
  EXPECT_THAT(report, HasSubstr("| `all-isa` | Everyone's \\| agreement | every agency of the registry (3) | "
                                "2027-01-31 | in date |"));
  EXPECT_THAT(report, HasSubstr("| `police-csc` | Police and CSC | derby-pru, derby-csc | 2026-11-30 | "
                                "**past its review date** |"));
  EXPECT_THAT(report, HasSubstr("1 agreement past the review date"));
}

TEST(GovernanceReportTest, SaysWhoReceivesWhatAndWhatEachMethodMustState) {
  const std::string report = GovernanceReport(Config(""), absl::CivilDay(2026, 12, 5));
  EXPECT_THAT(report, HasSubstr("| Police Referral Unit | Police Referral Unit (`derby-pru`) | every Operation "
                                "Liberty report |"));
  EXPECT_THAT(report, HasSubstr("| SubmitConcern | purpose, consent position |"));
  EXPECT_THAT(report, HasSubstr("safeguarding of children and of individuals at risk, Article 9(2)(g) and "
                                "Schedule 1 paragraph 18; under all-isa; consent not sought (the procedure "
                                "requires it)"));
  EXPECT_THAT(report, HasSubstr("- Controller: Derby City Council"));
}

TEST(GovernanceReportTest, GivesEachRecordClassItsPeriodAndSource) {
  const std::string report = GovernanceReport(Config(""), absl::CivilDay(2026, 12, 5));
  EXPECT_THAT(report, HasSubstr("## 6. Retention (Article 30(1)(f))"));
  EXPECT_THAT(report, HasSubstr("to the 18th birthday (or the last contact, if later) plus 6 years | Example "
                                "Council's schedule, 2026 |"));
  EXPECT_THAT(report, HasSubstr("| the longest of the case policies |"));
  EXPECT_THAT(report, HasSubstr("every 1h; one of them purges each record, once."));
}

TEST(GovernanceReportTest, NamesWhatTheCouncilHasNotSaid) {
  const std::string unset = GovernanceReport(Config(""), absl::CivilDay(2026, 12, 5));
  EXPECT_THAT(unset, HasSubstr("- Data protection officer: *unset*"));
  EXPECT_THAT(unset, HasSubstr("- `governance.processing_record.dpo_contact`"));

  const std::string complete = GovernanceReport(
      Config(R"pb(
        controller: "Derby City Council, Information Governance"
        controller_contact: "The Council House, Derby"
        dpo_contact: "dpo@derby.example"
        data_subject_categories: "children"
        security_measures: "hosted in the council's data centre"
      )pb"),
      absl::CivilDay(2026, 12, 5));
  EXPECT_THAT(complete, HasSubstr("- Data protection officer: dpo@derby.example"));
  EXPECT_THAT(complete, HasSubstr("- hosted in the council's data centre"));
  EXPECT_THAT(complete, HasSubstr("Whose data:\n\n- children\n\nWhat data"));
  EXPECT_THAT(complete, Not(HasSubstr("*unset*")));
  EXPECT_THAT(complete, HasSubstr("1 agreement past the review date"));
}

}  // namespace
}  // namespace cre
