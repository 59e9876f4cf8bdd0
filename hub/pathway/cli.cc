#include "pathway/cli.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "pathway/bank_holidays.h"
#include "pathway/calendar.h"
#include "pathway/engine.h"
#include "pathway/in_words.h"
#include "pathway/policy.h"
#include "pathway/text_io.h"

namespace cre::pathway {
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// The command line is wrong (as against: a file or the case is): exit 2,
// not 1. The message names the flag or word at fault.
constexpr char kUsagePayload[] = "cre.pathway.cli/usage";

absl::Status UsageError(const std::string& message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord());
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

// Positional words and --name VALUE (or --name=VALUE) flags.
struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;
};

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& raw,
                               const std::vector<std::string>& known_flags) {
  Args args;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& a = raw[i];
    if (!absl::StartsWith(a, "--")) {
      args.words.push_back(a);  // includes negative numbers such as -2
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < raw.size()) {
      value = raw[++i];
    } else {
      return UsageError(absl::StrCat("--", name, ": needs a value"));
    }
    if (std::find(known_flags.begin(), known_flags.end(), name) == known_flags.end()) {
      return UsageError(absl::StrCat("unknown flag --", name));
    }
    args.flags[name] = value;
  }
  return args;
}

std::string FlagOr(const Args& args, const std::string& name, const std::string& fallback) {
  auto it = args.flags.find(name);
  return it == args.flags.end() ? fallback : it->second;
}

absl::StatusOr<absl::Time> ParseInstant(const std::string& text, const std::string& what) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return UsageError(absl::StrCat(what, ": not an RFC 3339 instant with an offset: ", text));
  }
  return t;
}

absl::StatusOr<int> ParseCount(const std::string& text, const std::string& what) {
  int n = 0;
  if (!absl::SimpleAtoi(text, &n)) {
    return UsageError(absl::StrCat(what, ": not a whole number: ", text));
  }
  return n;
}

absl::StatusOr<Calendar> LoadCalendar(const Args& args) {
  absl::StatusOr<BankHolidayChangeSet> changes =
      LoadBankHolidayChangesFile(FlagOr(args, "holidays", CRE_PATHWAY_DEFAULT_HOLIDAYS_FILE));
  if (!changes.ok()) return changes.status();
  return Calendar::Create(DefaultPolicy().time_zone(), *std::move(changes));
}

absl::StatusOr<std::string> EvaluateCommand(const Args& args) {
  if (args.words.size() != 1 || args.words[0] != "evaluate") {
    return UsageError("expected: evaluate");
  }
  const std::string case_path = FlagOr(args, "case", "");
  if (case_path.empty()) return UsageError("--case: required");
  absl::Time now = absl::Now();  // the command line is the edge that may read the clock
  if (args.flags.count("at")) {
    absl::StatusOr<absl::Time> at = ParseInstant(args.flags.at("at"), "--at");
    if (!at.ok()) return at.status();
    now = *at;
  }
  absl::StatusOr<cre::v1::PathwayPolicy> policy =
      LoadPolicyFile(FlagOr(args, "policy", CRE_PATHWAY_DEFAULT_POLICY_FILE));
  if (!policy.ok()) return policy.status();
  if (args.flags.count("authority")) policy->set_local_authority_code(args.flags.at("authority"));
  absl::StatusOr<BankHolidayChangeSet> changes =
      LoadBankHolidayChangesFile(FlagOr(args, "holidays", CRE_PATHWAY_DEFAULT_HOLIDAYS_FILE));
  if (!changes.ok()) return changes.status();
  absl::StatusOr<PathwayEngine> engine = PathwayEngine::Create(*policy, *std::move(changes));
  if (!engine.ok()) return engine.status();

  cre::v1::CaseFile file;
  absl::Status read = ReadJsonProtoFile(case_path, &file);
  if (!read.ok()) return read;
  absl::StatusOr<cre::v1::Pathway> pathway = engine->Evaluate(file, now);
  if (!pathway.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(case_path, ": ", pathway.status().message()));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(*pathway, &json, options);
  if (!printed.ok()) {
    // JSON timestamps end at 9999-12-31: a case dated near then has
    // deadlines after it. The case file is at fault, not the tool.
    return absl::InvalidArgumentError(absl::StrCat(
        case_path, ": the pathway cannot be written as JSON (", printed.message().as_string(),
        "): a deadline falls after 9999-12-31; are the case's instants right?"));
  }
  return json;
}

absl::StatusOr<std::string> Holidays(const Args& args, const Calendar& calendar) {
  if (args.words.size() != 2) return UsageError("expected: holidays YEAR");
  absl::StatusOr<int> year = ParseCount(args.words[1], "YEAR");
  if (!year.ok()) return year.status();
  if (*year < 1 || *year > 9999) return UsageError("YEAR: out of range");
  std::string text;
  for (absl::CivilDay d : calendar.BankHolidays(*year)) {
    absl::StrAppend(&text, FormatLocalDate(d), " (", DayInWords(d), ")\n");
  }
  return text;
}

absl::StatusOr<std::string> AddWorkingDays(const Args& args, const Calendar& calendar) {
  if (args.words.size() != 3) return UsageError("expected: add-working-days DATE N");
  absl::CivilDay day;
  if (!ParseLocalDate(args.words[1], &day)) {
    return UsageError(absl::StrCat("DATE: not a date (want YYYY-MM-DD): ", args.words[1]));
  }
  absl::StatusOr<int> n = ParseCount(args.words[2], "N");
  if (!n.ok()) return n.status();
  if (*n > 100000 || *n < -100000) return UsageError("N: out of range");
  const absl::CivilDay result = calendar.AddWorkingDays(day, *n);
  return absl::StrCat(FormatLocalDate(result), " (", DayInWords(result), ")\n");
}

absl::StatusOr<std::string> AddWorkingHours(const Args& args, const Calendar& calendar) {
  if (args.words.size() != 3) return UsageError("expected: add-working-hours INSTANT N");
  absl::StatusOr<absl::Time> t = ParseInstant(args.words[1], "INSTANT");
  if (!t.ok()) return t.status();
  absl::StatusOr<int> n = ParseCount(args.words[2], "N");
  if (!n.ok()) return n.status();
  if (*n < 0 || *n > 1000000) return UsageError("N: must be 0 to 1000000");
  // The words say which day a deadline that ends with a working day is on:
  // the instant alone is the midnight after it, which reads as the next day.
  const absl::Time result = calendar.AddWorkingHours(*t, *n);
  return absl::StrCat(calendar.FormatLocal(result), " (", DeadlineInWords(result, calendar.zone()),
                      ")\n");
}

absl::StatusOr<std::string> CalendarCommand(const Args& args) {
  if (args.words.empty()) return UsageError("expected a calendar command");
  using Command = absl::StatusOr<std::string> (*)(const Args&, const Calendar&);
  static const std::map<std::string, Command> kCommands = {
      {"holidays", Holidays},
      {"add-working-days", AddWorkingDays},
      {"add-working-hours", AddWorkingHours},
  };
  auto it = kCommands.find(args.words[0]);
  if (it == kCommands.end()) {
    return UsageError(absl::StrCat("unknown calendar command: ", args.words[0]));
  }
  absl::StatusOr<Calendar> calendar = LoadCalendar(args);
  if (!calendar.ok()) return calendar.status();
  return it->second(args, *calendar);
}

// Runs `command` and prints its output, or its error. `help` is the
// hubctl command whose --help applies; the help text is hubctl's.
template <typename Command>
int Run(Command command, const std::vector<std::string>& raw,
        const std::vector<std::string>& flags, const std::string& help, std::ostream& out,
        std::ostream& err) {
  absl::StatusOr<Args> args = ParseArgs(raw, flags);
  absl::StatusOr<std::string> text = args.ok() ? command(*args) : args.status();
  if (!text.ok()) {
    err << "hubctl: " << text.status().message();
    if (!IsUsageError(text.status())) {
      err << "\n";
      return kExitError;
    }
    err << "; see hubctl " << help << " --help\n";
    return kExitUsage;
  }
  out << *text;
  if (!text->empty() && text->back() != '\n') out << "\n";
  return 0;
}

}  // namespace

int RunPathwayCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return Run(EvaluateCommand, args, {"case", "at", "policy", "holidays", "authority"},
             "pathway evaluate", out, err);
}

int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const bool known = !args.empty() && (args[0] == "holidays" || args[0] == "add-working-days" ||
                                       args[0] == "add-working-hours");
  return Run(CalendarCommand, args, {"holidays"}, known ? "calendar " + args[0] : "calendar", out, err);
}

}  // namespace cre::pathway
