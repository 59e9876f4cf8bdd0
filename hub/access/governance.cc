#include "access/governance.h"

#include "access/retention.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "access/field_bounds.h"
#include "common/status_macros.h"

namespace cre {
namespace {

using v1::GovernanceField;

constexpr size_t kMaxAgreementIdBytes = 64;

// The hub's own envelope, where the config leaves a field unset: the hub
// sends only what the procedure requires of the authority that runs it.
constexpr v1::Purpose kHubPurpose = v1::PURPOSE_CRE_PROCEDURE;
constexpr v1::Article6Basis kHubArticle6 = v1::ARTICLE6_BASIS_PUBLIC_TASK;
constexpr v1::Article9Condition kHubArticle9 = v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN;
constexpr v1::Consent kHubConsent = v1::CONSENT_NOT_SOUGHT_OTHER;
constexpr char kHubConsentNote[] =
    "Sent by the hub itself because the CRE procedure requires it; the consent position is that of "
    "the agencies' submissions on the case.";

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// The field's name in Governance, as refusals name it.
const char* FieldName(GovernanceField field) {
  switch (field) {
    case v1::GOVERNANCE_FIELD_PURPOSE: return "purpose";
    case v1::GOVERNANCE_FIELD_ARTICLE6_BASIS: return "article6_basis";
    case v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION: return "article9_condition";
    case v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID: return "sharing_agreement_id";
    case v1::GOVERNANCE_FIELD_CONSENT: return "consent";
    default: return "?";
  }
}

bool IsSet(const v1::Governance& g, GovernanceField field) {
  switch (field) {
    case v1::GOVERNANCE_FIELD_PURPOSE: return g.purpose() != v1::PURPOSE_UNSPECIFIED;
    case v1::GOVERNANCE_FIELD_ARTICLE6_BASIS: return g.article6_basis() != v1::ARTICLE6_BASIS_UNSPECIFIED;
    case v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION:
      return g.article9_condition() != v1::ARTICLE9_CONDITION_UNSPECIFIED;
    case v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID: return !g.sharing_agreement_id().empty();
    case v1::GOVERNANCE_FIELD_CONSENT: return g.consent() != v1::CONSENT_UNSPECIFIED;
    default: return true;
  }
}

bool IsBlank(const std::string& text) { return absl::StripAsciiWhitespace(text).empty(); }

bool IsAgreementId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxAgreementIdBytes) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

// The envelope's checks, shared by submissions and the hub's own envelope.
// `required` are the fields `method` needs; `caller` is the sending agency
// ("" for the hub, which is party to no agreement). Fields in declaration
// order, so that the first at fault is named.
class EnvelopeCheck {
 public:
  EnvelopeCheck(absl::string_view prefix, const std::vector<GovernanceField>& required, absl::string_view method,
                const absl::flat_hash_map<std::string, v1::SharingAgreement>& agreements)
      : prefix_(prefix), required_(required), method_(method), agreements_(agreements) {}

  absl::Status Run(const v1::Governance& g, const std::string& caller) const {
    CRE_RETURN_IF_ERROR(Required(g, v1::GOVERNANCE_FIELD_PURPOSE));
    if (!v1::Purpose_IsValid(g.purpose())) return Bad("purpose", NotAValue(g.purpose(), "Purpose"));
    if (g.purpose() == v1::PURPOSE_OTHER && IsBlank(g.purpose_detail())) {
      return Bad("purpose_detail", "required with PURPOSE_OTHER: say what the purpose is");
    }
    CRE_RETURN_IF_ERROR(Bounded(g.purpose_detail(), "purpose_detail"));
    CRE_RETURN_IF_ERROR(Required(g, v1::GOVERNANCE_FIELD_ARTICLE6_BASIS));
    if (!v1::Article6Basis_IsValid(g.article6_basis())) {
      return Bad("article6_basis", NotAValue(g.article6_basis(), "Article6Basis"));
    }
    CRE_RETURN_IF_ERROR(Required(g, v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION));
    if (!v1::Article9Condition_IsValid(g.article9_condition())) {
      return Bad("article9_condition", NotAValue(g.article9_condition(), "Article9Condition"));
    }
    CRE_RETURN_IF_ERROR(Required(g, v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID));
    if (!g.sharing_agreement_id().empty()) {
      auto found = agreements_.find(g.sharing_agreement_id());
      if (found == agreements_.end()) return Bad("sharing_agreement_id", "not an agreement of the register");
      const auto& parties = found->second.party_agency_ids();
      if (!caller.empty() && !parties.empty() && std::find(parties.begin(), parties.end(), caller) == parties.end()) {
        return Bad("sharing_agreement_id", "the calling agency is not a party to this agreement");
      }
    }
    CRE_RETURN_IF_ERROR(Required(g, v1::GOVERNANCE_FIELD_CONSENT));
    if (!v1::Consent_IsValid(g.consent())) return Bad("consent", NotAValue(g.consent(), "Consent"));
    // Consent as the lawful basis is consent that was given.
    if (g.article6_basis() == v1::ARTICLE6_BASIS_CONSENT && g.consent() != v1::CONSENT_GIVEN) {
      return Bad("consent", "must be CONSENT_GIVEN when article6_basis is ARTICLE6_BASIS_CONSENT");
    }
    if (g.article9_condition() == v1::ARTICLE9_CONDITION_EXPLICIT_CONSENT && g.consent() != v1::CONSENT_GIVEN) {
      return Bad("consent", "must be CONSENT_GIVEN when article9_condition is ARTICLE9_CONDITION_EXPLICIT_CONSENT");
    }
    if (g.consent() == v1::CONSENT_NOT_SOUGHT_OTHER && IsBlank(g.consent_note())) {
      return Bad("consent_note", "required with CONSENT_NOT_SOUGHT_OTHER: the reason consent was not sought");
    }
    return Bounded(g.consent_note(), "consent_note");
  }

 private:
  absl::Status Bad(absl::string_view field, absl::string_view problem) const {
    return Invalid(absl::StrCat(prefix_, ".", field), problem);
  }

  absl::Status Required(const v1::Governance& g, GovernanceField field) const {
    if (IsSet(g, field) || std::find(required_.begin(), required_.end(), field) == required_.end()) {
      return absl::OkStatus();
    }
    return Bad(FieldName(field), absl::StrCat("required for ", method_));
  }

  absl::Status Bounded(const std::string& text, absl::string_view field) const {
    if (text.size() <= kMaxShortTextBytes) return absl::OkStatus();
    return Bad(field, absl::StrCat(text.size(), " bytes; at most ", kMaxShortTextBytes));
  }

  static std::string NotAValue(int value, absl::string_view type) {
    return absl::StrCat(value, " is not a value of ", type);
  }

  std::string prefix_;
  const std::vector<GovernanceField>& required_;
  std::string method_;
  const absl::flat_hash_map<std::string, v1::SharingAgreement>& agreements_;
};

const Method* GovernedMethodNamed(absl::string_view name) {
  for (const Method& method : GovernedMethods()) {
    if (name == MethodName(method)) return &method;
  }
  return nullptr;
}

absl::Status CheckAgreements(const v1::GovernanceConfig& config, const AgencyRegistry& registry) {
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < config.agreements_size(); ++i) {
    const v1::SharingAgreement& agreement = config.agreements(i);
    const std::string at = absl::StrCat("agreements[", i, "]");
    if (!IsAgreementId(agreement.id())) {
      return Invalid(at + ".id", absl::StrCat("1-", kMaxAgreementIdBytes, " letters, digits, '.', '_' or '-'"));
    }
    if (!ids.insert(agreement.id()).second) {
      return Invalid(at + ".id", absl::StrCat("\"", agreement.id(), "\" is given twice"));
    }
    if (IsBlank(agreement.title())) return Invalid(at + ".title", "required");
    for (int j = 0; j < agreement.party_agency_ids_size(); ++j) {
      if (registry.FindById(agreement.party_agency_ids(j)) == nullptr) {
        return Invalid(absl::StrCat(at, ".party_agency_ids[", j, "]"),
                       absl::StrCat("\"", agreement.party_agency_ids(j), "\" is not an agency of the registry"));
      }
    }
    absl::CivilDay review;
    if (agreement.review_date().empty()) return Invalid(at + ".review_date", "required");
    if (!absl::ParseCivilTime(agreement.review_date(), &review) ||
        absl::FormatCivilTime(review) != agreement.review_date()) {
      return Invalid(at + ".review_date", "not a date YYYY-MM-DD");
    }
  }
  return absl::OkStatus();
}

// Checks the requirements given and adds the default of every governed
// method not given, in GovernedMethods' order.
absl::Status CompleteRequirements(v1::GovernanceConfig* config) {
  std::vector<Method> given;
  for (int i = 0; i < config->requirements_size(); ++i) {
    const v1::GovernanceRequirement& requirement = config->requirements(i);
    const std::string at = absl::StrCat("requirements[", i, "]");
    const Method* method = GovernedMethodNamed(requirement.method());
    if (method == nullptr) {
      std::vector<std::string> names;
      for (Method m : GovernedMethods()) names.push_back(MethodName(m));
      return Invalid(at + ".method", absl::StrCat("\"", requirement.method(), "\" is not one of ",
                                                  absl::StrJoin(names, ", ")));
    }
    if (std::find(given.begin(), given.end(), *method) != given.end()) {
      return Invalid(at + ".method", absl::StrCat(requirement.method(), " has an entry already; give one per method"));
    }
    given.push_back(*method);
    for (int j = 0; j < requirement.required_size(); ++j) {
      if (requirement.required(j) == v1::GOVERNANCE_FIELD_UNSPECIFIED ||
          !v1::GovernanceField_IsValid(requirement.required(j))) {
        return Invalid(absl::StrCat(at, ".required[", j, "]"), "not a field of the envelope");
      }
    }
  }
  for (Method method : GovernedMethods()) {
    if (std::find(given.begin(), given.end(), method) != given.end()) continue;
    v1::GovernanceRequirement* added = config->add_requirements();
    added->set_method(MethodName(method));
    for (GovernanceField field : DefaultRequirement(method)) added->add_required(field);
  }
  if (config->agreements_size() > 0) return absl::OkStatus();
  for (const v1::GovernanceRequirement& requirement : config->requirements()) {
    for (int field : requirement.required()) {
      if (field != v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID) continue;
      return Invalid("agreements", absl::StrCat(requirement.method(),
                                                " requires a sharing_agreement_id and the register has no "
                                                "agreement: add one, or a requirements entry without it"));
    }
  }
  return absl::OkStatus();
}

void FillHubEnvelope(v1::Governance* envelope) {
  if (envelope->purpose() == v1::PURPOSE_UNSPECIFIED) envelope->set_purpose(kHubPurpose);
  if (envelope->article6_basis() == v1::ARTICLE6_BASIS_UNSPECIFIED) envelope->set_article6_basis(kHubArticle6);
  if (envelope->article9_condition() == v1::ARTICLE9_CONDITION_UNSPECIFIED) {
    envelope->set_article9_condition(kHubArticle9);
  }
  if (envelope->consent() == v1::CONSENT_UNSPECIFIED) {
    envelope->set_consent(kHubConsent);
    if (envelope->consent_note().empty()) envelope->set_consent_note(kHubConsentNote);
  }
}

absl::flat_hash_map<std::string, v1::SharingAgreement> AgreementsById(const v1::GovernanceConfig& config) {
  absl::flat_hash_map<std::string, v1::SharingAgreement> by_id;
  for (const v1::SharingAgreement& agreement : config.agreements()) by_id[agreement.id()] = agreement;
  return by_id;
}

}  // namespace

const std::vector<Method>& GovernedMethods() {
  static const auto* methods = new std::vector<Method>{
      Method::kSubmitConcern,        Method::kSubmitOperationLibertyReport, Method::kRecordRiskAssessment,
      Method::kRecordCaseEvents,     Method::kSubmitStepUpReferral,         Method::kSendNotification,
      Method::kRespond,              Method::kRecordDecisionNotToShare,
  };
  return *methods;
}

std::vector<GovernanceField> DefaultRequirement(Method method) {
  switch (method) {
    case Method::kRecordRiskAssessment:
    case Method::kRecordCaseEvents:
      return {v1::GOVERNANCE_FIELD_ARTICLE6_BASIS, v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION};
    case Method::kSubmitConcern:
    case Method::kSubmitOperationLibertyReport:
    case Method::kSubmitStepUpReferral:
    case Method::kSendNotification:
    case Method::kRespond:
      return {v1::GOVERNANCE_FIELD_PURPOSE, v1::GOVERNANCE_FIELD_ARTICLE6_BASIS,
              v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION, v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID,
              v1::GOVERNANCE_FIELD_CONSENT};
    // The decision and its reason are disclosed to the lead agency: why, on
    // what basis and under which agreement, as for anything shared. Not the
    // consent position: the child or family is not asked whether the lead
    // agency may be told that something was withheld from another agency
    // because telling would harm the child (docs/data-protection.md).
    case Method::kRecordDecisionNotToShare:
      return {v1::GOVERNANCE_FIELD_PURPOSE, v1::GOVERNANCE_FIELD_ARTICLE6_BASIS,
              v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION, v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID};
    default:
      return {};
  }
}

absl::Status CompleteGovernanceConfig(v1::GovernanceConfig* config, const AgencyRegistry& registry) {
  CRE_RETURN_IF_ERROR(CheckAgreements(*config, registry));
  CRE_RETURN_IF_ERROR(CompleteRequirements(config));
  FillHubEnvelope(config->mutable_hub_envelope());
  CRE_RETURN_IF_ERROR(CompleteRetentionConfig(config->mutable_retention()));
  // Every field of the hub's envelope is set by now; the checks are those of
  // a submission's, but the hub is party to no agreement.
  static const auto* const kNone = new std::vector<GovernanceField>();
  return EnvelopeCheck("hub_envelope", *kNone, "", AgreementsById(*config)).Run(config->hub_envelope(), "");
}

GovernancePolicy::GovernancePolicy(const v1::GovernanceConfig& config)
    : agreements_(AgreementsById(config)), hub_envelope_(config.hub_envelope()) {
  for (const v1::GovernanceRequirement& requirement : config.requirements()) {
    const Method* method = GovernedMethodNamed(requirement.method());
    if (method == nullptr) continue;
    std::vector<GovernanceField>& fields = required_[*method];
    for (int field : requirement.required()) fields.push_back(static_cast<GovernanceField>(field));
  }
}

absl::Status GovernancePolicy::Check(Method method, const v1::Governance* governance,
                                     const std::string& caller_agency_id) const {
  static const auto* const kNone = new std::vector<GovernanceField>();
  auto found = required_.find(method);
  const std::vector<GovernanceField>& required = found == required_.end() ? *kNone : found->second;
  if (governance == nullptr) {
    if (required.empty()) return absl::OkStatus();
    std::vector<std::string> names;
    for (GovernanceField field : required) names.push_back(FieldName(field));
    return Invalid("governance", absl::StrCat("required for ", MethodName(method), " (",
                                              absl::StrJoin(names, ", "), ")"));
  }
  return EnvelopeCheck("governance", required, MethodName(method), agreements_).Run(*governance, caller_agency_id);
}

std::vector<std::string> GovernancePolicy::AgreementsPastReview(absl::CivilDay today) const {
  std::vector<std::string> due;
  for (const auto& [id, agreement] : agreements_) {
    absl::CivilDay review;
    if (absl::ParseCivilTime(agreement.review_date(), &review) && review < today) due.push_back(id);
  }
  std::sort(due.begin(), due.end());
  return due;
}

}  // namespace cre
