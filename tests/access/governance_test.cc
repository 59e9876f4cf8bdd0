// The governance envelope's checks (access/governance.h) without a hub: the
// register and requirements as the config gives them, the defaults, and
// each field of an envelope missing or malformed, refused by name.
#include "access/governance.h"

#include <cctype>
#include <cstdlib>
#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string SourceRoot() {
  const char* root = std::getenv("CRE_SOURCE_ROOT");
  return root != nullptr ? root : CRE_SOURCE_ROOT_DEFAULT;
}

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

AgencyRegistry Registry() {
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(Parse<v1::AgencyRegistry>(R"pb(
    agencies { id: "derby-health" display_name: "Health" role: HEALTH }
    agencies { id: "derby-csc" display_name: "CSC" role: CHILDRENS_SOCIAL_CARE }
    agencies { id: "derby-pru" display_name: "PRU" role: POLICE_REFERRAL_UNIT }
  )pb"));
  EXPECT_TRUE(registry.ok()) << registry.status();
  return *std::move(registry);
}

constexpr char kRegister[] = R"pb(
  agreements { id: "all-isa" title: "Everyone's agreement" review_date: "2030-01-01" }
  agreements {
    id: "police-csc"
    title: "Police and CSC"
    party_agency_ids: [ "derby-pru", "derby-csc" ]
    review_date: "2026-01-31"
  }
)pb";

// kRegister and `more`, completed.
v1::GovernanceConfig Completed(const std::string& more = "") {
  v1::GovernanceConfig config = Parse<v1::GovernanceConfig>(absl::StrCat(kRegister, more));
  const absl::Status completed = CompleteGovernanceConfig(&config, Registry());
  EXPECT_TRUE(completed.ok()) << completed;
  return config;
}

// An envelope with every field, under the agreement every agency signed.
v1::Governance Whole() {
  return Parse<v1::Governance>(R"pb(
    purpose: PURPOSE_SAFEGUARDING_CHILD
    article6_basis: ARTICLE6_BASIS_PUBLIC_TASK
    article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN
    sharing_agreement_id: "all-isa"
    consent: CONSENT_NOT_SOUGHT_RISK_TO_CHILD
  )pb");
}

void Clear(v1::Governance* g, v1::GovernanceField field) {
  switch (field) {
    case v1::GOVERNANCE_FIELD_PURPOSE: g->clear_purpose(); break;
    case v1::GOVERNANCE_FIELD_ARTICLE6_BASIS: g->clear_article6_basis(); break;
    case v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION: g->clear_article9_condition(); break;
    case v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID: g->clear_sharing_agreement_id(); break;
    case v1::GOVERNANCE_FIELD_CONSENT: g->clear_consent(); break;
    default: break;
  }
}

std::string NameOf(v1::GovernanceField field) {
  std::string name = v1::GovernanceField_Name(field).substr(std::string("GOVERNANCE_FIELD_").size());
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

TEST(GovernanceConfigTest, EveryMethodNotGivenGetsItsDefaultAndTheHubItsEnvelope) {
  const v1::GovernanceConfig config = Completed();
  ASSERT_EQ(config.requirements_size(), static_cast<int>(GovernedMethods().size()));
  for (int i = 0; i < config.requirements_size(); ++i) {
    const Method method = GovernedMethods()[i];
    EXPECT_EQ(config.requirements(i).method(), MethodName(method));
    std::vector<v1::GovernanceField> required;
    for (int field : config.requirements(i).required()) required.push_back(static_cast<v1::GovernanceField>(field));
    EXPECT_EQ(required, DefaultRequirement(method)) << MethodName(method);
  }
  // What partners share needs everything; casework records the lawful basis.
  EXPECT_EQ(DefaultRequirement(Method::kSubmitConcern).size(), 5u);
  EXPECT_EQ(DefaultRequirement(Method::kRespond).size(), 5u);
  EXPECT_THAT(DefaultRequirement(Method::kRecordCaseEvents),
              ElementsAre(v1::GOVERNANCE_FIELD_ARTICLE6_BASIS, v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION));
  // A decision not to share tells the lead agency why something was
  // withheld: everything but the consent position.
  EXPECT_THAT(DefaultRequirement(Method::kRecordDecisionNotToShare),
              ElementsAre(v1::GOVERNANCE_FIELD_PURPOSE, v1::GOVERNANCE_FIELD_ARTICLE6_BASIS,
                          v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION, v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID));
  EXPECT_TRUE(DefaultRequirement(Method::kGetCase).empty());

  const v1::Governance& hub = config.hub_envelope();
  EXPECT_EQ(hub.purpose(), v1::PURPOSE_CRE_PROCEDURE);
  EXPECT_EQ(hub.article6_basis(), v1::ARTICLE6_BASIS_PUBLIC_TASK);
  EXPECT_EQ(hub.article9_condition(), v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  EXPECT_EQ(hub.consent(), v1::CONSENT_NOT_SOUGHT_OTHER);
  EXPECT_THAT(hub.consent_note(), HasSubstr("Sent by the hub itself"));
  EXPECT_TRUE(hub.sharing_agreement_id().empty());
}

TEST(GovernanceConfigTest, WhatTheConfigGivesIsKept) {
  const v1::GovernanceConfig config = Completed(R"pb(
    requirements { method: "RecordCaseEvents" required: [ GOVERNANCE_FIELD_PURPOSE ] }
    requirements { method: "Respond" }
    hub_envelope { sharing_agreement_id: "all-isa" article6_basis: ARTICLE6_BASIS_LEGAL_OBLIGATION }
  )pb");
  ASSERT_EQ(config.requirements_size(), static_cast<int>(GovernedMethods().size()));
  EXPECT_EQ(config.requirements(0).method(), "RecordCaseEvents");
  EXPECT_THAT(config.requirements(0).required(), ElementsAre(v1::GOVERNANCE_FIELD_PURPOSE));
  EXPECT_EQ(config.requirements(1).required_size(), 0);
  EXPECT_EQ(config.hub_envelope().article6_basis(), v1::ARTICLE6_BASIS_LEGAL_OBLIGATION);
  EXPECT_EQ(config.hub_envelope().sharing_agreement_id(), "all-isa");
  EXPECT_EQ(config.hub_envelope().purpose(), v1::PURPOSE_CRE_PROCEDURE) << "unset: the default";

  const GovernancePolicy policy(config);
  EXPECT_TRUE(policy.Check(Method::kRespond, nullptr, "derby-csc").ok()) << "nothing required";
  EXPECT_EQ(policy.Check(Method::kRecordCaseEvents, &config.hub_envelope(), "derby-csc"), absl::OkStatus());
  v1::Governance no_purpose = Whole();
  no_purpose.clear_purpose();
  EXPECT_EQ(policy.Check(Method::kRecordCaseEvents, &no_purpose, "derby-csc").message(),
            "governance.purpose: required for RecordCaseEvents");
}

TEST(GovernanceConfigTest, ABrokenEntryIsRefusedByName) {
  struct Case {
    const char* config;
    const char* error;
  };
  const Case cases[] = {
      {R"pb(agreements { title: "t" review_date: "2030-01-01" })pb", "agreements[0].id: 1-64 letters"},
      {R"pb(agreements { id: "a b" title: "t" review_date: "2030-01-01" })pb", "agreements[0].id: 1-64 letters"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            agreements { id: "a" title: "t" review_date: "2030-01-01" })pb",
       "agreements[1].id: \"a\" is given twice"},
      {R"pb(agreements { id: "a" title: " " review_date: "2030-01-01" })pb", "agreements[0].title: required"},
      {R"pb(agreements { id: "a" title: "t" party_agency_ids: "derby-youth-club" review_date: "2030-01-01" })pb",
       "agreements[0].party_agency_ids[0]: \"derby-youth-club\" is not an agency of the registry"},
      {R"pb(agreements { id: "a" title: "t" })pb", "agreements[0].review_date: required"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-02-30" })pb",
       "agreements[0].review_date: not a date YYYY-MM-DD"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            requirements { method: "GetCase" })pb",
       "requirements[0].method: \"GetCase\" is not one of SubmitConcern, "},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            requirements { method: "Respond" } requirements { method: "Respond" })pb",
       "requirements[1].method: Respond has an entry already"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            requirements { method: "Respond" required: [ GOVERNANCE_FIELD_UNSPECIFIED ] })pb",
       "requirements[0].required[0]: not a field of the envelope"},
      {"", "agreements: SubmitConcern requires a sharing_agreement_id and the register has no agreement"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            hub_envelope { sharing_agreement_id: "b" })pb",
       "hub_envelope.sharing_agreement_id: not an agreement of the register"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            hub_envelope { consent: CONSENT_NOT_SOUGHT_OTHER })pb",
       "hub_envelope.consent_note: required with CONSENT_NOT_SOUGHT_OTHER"},
      {R"pb(agreements { id: "a" title: "t" review_date: "2030-01-01" }
            hub_envelope { article6_basis: ARTICLE6_BASIS_CONSENT })pb",
       "hub_envelope.consent: must be CONSENT_GIVEN when article6_basis is ARTICLE6_BASIS_CONSENT"},
  };
  for (const Case& c : cases) {
    v1::GovernanceConfig config = Parse<v1::GovernanceConfig>(c.config);
    const absl::Status status = CompleteGovernanceConfig(&config, Registry());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.config;
    EXPECT_THAT(status.message(), HasSubstr(c.error)) << c.config;
  }
  // A register without agreements is fine when nothing requires one.
  v1::GovernanceConfig no_agreements;
  for (Method method : GovernedMethods()) no_agreements.add_requirements()->set_method(MethodName(method));
  EXPECT_TRUE(CompleteGovernanceConfig(&no_agreements, Registry()).ok());
}

TEST(GovernancePolicyTest, AWholeEnvelopeIsAcceptedForEveryMethod) {
  const GovernancePolicy policy(Completed());
  const v1::Governance whole = Whole();
  for (Method method : GovernedMethods()) {
    EXPECT_EQ(policy.Check(method, &whole, "derby-health"), absl::OkStatus()) << MethodName(method);
  }
}

TEST(GovernancePolicyTest, EachRequiredFieldMissingIsRefusedNamingItAndTheMethod) {
  const GovernancePolicy policy(Completed());
  int refusals = 0;
  for (Method method : GovernedMethods()) {
    for (v1::GovernanceField field : DefaultRequirement(method)) {
      v1::Governance envelope = Whole();
      Clear(&envelope, field);
      const absl::Status status = policy.Check(method, &envelope, "derby-health");
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(status.message(), absl::StrCat("governance.", NameOf(field), ": required for ", MethodName(method)));
      ++refusals;
    }
  }
  // Five methods need all five fields, two the lawful basis, a decision not
  // to share all but consent.
  EXPECT_EQ(refusals, 5 * 5 + 2 * 2 + 4);
  // A field a method does not require may be left out.
  v1::Governance basis_only = Whole();
  basis_only.clear_purpose();
  basis_only.clear_sharing_agreement_id();
  basis_only.clear_consent();
  EXPECT_EQ(policy.Check(Method::kRecordRiskAssessment, &basis_only, "derby-csc"), absl::OkStatus());
}

TEST(GovernancePolicyTest, NoEnvelopeIsRefusedNamingWhatTheMethodRequires) {
  const GovernancePolicy policy(Completed());
  EXPECT_EQ(policy.Check(Method::kSubmitConcern, nullptr, "derby-health").message(),
            "governance: required for SubmitConcern (purpose, article6_basis, article9_condition, "
            "sharing_agreement_id, consent)");
  EXPECT_EQ(policy.Check(Method::kRecordRiskAssessment, nullptr, "derby-csc").message(),
            "governance: required for RecordRiskAssessment (article6_basis, article9_condition)");
  EXPECT_EQ(policy.Check(Method::kGetCase, nullptr, "derby-csc"), absl::OkStatus()) << "not a submission";
}

TEST(GovernancePolicyTest, AMalformedFieldIsRefusedByNameWhetherRequiredOrNot) {
  const GovernancePolicy policy(Completed());
  struct Case {
    const char* name;
    std::function<void(v1::Governance&)> change;
    const char* caller;
    const char* error;
  };
  const Case cases[] = {
      {"unknown agreement", [](v1::Governance& g) { g.set_sharing_agreement_id("other-isa"); }, "derby-health",
       "governance.sharing_agreement_id: not an agreement of the register"},
      {"not a party", [](v1::Governance& g) { g.set_sharing_agreement_id("police-csc"); }, "derby-health",
       "governance.sharing_agreement_id: the calling agency is not a party to this agreement"},
      {"other purpose unstated", [](v1::Governance& g) { g.set_purpose(v1::PURPOSE_OTHER); }, "derby-health",
       "governance.purpose_detail: required with PURPOSE_OTHER"},
      {"detail too long", [](v1::Governance& g) { g.set_purpose_detail(std::string(1025, 'd')); }, "derby-health",
       "governance.purpose_detail: 1025 bytes; at most 1024"},
      {"not sought, no reason",
       [](v1::Governance& g) {
         g.set_consent(v1::CONSENT_NOT_SOUGHT_OTHER);
         g.set_consent_note("\t ");
       },
       "derby-health", "governance.consent_note: required with CONSENT_NOT_SOUGHT_OTHER"},
      {"note too long", [](v1::Governance& g) { g.set_consent_note(std::string(1025, 'n')); }, "derby-health",
       "governance.consent_note: 1025 bytes; at most 1024"},
      {"consent basis, refused",
       [](v1::Governance& g) {
         g.set_article6_basis(v1::ARTICLE6_BASIS_CONSENT);
         g.set_consent(v1::CONSENT_REFUSED);
       },
       "derby-health", "governance.consent: must be CONSENT_GIVEN when article6_basis is ARTICLE6_BASIS_CONSENT"},
      {"explicit consent, not sought",
       [](v1::Governance& g) { g.set_article9_condition(v1::ARTICLE9_CONDITION_EXPLICIT_CONSENT); }, "derby-health",
       "governance.consent: must be CONSENT_GIVEN when article9_condition is ARTICLE9_CONDITION_EXPLICIT_CONSENT"},
      {"purpose out of range", [](v1::Governance& g) { g.set_purpose(static_cast<v1::Purpose>(42)); },
       "derby-health", "governance.purpose: 42 is not a value of Purpose"},
      {"basis out of range", [](v1::Governance& g) { g.set_article6_basis(static_cast<v1::Article6Basis>(7)); },
       "derby-health", "governance.article6_basis: 7 is not a value of Article6Basis"},
      {"condition out of range",
       [](v1::Governance& g) { g.set_article9_condition(static_cast<v1::Article9Condition>(-1)); }, "derby-health",
       "governance.article9_condition: -1 is not a value of Article9Condition"},
      {"consent out of range", [](v1::Governance& g) { g.set_consent(static_cast<v1::Consent>(5)); },
       "derby-health", "governance.consent: 5 is not a value of Consent"},
  };
  for (const Case& c : cases) {
    v1::Governance envelope = Whole();
    c.change(envelope);
    // Risk assessments require neither the agreement nor the consent: they
    // are checked all the same when given.
    for (Method method : {Method::kSubmitConcern, Method::kRecordRiskAssessment}) {
      const absl::Status status = policy.Check(method, &envelope, c.caller);
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
      EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(c.error)) << c.name;
      EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("ddddd"))) << "never the value";
    }
  }
}

TEST(GovernancePolicyTest, APartyMayNameItsAgreementAndConsentGivenMayBeTheBasis) {
  const GovernancePolicy policy(Completed());
  v1::Governance envelope = Whole();
  envelope.set_sharing_agreement_id("police-csc");
  EXPECT_EQ(policy.Check(Method::kSendNotification, &envelope, "derby-csc"), absl::OkStatus());
  EXPECT_EQ(policy.Check(Method::kSubmitOperationLibertyReport, &envelope, "derby-pru"), absl::OkStatus());
  envelope.set_article6_basis(v1::ARTICLE6_BASIS_CONSENT);
  envelope.set_article9_condition(v1::ARTICLE9_CONDITION_EXPLICIT_CONSENT);
  envelope.set_consent(v1::CONSENT_GIVEN);
  EXPECT_EQ(policy.Check(Method::kSubmitConcern, &envelope, "derby-csc"), absl::OkStatus());
  envelope.set_purpose(v1::PURPOSE_OTHER);
  envelope.set_purpose_detail("A family group conference the family asked for");
  envelope.set_consent(v1::CONSENT_GIVEN);
  EXPECT_EQ(policy.Check(Method::kSubmitConcern, &envelope, "derby-csc"), absl::OkStatus());
}

TEST(GovernancePolicyTest, AgreementsPastTheirReviewDateAreNamed) {
  const GovernancePolicy policy(Completed());
  EXPECT_TRUE(policy.AgreementsPastReview(absl::CivilDay(2026, 1, 31)).empty()) << "due today is not past";
  EXPECT_THAT(policy.AgreementsPastReview(absl::CivilDay(2026, 2, 1)), ElementsAre("police-csc"));
  EXPECT_THAT(policy.AgreementsPastReview(absl::CivilDay(2031, 1, 1)), ElementsAre("all-isa", "police-csc"));
}

TEST(GovernancePolicyTest, TheShippedConfigCompletesAgainstTheShippedRegistry) {
  v1::AgencyRegistry registry_proto;
  ASSERT_TRUE(ReadTextProto(SourceRoot() + "/config/agencies.textproto", &registry_proto).ok());
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(registry_proto);
  ASSERT_TRUE(registry.ok()) << registry.status();
  v1::GovernanceConfig config;
  ASSERT_TRUE(ReadTextProto(SourceRoot() + "/config/governance.textproto", &config).ok());
  ASSERT_EQ(CompleteGovernanceConfig(&config, *registry), absl::OkStatus());
  const GovernancePolicy policy(config);
  EXPECT_EQ(policy.hub_envelope().sharing_agreement_id(), "derby-cre-isa-2026");
  // What the hub sends itself passes the checks a submission's envelope
  // passes (the hub is party to no agreement, so none is checked for it).
  EXPECT_EQ(policy.Check(Method::kSendNotification, &policy.hub_envelope(), ""), absl::OkStatus());
}

}  // namespace
}  // namespace cre
