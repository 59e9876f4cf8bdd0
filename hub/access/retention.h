// Retention by record class (docs/data-protection.md, "Retention"): how long
// each class of record is kept, which class a record is in, and the instant
// it becomes due for purge. Pure C++: no SQL, no clock of its own (the
// caller says when "now" is).
//
//   CRE_RETURN_IF_ERROR(CompleteRetentionConfig(governance.mutable_retention()));
//   RetentionSchedule schedule(governance.retention());
//   RecordClass c = CaseClassOf(facts);
//   absl::Time due = schedule.CaseDueAt(facts, opened_at, last_contact);
//   if (due <= now) ... purge ...
//
// Where the child's plan or date of birth is not known, the longest reading
// is taken: a case of unknown plan is kept as long as the longest case
// policy would keep it, and a child of unknown date of birth is taken to be
// born at the case's last contact (the latest they can be taken to be born,
// which keeps the record longest).
#ifndef CRE_HUB_ACCESS_RETENTION_H_
#define CRE_HUB_ACCESS_RETENTION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/governance.pb.h"

namespace cre {

// The classes a record can be in, in the order reports list them.
const std::vector<v1::RecordClass>& RecordClasses();

// A class in a few words ("case, child protection plan").
std::string RecordClassInWords(v1::RecordClass record_class);

// A class as reports and the audit tombstone name it: the enum's name
// without its prefix, lower case ("case_child_protection").
std::string RecordClassName(v1::RecordClass record_class);

// The policies used where the config lists none for a class: examples
// from named local authorities' schedules, each with its source.
std::vector<v1::RetentionPolicy> DefaultRetentionPolicies();

// The default purge interval.
inline constexpr int kDefaultPurgeIntervalSeconds = 3600;

// Fills in a policy for every class `config` leaves out, and the purge
// interval; checks every entry. INVALID_ARGUMENT naming the entry, e.g.
// "retention.policies[1].years: -2 is not a number of years (0 to 200)".
absl::Status CompleteRetentionConfig(v1::RetentionConfig* config);

// The class of a case, by the child's plan as its opener gave it.
v1::RecordClass CaseClassOf(const v1::Child& facts);

// The instant a child reaches `age`: the start of the day after their
// birthday of that age, in UTC (a birthday is a local date; the end of the
// day in UTC is never before its end in the UK). Someone born on 29
// February has their birthday on 1 March in a year that has no 29
// February (as the law of England and Wales takes it).
absl::Time BirthdayEnds(absl::CivilDay born, int age);

// `t` plus whole years and days, by the calendar in UTC (29 February plus a
// year is 1 March).
absl::Time AddYearsAndDays(absl::Time t, int years, int days);

class RetentionSchedule {
 public:
  // `config` completed by CompleteRetentionConfig.
  explicit RetentionSchedule(const v1::RetentionConfig& config);

  // The policy of a class; the unknown-plan class has none (its
  // RetentionPolicy names no period: CaseDueAt takes the longest).
  const v1::RetentionPolicy& PolicyOf(v1::RecordClass record_class) const;
  // The policy in words: "to the 75th birthday", "35 years after the last
  // contact", "365 days after its deliveries are settled".
  std::string PolicyInWords(v1::RecordClass record_class) const;

  // When a case becomes due: see RetentionPolicy. `last_contact` is the
  // latest instant anything was recorded or sent on the case (at least
  // when it opened).
  absl::Time CaseDueAt(const v1::Child& facts, absl::Time last_contact) const;
  absl::Time CaseDueAt(v1::RecordClass record_class, const v1::Child& facts, absl::Time last_contact) const;
  // When a message's payload becomes due, from the instant its last
  // delivery was settled (acknowledged or dead-lettered; accepted_at for a
  // message with no delivery).
  absl::Time MessageDueAt(absl::Time settled_at) const;

  absl::Duration purge_interval() const { return purge_interval_; }
  bool hub_purge_disabled() const { return hub_purge_disabled_; }

 private:
  std::map<v1::RecordClass, v1::RetentionPolicy> policies_;
  absl::Duration purge_interval_;
  bool hub_purge_disabled_ = false;
};

}  // namespace cre

#endif  // CRE_HUB_ACCESS_RETENTION_H_
