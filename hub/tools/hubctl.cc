// hubctl: the operator's command line. `hubctl --help` lists the commands;
// `hubctl COMMAND [SUBCOMMAND] --help` prints one. Every command, its flags
// and its help text are one row of kCommands below, so that help, the
// README (which repeats `hubctl --help`) and the detection of unknown words
// cannot disagree.
//
// Results go to stdout, errors to stderr naming what is wrong. Exit status:
// 0 ok; 1 the operation failed (for audit verify: the chain is broken);
// 2 a usage error (an unknown command, subcommand or flag, a missing
// required flag, a bad value); 3 audit verify could not read the chain (the
// database is unreachable, say), so it says neither "intact" nor "broken".
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "access/governance_report.h"
#include "audit/audit_chain.h"
#include "common/proto_time.h"
#include "config/hub_config.h"
#include "pathway/in_words.h"
#include "store/mysql/migrations.h"
#include "store/audit_rows.h"
#include "store/mysql/mysql_store.h"
#include "tools/hubctl_retention.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "google/protobuf/util/time_util.h"
#include "staff/password_hash.h"
#include "staff/totp.h"
#include "tools/hubctl_subject.h"
#ifdef CRE_HUBCTL_WITH_PATHWAY
#include "pathway/cli.h"
#endif

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitUnverified = 3;

constexpr char kExitStatusHelp[] =
    "exit status: 0 ok; 1 the operation failed (audit verify: the chain is broken); 2 usage error;\n"
    "  3 audit verify could not read the chain\n";

struct Flag {
  const char* name;   // "--config"
  const char* value;  // what it takes ("FILE"), or nullptr for a switch
  bool required;
  const char* help;
};

struct Command;

// A command line checked against its row of kCommands.
struct Invocation {
  const Command* command;
  std::map<std::string, std::string> flags;  // "--config" -> value; "" for a switch
  std::vector<std::string> operands;
  std::vector<std::string> words;  // everything after the command words, as given

  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::string Get(const std::string& flag) const {
    auto it = flags.find(flag);
    return it == flags.end() ? "" : it->second;
  }
};

struct Command {
  const char* command;
  const char* subcommand;  // "" for a command without subcommands
  const char* usage;       // what follows "hubctl COMMAND [SUBCOMMAND]" on the usage line
  const char* description;
  std::vector<Flag> flags;
  const char* operands;  // the positional words' names, for messages ("YEAR", "DATE N")
  int min_operands;
  int max_operands;  // -1: any number
  int (*handler)(const Invocation&);

  std::string Words() const {
    return *subcommand ? absl::StrCat(command, " ", subcommand) : std::string(command);
  }
  std::string UsageLine() const { return absl::StrCat("hubctl ", Words(), " ", usage); }
};

// A usage error: the message names the word at fault, and where help is.
int UsageError(const std::string& words, const std::string& problem) {
  std::cerr << "hubctl: " << problem << "; see hubctl " << (words.empty() ? "" : words + " ")
            << "--help\n";
  return kExitUsage;
}

int UsageError(const Invocation& inv, const std::string& problem) {
  return UsageError(inv.command->Words(), problem);
}

int Fail(const absl::Status& status) {
  std::cerr << "hubctl: " << status.message() << "\n";
  return kExitFailed;
}

// The database settings of the hub's config at `config_path`.
absl::StatusOr<cre::mysql::ConnectionSettings> LoadSettings(const std::string& config_path) {
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) return config.status();
  return cre::mysql::SettingsFromConfig(config->database());
}

int Migrate(const Invocation& inv) {
  absl::StatusOr<cre::mysql::ConnectionSettings> settings = LoadSettings(inv.Get("--config"));
  if (!settings.ok()) return Fail(settings.status());
  if (!inv.Has("--status")) {
    absl::StatusOr<std::vector<cre::mysql::Migration>> migrations =
        cre::mysql::ParseMigrations(cre::mysql::EmbeddedMigrationFiles());
    absl::StatusOr<int> applied =
        migrations.ok() ? cre::mysql::ApplyMigrations(*settings, *migrations)
                        : absl::StatusOr<int>(migrations.status());
    if (!applied.ok()) return Fail(applied.status());
    std::cout << "applied " << *applied << " migration(s)\n";
  }
  absl::StatusOr<std::vector<int>> versions = cre::mysql::AppliedMigrationVersions(*settings);
  if (!versions.ok()) return Fail(versions.status());
  std::cout << "schema " << settings->schema << " has migrations: "
            << absl::StrJoin(*versions, ", ") << "\n";
  return kExitOk;
}

absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> OpenStore(const std::string& config_path) {
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(config_path);
  if (!config.ok()) return config.status();
  return cre::mysql::OpenMysqlStore(*config);
}

int DeliveriesDead(const Invocation& inv) {
  int limit = 100;
  if (inv.Has("--limit") && (!absl::SimpleAtoi(inv.Get("--limit"), &limit) || limit <= 0)) {
    return UsageError(inv, "--limit: not a positive number: " + inv.Get("--limit"));
  }
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<std::vector<cre::DeadDelivery>> dead = (*store)->ListDeadDeliveries(limit);
  if (!dead.ok()) return Fail(dead.status());
  // For people: the kind in words ("Operation Liberty report"), not its enum name.
  std::cout << "delivery_id\trecipient\tkind\tattempts\tcreated_at\tmessage_id\n";
  for (const cre::DeadDelivery& d : *dead) {
    std::cout << d.delivery_id << "\t" << d.recipient_agency_id << "\t"
              << cre::pathway::InWords(d.kind) << "\t" << d.attempts << "\t"
              << absl::FormatTime(absl::RFC3339_sec, d.created_at, absl::UTCTimeZone()) << "\t"
              << d.message_id << "\n";
  }
  return kExitOk;
}

int DeliveriesRequeue(const Invocation& inv) {
  std::vector<int64_t> ids;
  for (const std::string& word : inv.operands) {
    int64_t id;
    if (!absl::SimpleAtoi(word, &id) || id <= 0) return UsageError(inv, "ID: not a delivery id: " + word);
    ids.push_back(id);
  }
  if (inv.Has("--all") == !ids.empty()) return UsageError(inv, "give --all or delivery ids, not both");
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  cre::v1::AuditRecord requeued_by;
  requeued_by.set_actor_agency_id("operator");
  requeued_by.set_method("hubctl deliveries requeue");
  requeued_by.set_detail(inv.Get("--reason"));
  absl::StatusOr<int> requeued = (*store)->RequeueDeadDeliveries(ids, requeued_by);
  if (!requeued.ok()) return Fail(requeued.status());
  std::cout << "requeued " << *requeued << " dead deliver" << (*requeued == 1 ? "y" : "ies") << "\n";
  return kExitOk;
}

int AuditVerify(const Invocation& inv) {
  absl::optional<cre::audit::Anchor> anchor;
  if (inv.Has("--anchor")) {
    absl::StatusOr<cre::audit::Anchor> parsed = cre::audit::ParseAnchor(inv.Get("--anchor"));
    if (!parsed.ok()) return UsageError(inv, absl::StrCat("--anchor: ", parsed.status().message()));
    anchor = *parsed;
  }
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  cre::audit::ChainVerifier verifier(anchor);
  absl::Status walked = cre::ForEachAuditRow(**store, [&](const cre::audit::StoredRow& row) {
    return verifier.Add(row);
  });
  if (walked.ok()) walked = verifier.Finish();
  if (!walked.ok() && walked.code() != absl::StatusCode::kDataLoss) {
    std::cerr << "hubctl: cannot verify the audit chain: " << walked.message() << "\n";
    return kExitUnverified;  // not checked: say so, never "intact" or "broken"
  }
  if (!walked.ok()) {
    std::cout << "audit chain BROKEN after " << verifier.rows_checked() << " good rows: "
              << walked.message() << "\n";
    return kExitFailed;
  }
  std::cout << "audit chain intact: " << verifier.rows_checked() << " rows; head "
            << cre::audit::FormatAnchor(verifier.head()) << "\n";
  // Journalled records are not chained yet, so the chain cannot vouch for
  // them: say how many there are.
  absl::StatusOr<int64_t> unsealed = (*store)->UnsealedAuditCount();
  if (unsealed.ok() && *unsealed > 0) {
    std::cout << *unsealed << " record(s) journalled and not yet sealed"
              << " (a running hub seals them within milliseconds; or: hubctl audit seal)\n";
  }
  return kExitOk;
}

int AuditExport(const Invocation& inv) {
  absl::Time from = absl::InfinitePast(), to = absl::InfiniteFuture();
  for (const auto& [flag, bound] : {std::pair<const char*, absl::Time*>{"--from", &from}, {"--to", &to}}) {
    std::string error;
    if (inv.Has(flag) && !absl::ParseTime(absl::RFC3339_full, inv.Get(flag), bound, &error)) {
      return UsageError(inv, absl::StrCat(flag, ": \"", inv.Get(flag), "\" is not an RFC 3339 instant: ", error));
    }
  }
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::Status walked = cre::ForEachAuditRow(**store, [&](const cre::audit::StoredRow& row) -> absl::Status {
    cre::v1::AuditRecord record;
    if (!record.ParseFromString(row.record_bytes)) {
      return absl::DataLossError(absl::StrCat("audit row ", row.seq, " does not parse"));
    }
    const absl::Time at = cre::FromProtoTime(record.at());
    if (at < from || at >= to) return absl::OkStatus();
    absl::StatusOr<std::string> line = cre::audit::ToJsonLine(record, row.row_hash);
    if (!line.ok()) return line.status();
    std::cout << *line << "\n";
    return absl::OkStatus();
  });
  if (!walked.ok()) return Fail(walked);
  return kExitOk;
}

// Needs only the config: the record is of what the hub is set up to do, so
// that it can be printed (and signed) before the hub first runs.
int GovernanceReport(const Invocation& inv) {
  absl::StatusOr<cre::v1::HubConfig> config = cre::LoadHubConfig(inv.Get("--config"));
  if (!config.ok()) return Fail(config.status());
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) london = absl::UTCTimeZone();
  std::cout << cre::GovernanceReport(*config, absl::ToCivilDay(absl::Now(), london));
  return kExitOk;
}

int AuditSeal(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  constexpr int kSealBatch = 1000;
  int64_t total = 0;
  for (;;) {
    absl::StatusOr<int> sealed = (*store)->SealAudit(kSealBatch);
    if (!sealed.ok()) return Fail(sealed.status());
    total += *sealed;
    if (*sealed < kSealBatch) break;
  }
  std::cout << "sealed " << total << " journalled record(s) into the chain\n";
  return kExitOk;
}


// --- staff: the people who sign in to the console -------------------------

// "cpm", "team-manager", "hub_operator", or the enum's own name.
bool ParseStaffRole(const std::string& word, cre::v1::StaffRole* role) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(word, {{"-", "_"}}));
  if (!absl::StartsWith(name, "STAFF_ROLE_")) name = "STAFF_ROLE_" + name;
  return cre::v1::StaffRole_Parse(name, role) && *role != cre::v1::STAFF_ROLE_UNSPECIFIED;
}

// The new password: the first line of --password-file, or of stdin.
absl::StatusOr<std::string> ReadNewPassword(const Invocation& inv) {
  std::string text;
  if (inv.Has("--password-file")) {
    absl::StatusOr<std::string> read = cre::ReadSecretFile(inv.Get("--password-file"));
    if (!read.ok()) return absl::Status(read.status().code(), "--password-file: " + std::string(read.status().message()));
    text = *std::move(read);
  } else {
    std::getline(std::cin, text);
  }
  const size_t end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  return text;
}

cre::v1::AuditRecord OperatorRecord(const std::string& what, const std::string& username) {
  cre::v1::AuditRecord record;
  record.set_kind(cre::v1::AUDIT_EVENT_KIND_STAFF_CHANGED);
  *record.mutable_at() = cre::ToProtoTime(absl::Now());
  record.set_actor_agency_id("operator");
  record.set_method("hubctl staff " + what);
  record.set_staff_id(username);
  record.set_detail(what);
  return record;
}

// How a member of staff enrols their second factor.
void PrintTotp(const std::string& username, const std::string& secret) {
  std::cout << "second factor for " << username << ": add this key to an authenticator app\n"
            << "  key: " << cre::staff::Base32Secret(secret) << "\n"
            << "  uri: " << cre::staff::OtpauthUri("CRE hub", username, secret) << "\n";
}

int StaffAdd(const Invocation& inv) {
  cre::v1::StaffMember member;
  member.set_username(inv.Get("--username"));
  member.set_agency_id(inv.Get("--agency"));
  member.set_display_name(inv.Get("--display-name"));
  cre::v1::StaffRole role;
  if (!ParseStaffRole(inv.Get("--role"), &role)) {
    return UsageError(inv, "--role: not a staff role: " + inv.Get("--role") +
                               " (cpm, team-manager, social-worker, iro, hub-operator, data-protection-officer)");
  }
  member.set_role(role);
  absl::StatusOr<std::string> password = ReadNewPassword(inv);
  if (!password.ok()) return Fail(password.status());
  if (absl::Status strong = cre::staff::CheckNewPassword(*password, member.username()); !strong.ok()) {
    return Fail(strong);
  }
  absl::StatusOr<std::string> hash = cre::staff::HashPassword(*password);
  if (!hash.ok()) return Fail(hash.status());
  const std::string secret = cre::staff::NewTotpSecret();
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::Status added = (*store)->AddStaff(member, *hash, secret, absl::Now(), OperatorRecord("add", member.username()));
  if (!added.ok()) return Fail(added);
  std::cout << "added " << member.username() << " (" << cre::v1::StaffRole_Name(role) << ", " << member.agency_id()
            << ")\n";
  PrintTotp(member.username(), secret);
  return kExitOk;
}

int StaffList(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::StatusOr<std::vector<cre::v1::StaffMember>> staff = (*store)->ListStaff();
  if (!staff.ok()) return Fail(staff.status());
  std::cout << "username\tagency\trole\tdisabled\tdisplay_name\n";
  for (const cre::v1::StaffMember& m : *staff) {
    std::cout << m.username() << "\t" << m.agency_id() << "\t" << cre::v1::StaffRole_Name(m.role()) << "\t"
              << (m.disabled() ? "yes" : "no") << "\t" << m.display_name() << "\n";
  }
  return kExitOk;
}

int StaffDisable(const Invocation& inv) {
  const std::string& username = inv.operands[0];
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  const bool enable = inv.command->subcommand == std::string("enable");
  absl::Status changed =
      (*store)->SetStaffDisabled(username, !enable, absl::Now(), OperatorRecord(enable ? "enable" : "disable", username));
  if (!changed.ok()) return Fail(changed);
  std::cout << (enable ? "enabled " : "disabled ") << username << (enable ? "\n" : "; their sessions are ended\n");
  return kExitOk;
}

int StaffResetPassword(const Invocation& inv) {
  const std::string& username = inv.operands[0];
  absl::StatusOr<std::string> password = ReadNewPassword(inv);
  if (!password.ok()) return Fail(password.status());
  if (absl::Status strong = cre::staff::CheckNewPassword(*password, username); !strong.ok()) return Fail(strong);
  absl::StatusOr<std::string> hash = cre::staff::HashPassword(*password);
  if (!hash.ok()) return Fail(hash.status());
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::Status reset = (*store)->ResetStaffPassword(username, *hash, OperatorRecord("reset-password", username));
  if (!reset.ok()) return Fail(reset);
  std::cout << "new password set for " << username << "; failed sign-ins cleared, sessions ended\n";
  return kExitOk;
}

int StaffResetTotp(const Invocation& inv) {
  const std::string& username = inv.operands[0];
  const std::string secret = cre::staff::NewTotpSecret();
  absl::StatusOr<std::unique_ptr<cre::mysql::MysqlStore>> store = OpenStore(inv.Get("--config"));
  if (!store.ok()) return Fail(store.status());
  absl::Status reset = (*store)->ResetStaffTotp(username, secret, OperatorRecord("reset-totp", username));
  if (!reset.ok()) return Fail(reset);
  PrintTotp(username, secret);
  return kExitOk;
}

#ifdef CRE_HUBCTL_WITH_PATHWAY
// The pathway library parses its own words again (it is also called
// directly); hubctl has already checked them against the table.
std::vector<std::string> Prepend(const std::string& word, const std::vector<std::string>& words) {
  std::vector<std::string> all = {word};
  all.insert(all.end(), words.begin(), words.end());
  return all;
}

int PathwayEvaluate(const Invocation& inv) {
  return cre::pathway::RunPathwayCommand(Prepend("evaluate", inv.words), std::cout, std::cerr);
}

int Calendar(const Invocation& inv) {
  return cre::pathway::RunCalendarCommand(Prepend(inv.command->subcommand, inv.words), std::cout,
                                          std::cerr);
}
#endif

constexpr Flag kConfig = {"--config", "FILE", true, "the hub's config file, for its database settings"};

// Every command hubctl has. The order is the order of `hubctl --help`.
const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"migrate", "", "--config FILE [--status]",
       "Applies the pending schema migrations, then lists the applied versions.",
       {kConfig, {"--status", nullptr, false, "list the applied versions only; apply nothing"}},
       "", 0, 0, Migrate},
      {"deliveries", "dead", "--config FILE [--limit N]",
       "Lists the dead-lettered deliveries: those never acknowledged after the last attempt.",
       {kConfig, {"--limit", "N", false, "list at most N (default 100)"}},
       "", 0, 0, DeliveriesDead},
      {"deliveries", "requeue", "--config FILE --reason TEXT (--all | ID...)",
       "Hands dead-lettered deliveries out again: all of them, or those with the ids given.",
       {kConfig,
        {"--reason", "TEXT", true, "why, for the audit record (never the child's details)"},
        {"--all", nullptr, false, "every dead-lettered delivery"}},
       "ID", 0, -1, DeliveriesRequeue},
      {"audit", "verify", "--config FILE [--anchor SEQ:HASH]",
       "Walks the audit chain and names the first altered, deleted or inserted row.",
       {kConfig,
        {"--anchor", "SEQ:HASH", false, "a head the hub logged earlier, which the chain must still hold"}},
       "", 0, 0, AuditVerify},
      {"audit", "export", "--config FILE [--from INSTANT] [--to INSTANT]",
       "Writes the audit records as JSON lines, each with its row hash.",
       {kConfig,
        {"--from", "INSTANT", false, "only records at or after this RFC 3339 instant"},
        {"--to", "INSTANT", false, "only records before this RFC 3339 instant"}},
       "", 0, 0, AuditExport},
      {"audit", "seal", "--config FILE",
       "Seals the journalled audit records into the chain, for when no hub is running.",
       {kConfig}, "", 0, 0, AuditSeal},
      {"governance", "report", "--config FILE",
       "Prints the record of processing (UK GDPR Article 30) and the register of sharing agreements, as "
       "Markdown, from the config, ending with what the config leaves unset.",
       {kConfig}, "", 0, 0, GovernanceReport},
      {"retention", "run", "--config FILE [--dry-run]",
       "Purges the records the retention schedule says are due and not held, and prints the counts per class.",
       {kConfig, {"--dry-run", nullptr, false, "print what would be purged, per class; write nothing"}},
       "", 0, 0,
       [](const Invocation& inv) { return cre::tools::RetentionRun(inv.Get("--config"), inv.Has("--dry-run")); }},
      {"retention", "status", "--config FILE",
       "Per record class: the policy, records kept, held, due, purged so far, and the oldest one's age.",
       {kConfig}, "", 0, 0, [](const Invocation& inv) { return cre::tools::RetentionStatus(inv.Get("--config")); }},
      {"retention", "hold", "--config FILE --case ID --reason TEXT",
       "Places a legal hold on a case: nothing of it is purged until the hold is released.",
       {kConfig,
        {"--case", "ID", true, "the case's id"},
        {"--reason", "TEXT", true, "why, for the audit record (never the child's details)"}},
       "", 0, 0,
       [](const Invocation& inv) {
         return cre::tools::RetentionHold(inv.Get("--config"), inv.Get("--case"), inv.Get("--reason"), true);
       }},
      {"retention", "release", "--config FILE --case ID --reason TEXT",
       "Releases a legal hold on a case: it is purged when the schedule says, from the next run.",
       {kConfig,
        {"--case", "ID", true, "the case's id"},
        {"--reason", "TEXT", true, "why, for the audit record (never the child's details)"}},
       "", 0, 0,
       [](const Invocation& inv) {
         return cre::tools::RetentionHold(inv.Get("--config"), inv.Get("--case"), inv.Get("--reason"), false);
       }},
      {"staff", "add",
       "--config FILE --username NAME --agency ID --role ROLE --display-name TEXT [--password-file FILE]",
       "Adds a member of staff who may sign in to the console, with a password (the first line of "
       "--password-file, or of stdin) and a new second factor, whose key it prints.",
       {kConfig,
        {"--username", "NAME", true, "their sign-in name, e.g. a.khan"},
        {"--agency", "ID", true, "the agency of the registry they act for"},
        {"--role", "ROLE", true, "cpm, team-manager, social-worker, iro, hub-operator or data-protection-officer"},
        {"--display-name", "TEXT", true, "their name as the console shows it"},
        {"--password-file", "FILE", false, "read the password from this file (mode 600) instead of stdin"}},
       "", 0, 0, StaffAdd},
      {"staff", "list", "--config FILE", "Lists the members of staff, their agency, role and whether disabled.",
       {kConfig}, "", 0, 0, StaffList},
      {"staff", "disable", "--config FILE USERNAME",
       "Stops a member of staff signing in, and ends their sessions.", {kConfig}, "USERNAME", 1, 1, StaffDisable},
      {"staff", "enable", "--config FILE USERNAME", "Lets a disabled member of staff sign in again.", {kConfig},
       "USERNAME", 1, 1, StaffDisable},
      {"staff", "reset-password", "--config FILE USERNAME [--password-file FILE]",
       "Sets a new password (from --password-file or stdin), lifts a lock-out and ends their sessions.",
       {kConfig, {"--password-file", "FILE", false, "read the password from this file instead of stdin"}},
       "USERNAME", 1, 1, StaffResetPassword},
      {"staff", "reset-totp", "--config FILE USERNAME",
       "Gives a member of staff a new second-factor key, prints it, and ends their sessions.", {kConfig},
       "USERNAME", 1, 1, StaffResetTotp},
      {"access", "list", "--config FILE (--case ID | --child ID) [--limit N]",
       "Lists the latest accesses to a child's record (one case, or every case of the child), newest first: "
       "when, which agency, who, what and how.",
       {kConfig,
        {"--case", "ID", false, "the accesses to this case (and to its child as a whole)"},
        {"--child", "ID", false, "the accesses to every case of this child"},
        {"--limit", "N", false, "list at most N (default 50, at most 500)"}},
       "", 0, 0, [](const Invocation& inv) { return cre::hubctl::AccessList(inv.flags); }},
      {"subject", "export", "--config FILE (--child ID | --nhs-number N) --out DIR",
       "Writes everything the hub holds about a child, for a subject access request, to DIR/child-ID.json and "
       "DIR/child-ID.html, with third-party information marked for redaction review.",
       {kConfig,
        {"--child", "ID", false, "the child, by the id the hub gave them"},
        {"--nhs-number", "N", false, "the child, by their NHS number (10 digits, or 3 3 4)"},
        {"--out", "DIR", true, "an existing directory to write the two files to (mode 600)"}},
       "", 0, 0, [](const Invocation& inv) { return cre::hubctl::SubjectExport(inv.flags); }},
#ifdef CRE_HUBCTL_WITH_PATHWAY
      {"pathway", "evaluate",
       "--case FILE.json [--at INSTANT] [--policy FILE] [--holidays FILE] [--authority ONS_CODE]",
       "Prints the pathway of a case file (JSON) as JSON: its risk level, actions and deadlines.",
       {{"--case", "FILE.json", true, "the case file, a cre.v1.CaseFile in JSON"},
        {"--at", "INSTANT", false, "evaluate as at this RFC 3339 instant with an offset (default: now)"},
        {"--policy", "FILE", false, "the pathway policy (default: config/policy.textproto)"},
        {"--holidays", "FILE", false,
         "bank holiday changes (default: config/bank_holiday_changes.textproto)"},
        {"--authority", "ONS_CODE", false, "evaluate as this local authority (default: the policy's)"}},
       "", 0, 0, PathwayEvaluate},
      {"calendar", "holidays", "YEAR [--holidays FILE]",
       "Lists the bank holidays of England and Wales in YEAR.",
       {{"--holidays", "FILE", false, "bank holiday changes (default: config/bank_holiday_changes.textproto)"}},
       "YEAR", 1, 1, Calendar},
      {"calendar", "add-working-days", "DATE N [--holidays FILE]",
       "Prints the working day N working days after DATE (YYYY-MM-DD); N < 0 counts back.",
       {{"--holidays", "FILE", false, "bank holiday changes (default: config/bank_holiday_changes.textproto)"}},
       "DATE N", 2, 2, Calendar},
      {"calendar", "add-working-hours", "INSTANT N [--holidays FILE]",
       "Prints INSTANT (RFC 3339 with an offset) plus N working hours, in Europe/London local time and in words.",
       {{"--holidays", "FILE", false, "bank holiday changes (default: config/bank_holiday_changes.textproto)"}},
       "INSTANT N", 2, 2, Calendar},
#endif
  };
  return commands;
}

// The rows of `command` ("audit": verify, export, seal), in table order.
std::vector<const Command*> Group(const std::string& command) {
  std::vector<const Command*> group;
  for (const Command& c : Commands()) {
    if (c.command == command) group.push_back(&c);
  }
  return group;
}

void PrintSummary(const Command& c, std::ostream& out) {
  out << "  " << c.UsageLine() << "\n      " << c.description << "\n";
}

// hubctl --help: every command. The README's hubctl section is this text.
void PrintAllHelp(std::ostream& out) {
  out << "usage: hubctl COMMAND [SUBCOMMAND] [FLAGS]   (hubctl COMMAND [SUBCOMMAND] --help for one)\n\n";
  for (const Command& c : Commands()) PrintSummary(c, out);
  out << "\n" << kExitStatusHelp;
}

// hubctl audit --help: the subcommands of one command.
void PrintGroupHelp(const std::vector<const Command*>& group, std::ostream& out) {
  out << "usage:\n";
  for (const Command* c : group) PrintSummary(*c, out);
  out << "\n" << kExitStatusHelp;
}

// hubctl audit verify --help: one command and its flags.
void PrintCommandHelp(const Command& c, std::ostream& out) {
  out << "usage: " << c.UsageLine() << "\n" << c.description << "\n";
  if (!c.flags.empty()) out << "\n";
  for (const Flag& f : c.flags) {
    std::string name = f.value ? absl::StrCat(f.name, " ", f.value) : f.name;
    name.resize(std::max<size_t>(name.size() + 2, 22), ' ');
    out << "  " << name << f.help << (f.required ? " (required)" : "") << "\n";
  }
  out << "\n" << kExitStatusHelp;
}

bool IsHelp(const std::string& word) { return word == "--help" || word == "-h"; }

// A word that is meant as a flag: "--x", or "-x" that is not a number
// (add-working-days takes N = -2).
bool IsFlagLike(const std::string& word) {
  if (absl::StartsWith(word, "--")) return true;
  double number;
  return word.size() > 1 && word[0] == '-' && !absl::SimpleAtod(word, &number);
}

// Checks `words` (what follows the command words) against `c` and runs it.
int Run(const Command& c, const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    if (IsHelp(w)) {
      PrintCommandHelp(c, std::cout);
      return kExitOk;
    }
  }
  Invocation inv{&c, {}, {}, words};
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (!IsFlagLike(w)) {
      if (c.max_operands >= 0 && static_cast<int>(inv.operands.size()) >= c.max_operands) {
        return UsageError(c.Words(), absl::StrCat("unexpected argument ", w, " for \"", c.Words(), "\""));
      }
      inv.operands.push_back(w);
      continue;
    }
    const size_t eq = w.find('=');
    const std::string name = w.substr(0, eq);
    const Flag* flag = nullptr;
    for (const Flag& f : c.flags) {
      if (name == f.name) flag = &f;
    }
    if (flag == nullptr) {
      return UsageError(c.Words(), absl::StrCat("unknown flag ", name, " for \"", c.Words(), "\""));
    }
    if (flag->value == nullptr) {
      if (eq != std::string::npos) return UsageError(c.Words(), absl::StrCat(name, " takes no value"));
      inv.flags[name] = "";
    } else if (eq != std::string::npos) {
      inv.flags[name] = w.substr(eq + 1);
    } else if (i + 1 < words.size()) {
      inv.flags[name] = words[++i];
    } else {
      return UsageError(c.Words(), absl::StrCat(name, " needs a value (", flag->value, ")"));
    }
  }
  for (const Flag& f : c.flags) {
    if (f.required && !inv.Has(f.name)) {
      return UsageError(c.Words(), absl::StrCat("missing ", f.name, " ", f.value, " for \"", c.Words(), "\""));
    }
  }
  if (static_cast<int>(inv.operands.size()) < c.min_operands) {
    return UsageError(c.Words(), absl::StrCat("\"", c.Words(), "\" needs ", c.operands));
  }
  return c.handler(inv);
}

// hubctl help [--list | COMMAND [SUBCOMMAND]]
int Help(const std::vector<std::string>& words) {
  if (words.size() == 1 && words[0] == "--list") {
    // One line per command: what tests iterate over, so that a command
    // added later is covered.
    for (const Command& c : Commands()) std::cout << c.Words() << "\n";
    return kExitOk;
  }
  if (words.empty()) {
    PrintAllHelp(std::cout);
    return kExitOk;
  }
  const std::vector<const Command*> group = Group(words[0]);
  if (group.empty()) return UsageError("", "unknown command " + words[0]);
  if (words.size() == 1) {
    if (group.size() == 1 && !*group[0]->subcommand) {
      PrintCommandHelp(*group[0], std::cout);
    } else {
      PrintGroupHelp(group, std::cout);
    }
    return kExitOk;
  }
  for (const Command* c : group) {
    if (words.size() == 2 && words[1] == c->subcommand) {
      PrintCommandHelp(*c, std::cout);
      return kExitOk;
    }
  }
  return UsageError(words[0], absl::StrCat("unknown subcommand ", words[1], " for \"", words[0], "\""));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintAllHelp(std::cerr);
    return kExitUsage;
  }
  if (IsHelp(args[0])) return Help({});
  if (args[0] == "help") return Help({args.begin() + 1, args.end()});
  if (IsFlagLike(args[0])) return UsageError("", "unknown flag " + args[0] + " before the command");
  const std::vector<const Command*> group = Group(args[0]);
  if (group.empty()) return UsageError("", "unknown command " + args[0]);
  if (group.size() == 1 && !*group[0]->subcommand) return Run(*group[0], {args.begin() + 1, args.end()});

  // A command with subcommands: the subcommand is the next word.
  const std::string& command = args[0];
  std::vector<std::string> names;
  for (const Command* c : group) names.push_back(c->subcommand);
  const std::string choices = absl::StrJoin(names, ", ");
  if (args.size() < 2 || IsFlagLike(args[1])) {
    for (size_t i = 1; i < args.size(); ++i) {
      if (IsHelp(args[i])) {
        PrintGroupHelp(group, std::cout);
        return kExitOk;
      }
    }
    return UsageError(command, absl::StrCat("missing subcommand for \"", command, "\" (", choices, ")"));
  }
  for (const Command* c : group) {
    if (args[1] == c->subcommand) return Run(*c, {args.begin() + 2, args.end()});
  }
  return UsageError(command, absl::StrCat("unknown subcommand ", args[1], " for \"", command, "\" (",
                                          choices, ")"));
}
