#include "access/governance_report.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "access/retention.h"
#include "cre/v1/agency.pb.h"
#include "cre/v1/governance.pb.h"

namespace cre {
namespace {

// A value inside a Markdown table cell: '|' and line breaks would end it.
std::string Cell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", " "}, {"\n", " "}});
}

// The purposes, in the enum's order, with what the envelope's reader needs
// to know of each: the same words as docs/data-protection.md.
struct PurposeRow {
  v1::Purpose purpose;
  const char* name;
  const char* what;
};
constexpr PurposeRow kPurposes[] = {
    {v1::PURPOSE_SAFEGUARDING_CHILD, "Safeguarding the child",
     "identifying, assessing and reducing a child's risk of exploitation (Children Act 1989 ss.17 and 47; "
     "Children Act 2004 s.11 and s.16LA)"},
    {v1::PURPOSE_DISRUPTING_EXPLOITATION, "Disrupting exploitation",
     "preventing and detecting crime against children: Operation Liberty reports to the Police Referral Unit"},
    {v1::PURPOSE_LOOKED_AFTER_CHILD_REVIEW, "Looked-after child review",
     "a looked-after child's care plan and its independent review (Children Act 1989 ss.25A and 25B)"},
    {v1::PURPOSE_CRE_PROCEDURE, "the CRE procedure",
     "the procedure's own steps between agencies: handoffs, consultations, answers, escalations, overdue alerts"},
    {v1::PURPOSE_OTHER, "Other", "another purpose, stated with each message (purpose_detail)"},
};

const char* PurposeName(v1::Purpose purpose) {
  for (const PurposeRow& row : kPurposes) {
    if (row.purpose == purpose) return row.name;
  }
  return "unspecified";
}

const char* Article6Words(v1::Article6Basis basis) {
  switch (basis) {
    case v1::ARTICLE6_BASIS_CONSENT: return "consent, Article 6(1)(a)";
    case v1::ARTICLE6_BASIS_CONTRACT: return "contract, Article 6(1)(b)";
    case v1::ARTICLE6_BASIS_LEGAL_OBLIGATION: return "legal obligation, Article 6(1)(c)";
    case v1::ARTICLE6_BASIS_VITAL_INTERESTS: return "vital interests, Article 6(1)(d)";
    case v1::ARTICLE6_BASIS_PUBLIC_TASK: return "public task, Article 6(1)(e)";
    case v1::ARTICLE6_BASIS_LEGITIMATE_INTERESTS: return "legitimate interests, Article 6(1)(f)";
    default: return "unspecified";
  }
}

const char* Article9Words(v1::Article9Condition condition) {
  switch (condition) {
    case v1::ARTICLE9_CONDITION_EXPLICIT_CONSENT: return "explicit consent, Article 9(2)(a)";
    case v1::ARTICLE9_CONDITION_SOCIAL_PROTECTION:
      return "social protection, Article 9(2)(b) and DPA 2018 Schedule 1 paragraph 1";
    case v1::ARTICLE9_CONDITION_VITAL_INTERESTS: return "vital interests, Article 9(2)(c)";
    case v1::ARTICLE9_CONDITION_STATUTORY_PURPOSES:
      return "statutory and government purposes, Article 9(2)(g) and Schedule 1 paragraph 6";
    case v1::ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS:
      return "preventing or detecting unlawful acts, Article 9(2)(g) and Schedule 1 paragraph 10";
    case v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN:
      return "safeguarding of children and of individuals at risk, Article 9(2)(g) and Schedule 1 paragraph 18";
    case v1::ARTICLE9_CONDITION_HEALTH_OR_SOCIAL_CARE:
      return "health or social care, Article 9(2)(h) and Schedule 1 paragraph 2";
    case v1::ARTICLE9_CONDITION_NOT_APPLICABLE: return "no special category or criminal offence data";
    default: return "unspecified";
  }
}

const char* ConsentWords(v1::Consent consent) {
  switch (consent) {
    case v1::CONSENT_GIVEN: return "given";
    case v1::CONSENT_REFUSED: return "refused, shared on the basis stated";
    case v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD: return "not sought: seeking it would increase the risk to the child";
    case v1::CONSENT_NOT_SOUGHT_OTHER: return "not sought, for the reason stated";
    default: return "unspecified";
  }
}

const char* FieldWords(v1::GovernanceField field) {
  switch (field) {
    case v1::GOVERNANCE_FIELD_PURPOSE: return "purpose";
    case v1::GOVERNANCE_FIELD_ARTICLE6_BASIS: return "Article 6 basis";
    case v1::GOVERNANCE_FIELD_ARTICLE9_CONDITION: return "Article 9 condition";
    case v1::GOVERNANCE_FIELD_SHARING_AGREEMENT_ID: return "sharing agreement";
    case v1::GOVERNANCE_FIELD_CONSENT: return "consent position";
    default: return "unspecified";
  }
}

const char* RoleWords(v1::AgencyRole role) {
  switch (role) {
    case v1::HEALTH: return "Health";
    case v1::EDUCATION: return "Education";
    case v1::POLICE: return "Police";
    case v1::YOUTH_JUSTICE: return "Youth justice";
    case v1::HOUSING: return "Housing";
    case v1::PARTNER: return "Other partners";
    case v1::POLICE_REFERRAL_UNIT: return "Police Referral Unit";
    case v1::EARLY_HELP: return "Early Help";
    case v1::CHILDRENS_SOCIAL_CARE: return "Children's Social Care";
    case v1::CPM_SERVICE: return "Child Protection Manager service";
    case v1::IRO_SERVICE: return "Independent Reviewing Officer service";
    case v1::OTHER_LOCAL_AUTHORITY: return "Other local authorities";
    default: return "Unspecified role";
  }
}

// What each kind of agency receives through the hub (docs/procedure.md's
// routing), for the recipients' table.
const char* RoleReceives(v1::AgencyRole role) {
  switch (role) {
    case v1::POLICE_REFERRAL_UNIT: return "every Operation Liberty report";
    case v1::CHILDRENS_SOCIAL_CARE:
      return "step-up referrals; concerns at MEDIUM or HIGH; case updates; decisions not to share on the cases it "
             "leads";
    case v1::CPM_SERVICE:
      return "escalations and overdue alerts; the cases of the authority; a lead agency's own decisions not to share";
    case v1::IRO_SERVICE: return "notifications about looked-after children";
    case v1::OTHER_LOCAL_AUTHORITY:
      return "handoffs of this authority's children placed there; consultations about their own children placed "
             "here; decisions not to share on the cases it leads";
    case v1::EARLY_HELP: return "answers to its step-up referrals; case updates of its cases; decisions not to share on them";
    default: return "Operation Liberty reports and case updates about children it is involved with";
  }
}

// Article 30(1)(c) when the config says nothing: who the hub's records are
// about, and what they hold (docs/data-protection.md, "What the hub holds").
const std::vector<std::string>& DefaultSubjects() {
  static const std::vector<std::string> subjects = {
      "children at risk of exploitation, the subjects of concerns and cases",
      "their parents and carers, and other children, named in what agencies share",
      "people who pose a risk to children, named in Operation Liberty reports",
      "practitioners of the partner agencies who raise concerns and record casework",
      "the council's and partners' staff who sign in to the console",
  };
  return subjects;
}

const std::vector<std::string>& DefaultDataCategories() {
  static const std::vector<std::string> categories = {
      "identity: names, date of birth, address, NHS number, each agency's own reference",
      "social care: the child's plan (Early Help, child in need, child protection, looked after), risk "
      "assessments, meetings, decisions, decisions not to share",
      "special category data (Article 9): health, sex life, ethnicity, as far as a concern or assessment "
      "describes them",
      "criminal offence data (Article 10): alleged offences against and by children, in Operation Liberty reports",
      "staff accounts: username, display name, agency, role, password hash, sealed second-factor key",
      "the audit record: who did what to which case and when, with no personal data of the child",
  };
  return categories;
}

void List(std::string* out, const std::vector<std::string>& items) {
  for (const std::string& item : items) absl::StrAppend(out, "- ", item, "\n");
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

}  // namespace

std::string GovernanceReport(const v1::HubConfig& config, absl::CivilDay today) {
  const v1::GovernanceConfig& governance = config.governance();
  const v1::ProcessingRecord& record = governance.processing_record();
  const std::vector<v1::Agency> agencies(config.agency_registry().agencies().begin(),
                                         config.agency_registry().agencies().end());
  std::vector<std::string> to_complete;
  auto or_unset = [&to_complete](const std::string& value, const std::string& field) {
    if (!value.empty()) return value;
    to_complete.push_back(absl::StrCat("`governance.processing_record.", field, "`"));
    return std::string("*unset*");
  };

  const std::string authority = config.local_authority().name().empty()
                                    ? config.local_authority().code()
                                    : config.local_authority().name();
  std::string out;
  absl::StrAppend(&out, "# Record of processing activities: the CRE multi-agency referral hub\n\n",
                  "UK GDPR Article 30(1), with the register of information-sharing agreements in use. Printed on ",
                  absl::FormatCivilTime(today), " from the configuration the hub runs with, for ", authority, " (",
                  config.local_authority().code(), ").\n\n");

  absl::StrAppend(&out, "## 1. Controller (Article 30(1)(a))\n\n");
  absl::StrAppend(&out, "- Controller: ", record.controller().empty() ? authority : record.controller(), "\n");
  absl::StrAppend(&out, "- Contact: ", or_unset(record.controller_contact(), "controller_contact"), "\n");
  absl::StrAppend(&out, "- Data protection officer: ", or_unset(record.dpo_contact(), "dpo_contact"), "\n");
  if (record.joint_controllers().empty()) {
    absl::StrAppend(&out, "- Joint controllers: none named; each of the ", agencies.size(),
                    " agencies below is controller of what it shares and of its own copy of what it receives\n");
  } else {
    absl::StrAppend(&out, "- Joint controllers: ", absl::StrJoin(record.joint_controllers(), "; "), "\n");
  }

  absl::StrAppend(&out, "\n## 2. Purposes (Article 30(1)(b))\n\n",
                  "Every message names its purpose, lawful basis, agreement and consent position in its governance "
                  "envelope; the hub refuses one without what its method requires, and shows the envelope to every "
                  "recipient.\n\n| purpose | what for |\n| --- | --- |\n");
  for (const PurposeRow& row : kPurposes) absl::StrAppend(&out, "| ", row.name, " | ", row.what, " |\n");
  absl::StrAppend(&out, "\nWhat each submission must state:\n\n| method | envelope fields required |\n| --- | --- |\n");
  for (const v1::GovernanceRequirement& requirement : governance.requirements()) {
    std::vector<std::string> fields;
    for (int field : requirement.required()) fields.push_back(FieldWords(static_cast<v1::GovernanceField>(field)));
    absl::StrAppend(&out, "| ", requirement.method(), " | ", fields.empty() ? "none" : absl::StrJoin(fields, ", "),
                    " |\n");
  }
  const v1::Governance& hub = governance.hub_envelope();
  absl::StrAppend(&out, "\nWhat the hub sends itself (IRO notifications, escalations, overdue alerts): ",
                  PurposeName(hub.purpose()), "; ", Article6Words(hub.article6_basis()), "; ",
                  Article9Words(hub.article9_condition()), "; under ",
                  hub.sharing_agreement_id().empty() ? "no agreement" : hub.sharing_agreement_id(), "; consent ",
                  hub.consent() == v1::CONSENT_NOT_SOUGHT_OTHER ? "not sought" : ConsentWords(hub.consent()),
                  hub.consent_note().empty() ? "" : absl::StrCat(" (", hub.consent_note(), ")"), ".\n");

  absl::StrAppend(&out, "\n## 3. Data subjects and personal data (Article 30(1)(c))\n\nWhose data:\n\n");
  List(&out, record.data_subject_categories().empty() ? DefaultSubjects() : Strings(record.data_subject_categories()));
  absl::StrAppend(&out, "\nWhat data:\n\n");
  List(&out,
       record.personal_data_categories().empty() ? DefaultDataCategories() : Strings(record.personal_data_categories()));

  absl::StrAppend(&out, "\n## 4. Recipients (Article 30(1)(d))\n\n",
                  "The agencies of the registry, by what they are; each receives only what the procedure routes to "
                  "it, and reads only the cases it is involved with.\n\n| recipients | agencies | what they receive |\n"
                  "| --- | --- | --- |\n");
  std::map<int, std::vector<std::string>> by_role;
  for (const v1::Agency& agency : agencies) {
    by_role[agency.role()].push_back(absl::StrCat(agency.display_name(), " (`", agency.id(), "`)"));
  }
  for (const auto& [role, names] : by_role) {
    const auto agency_role = static_cast<v1::AgencyRole>(role);
    absl::StrAppend(&out, "| ", RoleWords(agency_role), " | ", Cell(absl::StrJoin(names, "; ")), " | ",
                    RoleReceives(agency_role), " |\n");
  }

  absl::StrAppend(&out, "\n## 5. Transfers abroad (Article 30(1)(e))\n\n",
                  record.international_transfers().empty()
                      ? "None: the hub sends to the agencies of the registry only."
                      : record.international_transfers(),
                  "\n");

  absl::StrAppend(&out, "\n## 6. Retention (Article 30(1)(f))\n\n",
                  "Each record is purged when its class's period ends, unless a legal hold is on its case; the audit "
                  "record keeps a tombstone of each (the content's hash, never the content).\n\n"
                  "| record | kept | source |\n| --- | --- | --- |\n");
  const RetentionSchedule schedule(governance.retention());
  for (v1::RecordClass record_class : RecordClasses()) {
    const v1::RetentionPolicy& policy = schedule.PolicyOf(record_class);
    absl::StrAppend(&out, "| ", RecordClassInWords(record_class), " | ", schedule.PolicyInWords(record_class), " | ",
                    policy.source().empty() ? "the council's own choice" : Cell(policy.source()), " |\n");
  }
  absl::StrAppend(&out, "\n",
                  governance.retention().hub_purge_disabled()
                      ? "The hubs do not purge on their own: an operator runs `hubctl retention run`."
                      : absl::StrCat("Every hub process looks for records due every ",
                                     absl::FormatDuration(schedule.purge_interval()),
                                     "; one of them purges each record, once."),
                  "\n");

  absl::StrAppend(&out, "\n## 7. Security measures (Article 30(1)(g), Article 32)\n\n");
  std::vector<std::string> measures = {
      "every agency is identified by its client certificate (mutual TLS); no other caller is answered",
      "a child's personal data, the messages and the casework are sealed at rest with AES-256-GCM under a key "
      "ring kept outside the database (docs/encryption.md)",
      "the NHS number is found by a keyed hash, never by name or date of birth",
      "an agency reads only the cases it is involved with; staff see what their agency may see",
      "a hash-chained audit record of every message, delivery, read and refusal, which `hubctl audit verify` "
      "walks (docs/audit.md)",
      "per-agency limits on calls",
  };
  if (!config.tls().crl_directory().empty()) {
    measures.push_back("revoked agency certificates are refused (a CRL directory is configured)");
  }
  if (config.has_console()) {
    measures.push_back(absl::StrCat("console staff sign in with a password (argon2id) and a second factor (TOTP); "
                                    "sessions end after ",
                                    config.console().session_idle_minutes(), " idle minutes"));
  }
  for (const std::string& measure : record.security_measures()) measures.push_back(measure);
  List(&out, measures);

  absl::StrAppend(&out, "\n## 8. Register of information-sharing agreements\n\n",
                  "| agreement | title | parties | review by | status |\n| --- | --- | --- | --- | --- |\n");
  int past_review = 0;
  for (const v1::SharingAgreement& agreement : governance.agreements()) {
    absl::CivilDay review;
    const bool parsed = absl::ParseCivilTime(agreement.review_date(), &review);
    const bool overdue = parsed && review < today;
    past_review += overdue ? 1 : 0;
    absl::StrAppend(&out, "| `", agreement.id(), "` | ", Cell(agreement.title()), " | ",
                    agreement.party_agency_ids().empty()
                        ? absl::StrCat("every agency of the registry (", agencies.size(), ")")
                        : absl::StrJoin(agreement.party_agency_ids(), ", "),
                    " | ", agreement.review_date(), " | ", overdue ? "**past its review date**" : "in date",
                    " |\n");
  }
  if (past_review > 0) {
    to_complete.push_back(absl::StrCat(past_review, " agreement", past_review == 1 ? "" : "s",
                                       " past the review date: review, then set `review_date`"));
  }

  absl::StrAppend(&out, "\n## To complete\n\n");
  if (to_complete.empty()) {
    absl::StrAppend(&out, "Nothing: every entry above is set.\n");
  } else {
    List(&out, to_complete);
  }
  return out;
}

}  // namespace cre
