// The pathway as people read it: deadlines as local dates in words, and the
// enums as words instead of their names. Every human face (hubctl's text,
// the demo's timeline, a later web console) uses these, so that a deadline
// or a role reads the same everywhere; machine formats (proto JSON) keep
// the enum names.
//
//   EndOfDayInWords(absl::CivilDay(2027, 1, 7))   // "by the end of Thursday 7 January 2027"
//   DeadlineInWords(t, london)                    // "before 14:30 on Thursday 7 January 2027"
//   InWords(cre::v1::ACTION_STATUS_PENDING)        // "pending"
//   InWords(cre::v1::PRACTITIONER_ROLE_SOCIAL_WORKER)  // "social worker"
//
// Pure functions: no clock, no locale setting of their own (weekday and
// month names are absl::FormatTime's, English in the "C" locale every
// binary of the hub runs in).
#ifndef CRE_HUB_PATHWAY_IN_WORDS_H_
#define CRE_HUB_PATHWAY_IN_WORDS_H_

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "cre/v1/case_file.pb.h"
#include "cre/v1/governance.pb.h"
#include "cre/v1/pathway.pb.h"
#include "cre/v1/routed_message.pb.h"

namespace cre::pathway {

// "Thursday 7 January 2027".
std::string DayInWords(absl::CivilDay day);

// A day-based deadline (DUE_BASIS_END_OF_DAY): "by the end of Thursday
// 7 January 2027". Said of the local day itself, never of the midnight
// after it (due_at), which would read as the next day.
std::string EndOfDayInWords(absl::CivilDay day);

// An exact, exclusive deadline (DUE_BASIS_INSTANT) in `zone`'s local time:
// "before 14:30 on Thursday 7 January 2027". "Before", not "by": the action
// is OVERDUE from that instant on, so 14:30 itself is late. Hours and minutes
// only, seconds cut off (never later than the real deadline). A deadline at
// the first instant of a local day (48 working hours that end with a working
// day) is the end of the day before: "by the end of Tuesday 24 March 2026".
// A time that occurs twice when the clocks go back names its zone
// abbreviation: "before 01:30 BST on Sunday 25 October 2026".
std::string DeadlineInWords(absl::Time due_at, const absl::TimeZone& zone);

// The due time of an action in words by its basis (the two functions above);
// empty for DUE_BASIS_UNSPECIFIED (no due time known).
std::string DueInWords(cre::v1::DueBasis basis, absl::Time due_at, absl::CivilDay due_day,
                       const absl::TimeZone& zone);

// When an action of a pathway is due, for a text face: its due_in_words; for
// a WAITING one "once the <action> is done"; otherwise "no deadline".
std::string WhenInWords(const cre::v1::Action& action);

// Every value of these enums in words (lower case but for names and
// proper nouns, so that they read inside a sentence). A value the enum does
// not declare reads e.g. "unknown action (57)"; never empty, never a name.
std::string InWords(cre::v1::ActionKind kind);
std::string InWords(cre::v1::ActionStatus status);
std::string InWords(cre::v1::PractitionerRole role);
std::string InWords(cre::v1::RiskLevel level);
std::string InWords(cre::v1::Recording recording);
std::string InWords(cre::v1::Placement placement);
std::string InWords(cre::v1::LevelReason reason);
std::string InWords(cre::v1::DueBasis basis);
std::string InWords(cre::v1::OpenPlan plan);
std::string InWords(cre::v1::MessageKind kind);
std::string InWords(cre::v1::NotificationKind kind);
std::string InWords(cre::v1::ResponseKind kind);
std::string InWords(cre::v1::Purpose purpose);
std::string InWords(cre::v1::Article6Basis basis);
std::string InWords(cre::v1::Article9Condition condition);
std::string InWords(cre::v1::Consent consent);

// A governance envelope as a recipient reads it, its fields in that order
// (those set only): "safeguarding the child; public task (Article 6(1)(e));
// ...; under agreement derby-cre-isa-2026; consent refused".
std::string InWords(const cre::v1::Governance& governance);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_IN_WORDS_H_
