#include "access/retention.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cre {

namespace {

constexpr int kMaxYears = 200;
constexpr int kMaxDays = 36500;
constexpr int kMaxAge = 120;
constexpr int kMinPurgeIntervalSeconds = 10;
constexpr int kMaxPurgeIntervalSeconds = 7 * 24 * 3600;

bool IsCaseClass(v1::RecordClass c) {
  return c != v1::RECORD_CLASS_UNSPECIFIED && c != v1::RECORD_CLASS_MESSAGE_PAYLOAD;
}

v1::RetentionPolicy Policy(v1::RecordClass c, int until_age, int years, int days, const std::string& source) {
  v1::RetentionPolicy p;
  p.set_record_class(c);
  p.set_until_age(until_age);
  p.set_years(years);
  p.set_days(days);
  p.set_source(source);
  return p;
}

std::string Ordinal(int n) {
  const int tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return absl::StrCat(n, suffix);
}

std::string Period(int years, int days) {
  std::string out;
  if (years > 0) absl::StrAppend(&out, years, years == 1 ? " year" : " years");
  if (days > 0) absl::StrAppend(&out, out.empty() ? "" : " and ", days, days == 1 ? " day" : " days");
  return out;
}

}  // namespace

const std::vector<v1::RecordClass>& RecordClasses() {
  static const std::vector<v1::RecordClass> classes = {
      v1::RECORD_CLASS_MESSAGE_PAYLOAD,         v1::RECORD_CLASS_CASE_LOOKED_AFTER,
      v1::RECORD_CLASS_CASE_CHILD_PROTECTION,   v1::RECORD_CLASS_CASE_CHILD_IN_NEED,
      v1::RECORD_CLASS_CASE_EARLY_HELP,         v1::RECORD_CLASS_CASE_NO_PLAN,
      v1::RECORD_CLASS_CASE_PLAN_UNKNOWN,
  };
  return classes;
}

std::string RecordClassInWords(v1::RecordClass c) {
  switch (c) {
    case v1::RECORD_CLASS_MESSAGE_PAYLOAD: return "message payload";
    case v1::RECORD_CLASS_CASE_LOOKED_AFTER: return "case, looked-after child";
    case v1::RECORD_CLASS_CASE_CHILD_PROTECTION: return "case, child protection plan";
    case v1::RECORD_CLASS_CASE_CHILD_IN_NEED: return "case, child in need plan";
    case v1::RECORD_CLASS_CASE_EARLY_HELP: return "case, Early Help";
    case v1::RECORD_CLASS_CASE_NO_PLAN: return "case, no plan";
    case v1::RECORD_CLASS_CASE_PLAN_UNKNOWN: return "case, plan not recorded";
    default: return "unspecified";
  }
}

std::string RecordClassName(v1::RecordClass c) {
  std::string out(absl::StripPrefix(v1::RecordClass_Name(c), "RECORD_CLASS_"));
  return absl::AsciiStrToLower(out);
}

std::vector<v1::RetentionPolicy> DefaultRetentionPolicies() {
  return {
      Policy(v1::RECORD_CLASS_MESSAGE_PAYLOAD, 0, 1, 0,
             "project default: each recipient keeps its own copy; the hub's is kept a year after delivery"),
      Policy(v1::RECORD_CLASS_CASE_LOOKED_AFTER, 75, 0, 0,
             "Care Planning, Placement and Case Review (England) Regulations 2010, reg. 50 (as in e.g. "
             "Blackpool Council's children's services retention schedule)"),
      Policy(v1::RECORD_CLASS_CASE_CHILD_PROTECTION, 0, 35, 0,
             "example: Blackpool Council's children's services retention schedule (child protection "
             "records, 35 years after last contact)"),
      Policy(v1::RECORD_CLASS_CASE_CHILD_IN_NEED, 18, 3, 0,
             "example: Devon County Council's children's social care retention schedule (children in "
             "need, until 18 plus a further three years of inactivity)"),
      Policy(v1::RECORD_CLASS_CASE_EARLY_HELP, 18, 3, 0,
             "project default: as a child in need (Devon's schedule); North Somerset Council keeps early "
             "help records to the child's 30th birthday"),
      Policy(v1::RECORD_CLASS_CASE_NO_PLAN, 18, 3, 0,
             "project default: as a child in need (Devon's schedule)"),
  };
}

absl::Status CompleteRetentionConfig(v1::RetentionConfig* config) {
  std::set<v1::RecordClass> seen;
  for (int i = 0; i < config->policies_size(); ++i) {
    const v1::RetentionPolicy& p = config->policies(i);
    const std::string at = absl::StrCat("retention.policies[", i, "]");
    if (p.record_class() == v1::RECORD_CLASS_UNSPECIFIED || !v1::RecordClass_IsValid(p.record_class())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".record_class: required"));
    }
    const std::string name = v1::RecordClass_Name(p.record_class());
    if (p.record_class() == v1::RECORD_CLASS_CASE_PLAN_UNKNOWN) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ".record_class: ", name, " takes the longest case policy; it has no policy of its own"));
    }
    if (!seen.insert(p.record_class()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".record_class: ", name, " has a policy already"));
    }
    if (p.years() < 0 || p.years() > kMaxYears) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".years: ", p.years(), " is not a number of years (0 to ", kMaxYears, ")"));
    }
    if (p.days() < 0 || p.days() > kMaxDays) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".days: ", p.days(), " is not a number of days (0 to ", kMaxDays, ")"));
    }
    if (p.until_age() < 0 || p.until_age() > kMaxAge) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".until_age: ", p.until_age(), " is not an age (0 to ", kMaxAge, ")"));
    }
    if (p.record_class() == v1::RECORD_CLASS_MESSAGE_PAYLOAD && p.until_age() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".until_age: a message payload is kept from its delivery, not to an age"));
    }
    if (p.until_age() == 0 && p.years() == 0 && p.days() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, ": no period for ", name, ": give years, days or (for a case) until_age; a zero period would "
          "purge records as soon as they are settled"));
    }
  }
  for (v1::RetentionPolicy& p : DefaultRetentionPolicies()) {
    if (seen.count(p.record_class()) == 0) *config->add_policies() = std::move(p);
  }
  if (config->purge_interval_seconds() == 0) config->set_purge_interval_seconds(kDefaultPurgeIntervalSeconds);
  if (config->purge_interval_seconds() < kMinPurgeIntervalSeconds ||
      config->purge_interval_seconds() > kMaxPurgeIntervalSeconds) {
    return absl::InvalidArgumentError(absl::StrCat("retention.purge_interval_seconds: ",
                                                   config->purge_interval_seconds(), " is out of range (",
                                                   kMinPurgeIntervalSeconds, " to ", kMaxPurgeIntervalSeconds,
                                                   ")"));
  }
  return absl::OkStatus();
}

v1::RecordClass CaseClassOf(const v1::Child& facts) {
  if (facts.looked_after()) return v1::RECORD_CLASS_CASE_LOOKED_AFTER;
  switch (facts.open_plan()) {
    case v1::OPEN_PLAN_LOOKED_AFTER: return v1::RECORD_CLASS_CASE_LOOKED_AFTER;
    case v1::OPEN_PLAN_CHILD_PROTECTION: return v1::RECORD_CLASS_CASE_CHILD_PROTECTION;
    case v1::OPEN_PLAN_CHILD_IN_NEED: return v1::RECORD_CLASS_CASE_CHILD_IN_NEED;
    case v1::OPEN_PLAN_EARLY_HELP: return v1::RECORD_CLASS_CASE_EARLY_HELP;
    case v1::OPEN_PLAN_NONE: return v1::RECORD_CLASS_CASE_NO_PLAN;
    default: return v1::RECORD_CLASS_CASE_PLAN_UNKNOWN;
  }
}

absl::Time BirthdayEnds(absl::CivilDay born, int age) {
  // CivilDay normalises 29 February in a common year to 1 March.
  const absl::CivilDay birthday(born.year() + age, born.month(), born.day());
  return absl::FromCivil(birthday + 1, absl::UTCTimeZone());
}

absl::Time AddYearsAndDays(absl::Time t, int years, int days) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return t;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond s = absl::ToCivilSecond(t, utc);
  const absl::Duration fraction = t - absl::FromCivil(s, utc);
  const absl::CivilSecond later(s.year() + years, s.month(), s.day() + days, s.hour(), s.minute(), s.second());
  return absl::FromCivil(later, utc) + fraction;
}

RetentionSchedule::RetentionSchedule(const v1::RetentionConfig& config)
    : purge_interval_(absl::Seconds(config.purge_interval_seconds() > 0 ? config.purge_interval_seconds()
                                                                        : kDefaultPurgeIntervalSeconds)),
      hub_purge_disabled_(config.hub_purge_disabled()) {
  for (const v1::RetentionPolicy& p : config.policies()) policies_[p.record_class()] = p;
  // A config not completed still gets the defaults for what it leaves out.
  for (const v1::RetentionPolicy& p : DefaultRetentionPolicies()) policies_.emplace(p.record_class(), p);
  v1::RetentionPolicy unknown;
  unknown.set_record_class(v1::RECORD_CLASS_CASE_PLAN_UNKNOWN);
  unknown.set_source("the longest of the case policies: the plan was not recorded");
  policies_[v1::RECORD_CLASS_CASE_PLAN_UNKNOWN] = unknown;
}

const v1::RetentionPolicy& RetentionSchedule::PolicyOf(v1::RecordClass record_class) const {
  static const v1::RetentionPolicy* const kNone = new v1::RetentionPolicy();
  auto it = policies_.find(record_class);
  return it == policies_.end() ? *kNone : it->second;
}

std::string RetentionSchedule::PolicyInWords(v1::RecordClass record_class) const {
  if (record_class == v1::RECORD_CLASS_CASE_PLAN_UNKNOWN) return "the longest of the case policies";
  const v1::RetentionPolicy& p = PolicyOf(record_class);
  const std::string period = Period(p.years(), p.days());
  if (record_class == v1::RECORD_CLASS_MESSAGE_PAYLOAD) {
    return absl::StrCat(period, " after its deliveries are settled");
  }
  if (p.until_age() == 0) return absl::StrCat(period, " after the last contact");
  const std::string birthday = absl::StrCat("the ", Ordinal(p.until_age()), " birthday");
  if (period.empty()) return absl::StrCat("to ", birthday, " (or the last contact, if later)");
  return absl::StrCat("to ", birthday, " (or the last contact, if later) plus ", period);
}

absl::Time RetentionSchedule::CaseDueAt(const v1::Child& facts, absl::Time last_contact) const {
  return CaseDueAt(CaseClassOf(facts), facts, last_contact);
}

absl::Time RetentionSchedule::CaseDueAt(v1::RecordClass record_class, const v1::Child& facts,
                                        absl::Time last_contact) const {
  if (record_class == v1::RECORD_CLASS_CASE_PLAN_UNKNOWN || !IsCaseClass(record_class)) {
    absl::Time latest = absl::InfinitePast();
    for (v1::RecordClass c : RecordClasses()) {
      if (!IsCaseClass(c) || c == v1::RECORD_CLASS_CASE_PLAN_UNKNOWN) continue;
      latest = std::max(latest, CaseDueAt(c, facts, last_contact));
    }
    return latest;
  }
  const v1::RetentionPolicy& p = PolicyOf(record_class);
  absl::Time from = last_contact;
  if (p.until_age() > 0) {
    absl::CivilDay born;
    if (!absl::ParseCivilTime(facts.date_of_birth(), &born)) {
      // Unknown: born at the last contact, the longest reading.
      born = absl::ToCivilDay(last_contact, absl::UTCTimeZone());
    }
    from = std::max(from, BirthdayEnds(born, p.until_age()));
  }
  return AddYearsAndDays(from, p.years(), p.days());
}

absl::Time RetentionSchedule::MessageDueAt(absl::Time settled_at) const {
  const v1::RetentionPolicy& p = PolicyOf(v1::RECORD_CLASS_MESSAGE_PAYLOAD);
  return AddYearsAndDays(settled_at, p.years(), p.days());
}

}  // namespace cre
