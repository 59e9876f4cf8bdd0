// GenerateHistory (history_generator.h). It migrates the schema with the
// hub's own migrations, writes the registry's agencies with the store's own
// SyncAgencies, then writes what the hub would have written for N cases
// (each opened by a concern about a new child) and M messages: the messages
// with their receipts, deliveries (handed out and acknowledged long ago), the
// agencies involved, the case entries, a few cases still open with actions
// due in the future, message payloads purged where the default retention
// schedule made them due, and the audit chain with its access index. Sealed
// columns are sealed by the store's own code under the hub's key ring; rows
// are made by the store's row encoders where it has them (MessageRow,
// ReceiptRow, CaseEntryRow, PayloadTombstone) and the audit records by
// casework's (AuditOfAcceptance, AuditOfHandOut, AuditOfAcknowledgement),
// sealed into the chain by audit::SealRow; every case file is checked as the
// pathway checks what it reads (ValidateCaseFile). The SQL of the bulk load
// is here, in this one file, as a bulk loader's should be.
//
// Fast because it writes in primary-key order, near enough (its ids lead
// with the time, as the hub's do, and blocks of cases go in the order they
// were opened, each case's messages with it: message rows are kept by
// case, migrations/0024), in multi-row INSERTs of about a thousand rows,
// from several connections at once with unique and foreign key checks off,
// one commit per block of cases. The audit chain is one sequence, so one
// thread seals it, taking the blocks' records in block order.
#include "history_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "access/nhs_number.h"
#include "access/retention.h"
#include "audit/audit_chain.h"
#include "casework/audit_records.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "cre/v1/agency.pb.h"
#include "crypto/blind_index.h"
#include "crypto/field_cipher.h"
#include "store/mysql/case_rows.h"
#include "google/protobuf/text_format.h"
#include "pathway/validate.h"
#include "store/mysql/case_entries.h"
#include "store/mysql/connection_pool.h"
#include "store/mysql/message_rows.h"
#include "store/mysql/migrations.h"
#include "store/mysql/mysql_audit.h"
#include "store/mysql/mysql_store.h"
#include "store/mysql/purge_rows.h"
#include "store/mysql/sql_values.h"

namespace cre::history {
namespace {

using mysql::SqlBytes;
using mysql::SqlBytesOrNull;
using mysql::SqlTimeLiteral;

// How far back the history goes, and how long a closed case was worked.
constexpr absl::Duration kSpan = absl::Hours(24 * 365 * 6);
constexpr absl::Duration kMaxCaseLength = absl::Hours(24 * 120);
// Cases opened this recently may still be open (kOpenShare of them).
constexpr absl::Duration kRecent = absl::Hours(24 * 180);
constexpr double kOpenShare = 0.3;
// One message in 20 is an Operation Liberty report about no known child.
constexpr int64_t kNoCaseEvery = 20;
// Cases per block: one commit each, and one unit of the audit chain.
constexpr int64_t kBlockCases = 500;
// Rows per INSERT statement.
constexpr size_t kRowsPerInsert = 1000;

struct Agencies {
  std::vector<std::string> openers;  // who identify concerns
  std::vector<std::string> police;
  std::vector<std::string> prus;
  std::string csc;
  // The local authority: Children's Social Care's.
  std::string authority_code;
  int64_t agency_count = 0;
};

absl::StatusOr<Agencies> AgenciesOf(const v1::AgencyRegistry& registry) {
  Agencies a;
  a.agency_count = registry.agencies_size();
  for (const v1::Agency& agency : registry.agencies()) {
    switch (agency.role()) {
      case v1::POLICE_REFERRAL_UNIT: a.prus.push_back(agency.id()); break;
      case v1::CHILDRENS_SOCIAL_CARE:
        if (a.csc.empty()) {
          a.csc = agency.id();
          a.authority_code = agency.local_authority_code();
        }
        break;
      case v1::POLICE:
        a.police.push_back(agency.id());
        a.openers.push_back(agency.id());
        break;
      // Partners (a youth club; the benchmark's hundred load agencies) open
      // no case of the history: schools, health, the police, youth justice
      // and housing identify the concerns.
      case v1::EDUCATION:
      case v1::HEALTH:
      case v1::YOUTH_JUSTICE:
      case v1::HOUSING:
        a.openers.push_back(agency.id());
        break;
      default: break;
    }
  }
  if (a.prus.empty() || a.csc.empty() || a.openers.empty() || a.police.empty()) {
    return absl::InvalidArgumentError(
        "the registry needs a Police Referral Unit, Children's Social Care, police and agencies that open cases");
  }
  return a;
}

// An id as the hub makes it (common/ids.h: a version 7 UUID), for a row
// made at `at`: the Unix milliseconds, then random bits (from `rng`, which
// need not be unguessable here). The history is then one this hub wrote: its
// rows lie in the order of their times, and the hub's new rows, made now,
// land at the end of each index, after all of them. A case's messages, made
// over its months, lie among those of other cases of those months, as they
// would.
std::string TimeUuid(absl::Time at, std::mt19937_64& rng) {
  const uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(at)) & 0xffffffffffffULL;
  const uint64_t a = rng(), b = rng();
  return absl::StrFormat("%08x-%04x-7%03x-%04x-%012x", static_cast<uint32_t>(ms >> 16),
                         static_cast<uint32_t>(ms & 0xffff), static_cast<uint32_t>(a & 0xfff),
                         static_cast<uint32_t>(0x8000 | ((a >> 12) & 0x3fff)), b & 0xffffffffffffULL);
}

v1::Governance Envelope() {
  v1::Governance g;
  g.set_purpose(v1::PURPOSE_SAFEGUARDING_CHILD);
  g.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  g.set_article9_condition(v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  g.set_sharing_agreement_id("derby-cre-isa-2026");
  g.set_consent(v1::CONSENT_GIVEN);
  return g;
}

constexpr const char* kGivenNames[] = {"Amira", "Ben", "Chloe", "Daniel", "Ella", "Femi", "Grace", "Harry",
                                       "Isla", "Jayden", "Kai", "Lily", "Mason", "Nia", "Oscar", "Priya"};
constexpr const char* kFamilyNames[] = {"Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fisher", "Green",
                                        "Hughes", "Iqbal", "Jones", "Khan", "Lewis", "Moore", "Nowak"};

std::string Narrative(std::mt19937_64& rng, int words) {
  static constexpr const char* kWords[] = {"seen", "with", "older", "males", "near", "the", "station", "late",
                                           "at", "night", "missing", "from", "home", "new", "phone", "and",
                                           "clothes", "school", "reports", "absence", "concern", "about", "a",
                                           "car", "collecting", "after", "youth", "club"};
  std::string text;
  for (int i = 0; i < words; ++i) {
    absl::StrAppend(&text, i ? " " : "", kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))]);
  }
  return text;
}

// The ten digits of an NHS number whose first nine are `nine` (modulus 11),
// or with a check digit of 10 for the nine that have none: NormalizeNhsNumber
// refuses those.
std::string NhsNumberWithCheckDigit(int64_t nine) {
  const std::string digits = absl::StrFormat("%09d", nine % 1000000000);
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  const int check = (11 - sum % 11) % 11;
  return absl::StrCat(digits, check);
}

// Everything one block writes, as statements, and its audit records for the
// chain (in the order they are to be sealed).
struct Block {
  int64_t index = 0;
  std::vector<std::string> statements;
  std::vector<v1::AuditRecord> records;
  // The child of each case, for the access index.
  std::map<std::string, std::string> child_of_case;
  int64_t children = 0;
  int64_t messages = 0;
  int64_t deliveries = 0;
  int64_t purged = 0;  // message payloads purged under the retention schedule
};

// Rows of one table, flushed into INSERTs of kRowsPerInsert.
class Rows {
 public:
  Rows(std::string head, std::vector<std::string>* out) : head_(std::move(head)), out_(out) {}
  ~Rows() { Flush(); }
  void Add(std::string row) {
    rows_.push_back(std::move(row));
    if (rows_.size() >= kRowsPerInsert) Flush();
  }
  void Flush() {
    if (rows_.empty()) return;
    out_->push_back(absl::StrCat(head_, absl::StrJoin(rows_, ", ")));
    rows_.clear();
  }

 private:
  std::string head_;
  std::vector<std::string>* out_;
  std::vector<std::string> rows_;
};

class Generator {
 public:
  Generator(const Agencies& agencies, const crypto::FieldCipher& cipher, crypto::BlindIndex nhs_index,
            const RetentionSchedule& retention, int64_t children, int64_t messages, int64_t seed, absl::Time now)
      : a_(agencies),
        k_(cipher),
        nhs_index_(std::move(nhs_index)),
        retention_(retention),
        n_(children),
        m_(messages),
        seed_(seed),
        now_(now) {
    if (!absl::LoadTimeZone("Europe/London", &zone_)) zone_ = absl::UTCTimeZone();
    no_case_ = std::min(m_ / kNoCaseEvery, m_ - n_);  // every case keeps its concern
    on_cases_ = m_ - no_case_;
  }

  int64_t blocks() const { return (n_ + kBlockCases - 1) / kBlockCases; }

  // The messages of case j, and the no-case reports that fall at its time:
  // exact shares of the totals, so that they add up to M.
  int64_t CaseMessages(int64_t j) const {
    // Some cases had more to say than others: the two cases of a pair trade
    // messages, the pair's total kept; each keeps its concern at least.
    const int64_t first = j - j % 2;
    if (first + 1 >= n_) return Share(on_cases_, j);
    const int64_t total = Share(on_cases_, first) + Share(on_cases_, first + 1);
    const int64_t first_share = Skewed(first, total);
    return j == first ? first_share : total - first_share;
  }
  int64_t NoCaseMessages(int64_t j) const { return Share(no_case_, j); }

  absl::StatusOr<Block> Make(int64_t b) const {
    Block block;
    block.index = b;
    std::mt19937_64 rng(static_cast<uint64_t>(seed_) * 1000003 + static_cast<uint64_t>(b));
    const int64_t first = b * kBlockCases, end = std::min(n_, first + kBlockCases);
    std::vector<std::string>& out = block.statements;
    // The default timestamps (involvement.since, idempotency.created_at) are
    // the session's: set to the block's time.
    out.push_back(absl::StrCat("SET timestamp = ", absl::ToUnixSeconds(CaseOpenedAt(first))));
    {
      Rows child_rows("INSERT INTO child (child_id, details, facts, created_at, nhs_index, nhs_index_key_id) VALUES ", &out);
      Rows case_rows(
          "INSERT INTO cre_case (case_id, child_id, opened_at, opened_by, next_deadline, message_seq) VALUES ", &out);
      Rows involvement_rows("INSERT INTO involvement (case_id, agency_id, since) VALUES ", &out);
      Rows action_rows(
          "INSERT INTO case_action (case_id, rule_id, action_kind, owner_role, owner_agency_id, due_at, due_date)"
          " VALUES ",
          &out);
      std::vector<std::string> entry_rows, message_rows, receipt_rows, delivery_rows;
      // A range of ids per block, larger than any block can use (messages a
      // case at most twice the mean and the reports a twentieth, each to every
      // agency): ids may have gaps, as AUTO_INCREMENT's do.
      int64_t delivery_id = b * kBlockCases * (3 * (m_ / n_) + 4) * a_.agency_count + 1;
      for (int64_t j = first; j < end; ++j) {
        CRE_RETURN_IF_ERROR(MakeCase(j, rng, child_rows, case_rows, involvement_rows, action_rows, entry_rows,
                                     message_rows, receipt_rows, delivery_rows, delivery_id, block));
      }
      Flush(mysql::CaseEntryInsert, entry_rows, out);
      Flush(mysql::MessageInsert, message_rows, out);
      Flush(mysql::ReceiptInsert, receipt_rows, out);
      Flush(
          [](const std::vector<std::string>& rows) {
            return absl::StrCat(
                "INSERT INTO delivery (delivery_id, message_id, recipient_agency_id, order_key, order_seq, state,"
                " attempts, next_attempt_at, created_at, acked_at) VALUES ",
                absl::StrJoin(rows, ", "));
          },
          delivery_rows, out);
    }
    out.push_back("COMMIT");
    return block;
  }

 private:
  static void Flush(const std::function<std::string(const std::vector<std::string>&)>& insert,
                    std::vector<std::string>& rows, std::vector<std::string>& out) {
    for (size_t i = 0; i < rows.size(); i += kRowsPerInsert) {
      std::vector<std::string> part(rows.begin() + i, rows.begin() + std::min(rows.size(), i + kRowsPerInsert));
      out.push_back(insert(part));
    }
    rows.clear();
  }

  int64_t Share(int64_t total, int64_t j) const { return (j + 1) * total / n_ - j * total / n_; }
  // Case j's part of its pair's `total`, between 1 and total-1, from j alone.
  int64_t Skewed(int64_t j, int64_t total) const {
    std::mt19937_64 rng(static_cast<uint64_t>(seed_) ^ (static_cast<uint64_t>(j) * 0x9e3779b97f4a7c15ULL));
    return 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(total - 1));
  }

  absl::Time CaseOpenedAt(int64_t j) const {
    return now_ - kSpan + (kSpan - absl::Hours(1)) * (static_cast<double>(j) + 0.5) / static_cast<double>(n_);
  }

  // One message as the store writes it: the message row, its receipt, its
  // deliveries (acknowledged), and the audit records of its acceptance,
  // hand-outs and acknowledgements. `recipients` deduplicated.
  void AddMessage(v1::RoutedMessage body, const std::string& method, const AcceptedSubmission& accepted,
                  const std::vector<std::string>& recipients, int64_t order_seq, int64_t message_number,
                  std::mt19937_64& rng, std::vector<std::string>& message_rows,
                  std::vector<std::string>& receipt_rows, std::vector<std::string>& delivery_rows,
                  int64_t& delivery_id, Block& block, absl::Status& status) const {
    const absl::Time at = accepted.accepted_at;
    absl::StatusOr<std::string> sealed = mysql::Sealed(body, k_, mysql::kMessageBody, body.message_id());
    if (!sealed.ok()) {
      status = sealed.status();
      return;
    }
    Submission s;
    s.sender_agency_id = body.sender_agency_id();
    s.method = method;
    // Fixed width, so that the keys sort (idempotency's primary key) in the
    // order they are written.
    s.idempotency_key = absl::StrFormat("history-%d-%013d", seed_, message_number);
    s.request_sha256 = Sha256Hex(body.SerializeAsString());
    v1::SubmitResponse receipt;
    receipt.set_message_id(body.message_id());
    receipt.set_case_id(body.case_id());
    for (const std::string& r : recipients) receipt.add_recipient_agency_ids(r);
    *receipt.mutable_accepted_at() = ToProtoTime(at);
    receipt_rows.push_back(mysql::ReceiptRow(s, receipt));

    std::vector<v1::AuditRecord> records = AuditOfAcceptance(accepted, recipients, receipt);
    const std::string& order_key = mysql::CaseKey(body);
    absl::Time settled = at;
    for (const std::string& recipient : recipients) {
      const absl::Time handed = at + absl::Milliseconds(2 + rng() % 50);
      const absl::Time acked = handed + absl::Milliseconds(5 + rng() % 2000);
      settled = std::max(settled, acked);
      delivery_rows.push_back(absl::StrCat("(", delivery_id, ", ", SqlBytes(body.message_id()), ", ",
                                           SqlBytes(recipient), ", ", SqlBytes(order_key), ", ", order_seq,
                                           ", 'ACKED', 1, ", SqlTimeLiteral(at), ", ", SqlTimeLiteral(at), ", ",
                                           SqlTimeLiteral(acked), ")"));
      v1::RoutedMessage handed_out = body;
      handed_out.set_delivery_id(delivery_id);
      records.push_back(AuditOfHandOut(handed_out, recipient, absl::StrCat("history-hub/", recipient), 1, handed));
      records.push_back(AuditOfAcknowledgement(recipient, delivery_id, acked));
      ++delivery_id;
      ++block.deliveries;
    }
    // A payload the retention schedule made due was purged by the hub's
    // hourly sweep: its row as the purge left it, and its tombstone.
    const absl::Time due = retention_.MessageDueAt(settled);
    if (due < now_ - absl::Hours(1)) {
      const absl::Time purged_at = due + absl::Seconds(rng() % 3600);
      const mysql::PurgedColumns purged{purged_at, mysql::PayloadContentSha256(*sealed)};
      message_rows.push_back(mysql::MessageRow(body, at, "", "", &purged));
      const v1::AuditRecord purged_by = AuditOf(v1::AUDIT_EVENT_KIND_RECORD_PURGED, "hub", purged_at);
      records.push_back(
          mysql::PayloadTombstone(purged_by, body.message_id(), body.case_id(), purged.sha256, due, "message payload"));
      *records.back().mutable_at() = ToProtoTime(purged_at);
      ++block.purged;
    } else {
      message_rows.push_back(mysql::MessageRow(body, at, *sealed, ""));
    }
    for (v1::AuditRecord& r : records) block.records.push_back(std::move(r));
    ++block.messages;
  }

  absl::Status MakeCase(int64_t j, std::mt19937_64& rng, Rows& child_rows, Rows& case_rows, Rows& involvement_rows,
                        Rows& action_rows, std::vector<std::string>& entry_rows,
                        std::vector<std::string>& message_rows, std::vector<std::string>& receipt_rows,
                        std::vector<std::string>& delivery_rows, int64_t& delivery_id, Block& block) const {
    absl::Status status;
    const absl::Time opened_at = CaseOpenedAt(j);
    const std::string child_id = TimeUuid(opened_at, rng);
    const std::string case_id = TimeUuid(opened_at, rng);
    const std::string& opener = a_.openers[rng() % a_.openers.size()];
    const bool open = now_ - opened_at < kRecent && (rng() % 1000) < kOpenShare * 1000;

    v1::NewChild new_child;
    v1::ChildDetails& details = *new_child.mutable_details();
    details.set_given_name(kGivenNames[rng() % (sizeof(kGivenNames) / sizeof(kGivenNames[0]))]);
    details.set_family_name(kFamilyNames[rng() % (sizeof(kFamilyNames) / sizeof(kFamilyNames[0]))]);
    details.set_address(absl::StrCat(1 + rng() % 200, " Station Road, Derby DE1 ", 1 + rng() % 9, "AB"));
    details.set_agency_reference(absl::StrCat("REF-", j));
    // A valid NHS number of the child's own (its check digit right), so that
    // the child table's blind index is as full as the hub's would be.
    std::string nhs_number;
    for (int64_t candidate = 100000000 + j * 11;; ++candidate) {
      absl::StatusOr<std::string> digits = NormalizeNhsNumber(NhsNumberWithCheckDigit(candidate));
      if (digits.ok()) {
        nhs_number = *std::move(digits);
        break;
      }
    }
    details.set_nhs_number(nhs_number);
    CRE_ASSIGN_OR_RETURN(const crypto::BlindIndex::Entry nhs_index, nhs_index_.Active(nhs_number));
    v1::Child& child = *new_child.mutable_child();
    // Between 8 and 17 when the case opened, and under 21 now: no case of
    // the history is due for purging under a plan kept to the 21st birthday
    // (the default schedule's child in need), so the hub has no case to
    // purge when it starts on it.
    const int64_t years_since = (now_ - opened_at) / absl::Hours(24 * 365);
    const int64_t oldest = std::max<int64_t>(8, std::min<int64_t>(17, 19 - years_since));
    const int64_t age_days = 365 * 8 + static_cast<int64_t>(rng() % static_cast<uint64_t>(365 * (oldest - 8) + 1));
    const absl::CivilDay born = absl::ToCivilDay(opened_at, absl::UTCTimeZone()) - age_days;
    child.set_date_of_birth(absl::FormatCivilTime(born));
    child.set_send(rng() % 5 == 0);
    // No looked-after children: their cases would have had the IRO
    // notifications and authority handoffs this history does not make.
    static constexpr v1::OpenPlan kPlans[] = {v1::OPEN_PLAN_NONE,           v1::OPEN_PLAN_NONE,
                                              v1::OPEN_PLAN_NONE,           v1::OPEN_PLAN_NONE,
                                              v1::OPEN_PLAN_NONE,           v1::OPEN_PLAN_EARLY_HELP,
                                              v1::OPEN_PLAN_EARLY_HELP,     v1::OPEN_PLAN_CHILD_IN_NEED,
                                              v1::OPEN_PLAN_CHILD_IN_NEED, v1::OPEN_PLAN_CHILD_PROTECTION};
    child.set_open_plan(kPlans[rng() % 10]);
    child.set_home_authority_code(a_.authority_code);
    // The case file as the hub will read it, checked below as the pathway
    // checks what it is given.
    v1::CaseFile file;
    file.set_case_id(case_id);
    *file.mutable_child() = child;
    *file.mutable_opened_at() = ToProtoTime(opened_at);
    CRE_ASSIGN_OR_RETURN(const std::string sealed_details, mysql::Sealed(details, k_, mysql::kChildDetails, child_id));
    CRE_ASSIGN_OR_RETURN(const std::string sealed_facts, mysql::Sealed(child, k_, mysql::kChildFacts, child_id));
    child_rows.Add(absl::StrCat("(", SqlBytes(child_id), ", ", SqlBytes(sealed_details), ", ", SqlBytes(sealed_facts),
                                ", ", SqlTimeLiteral(opened_at), ", ", SqlBytes(nhs_index.digest), ", ",
                                SqlBytes(nhs_index.key_id), ")"));
    block.child_of_case[case_id] = child_id;
    ++block.children;

    const int64_t count = CaseMessages(j);
    // The case's messages, spread over its working life, all before now.
    const absl::Duration life =
        std::min(kMaxCaseLength, (now_ - absl::Hours(1) - opened_at) * (open ? 0.9 : 0.6));
    const absl::Duration gap = count > 1 ? life / static_cast<double>(count) : absl::ZeroDuration();
    std::vector<std::string> involved = {opener, a_.csc};
    int entry_seq = 0;
    const int64_t first_message = j * 4096;  // numbers receipts' keys
    for (int64_t i = 0; i < count; ++i) {
      const absl::Time at = opened_at + gap * static_cast<double>(i) + absl::Milliseconds(rng() % 1000);
      v1::RoutedMessage body;
      body.set_message_id(TimeUuid(at, rng));
      body.set_case_id(case_id);
      *body.mutable_accepted_at() = ToProtoTime(at);
      *body.mutable_governance() = Envelope();
      AcceptedSubmission accepted;
      accepted.accepted_at = at;
      v1::CaseUpdate append;
      std::string method;
      std::vector<std::string> recipients;
      if (i == 0) {
        body.set_kind(v1::MESSAGE_KIND_CONCERN);
        body.set_sender_agency_id(opener);
        v1::Concern& concern = *body.mutable_concern();
        concern.set_indicated_level(rng() % 3 == 0 ? v1::RISK_LEVEL_HIGH : v1::RISK_LEVEL_MEDIUM);
        concern.set_narrative(Narrative(rng, 60));
        *concern.mutable_identified_at() = ToProtoTime(opened_at);
        method = "SubmitConcern";
        accepted.opened_case = true;
        accepted.child_id = child_id;
        recipients = {a_.csc};
      } else if (i % 3 == 0) {
        body.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
        body.set_sender_agency_id(a_.police[rng() % a_.police.size()]);
        v1::OperationLibertyReport& report = *body.mutable_operation_liberty_report();
        v1::Individual& who = *report.add_individuals();
        who.set_name(absl::StrCat(kGivenNames[rng() % 16], " ", kFamilyNames[rng() % 14]));
        who.set_description("male, about 20, drives a black hatchback");
        report.set_narrative(Narrative(rng, 40));
        method = "SubmitOperationLibertyReport";
        recipients = a_.prus;
        for (const std::string& agency : involved) recipients.push_back(agency);
        involved.push_back(body.sender_agency_id());
        for (const std::string& pru : a_.prus) involved.push_back(pru);
      } else {
        body.set_kind(v1::MESSAGE_KIND_CASE_UPDATE);
        body.set_sender_agency_id(a_.csc);
        ++entry_seq;
        if (i % 3 == 1) {
          v1::RiskAssessment& ra = *append.add_risk_assessments();
          *ra.mutable_assessed_at() = ToProtoTime(at);
          ra.set_level(rng() % 2 ? v1::RISK_LEVEL_HIGH : v1::RISK_LEVEL_MEDIUM);
          ra.set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
          ra.set_narrative(Narrative(rng, 50));
          *file.add_risk_assessments() = ra;
          method = "RecordRiskAssessment";
          CRE_ASSIGN_OR_RETURN(std::string row,
                               mysql::CaseEntryRow(case_id, entry_seq, ra, "RISK_ASSESSMENT", nullptr, k_));
          entry_rows.push_back(std::move(row));
        } else {
          v1::CaseEvent& event = *append.add_events();
          static constexpr v1::EventKind kKinds[] = {v1::EVENT_KIND_MISSING_EPISODE, v1::EVENT_KIND_RETURN_INTERVIEW,
                                                     v1::EVENT_KIND_STRATEGY_DISCUSSION_HELD};
          event.set_kind(kKinds[rng() % 3]);
          *event.mutable_occurred_at() = ToProtoTime(std::max(opened_at, at - absl::Hours(1 + rng() % 48)));
          event.set_note(Narrative(rng, 20));
          *file.add_events() = event;
          method = "RecordCaseEvents";
          CRE_ASSIGN_OR_RETURN(std::string row, mysql::CaseEntryRow(case_id, entry_seq, event, "EVENT", &event, k_));
          entry_rows.push_back(std::move(row));
        }
        *body.mutable_case_update() = append;
        recipients = involved;
      }
      accepted.sender_agency_id = body.sender_agency_id();
      accepted.method = method;
      accepted.kind = body.kind();
      accepted.record_append = &append;
      // A sender does not receive its own message.
      recipients.erase(std::remove(recipients.begin(), recipients.end(), body.sender_agency_id()), recipients.end());
      recipients = mysql::Deduplicated(std::move(recipients));
      involved = mysql::Deduplicated(std::move(involved));
      AddMessage(body, method, accepted, recipients, i + 1, first_message + i, rng, message_rows, receipt_rows,
                 delivery_rows, delivery_id, block, status);
      CRE_RETURN_IF_ERROR(status);
    }
    // Reports that named no child, near this case's time.
    for (int64_t r = 0, reports = NoCaseMessages(j); r < reports; ++r) {
      const absl::Time at = opened_at + absl::Minutes(1 + rng() % 600);
      v1::RoutedMessage body;
      body.set_message_id(TimeUuid(at, rng));
      body.set_kind(v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT);
      body.set_sender_agency_id(a_.openers[rng() % a_.openers.size()]);
      *body.mutable_accepted_at() = ToProtoTime(at);
      *body.mutable_governance() = Envelope();
      body.mutable_operation_liberty_report()->set_narrative(Narrative(rng, 40));
      body.mutable_operation_liberty_report()->add_places()->set_name("Underpass by the bus station");
      AcceptedSubmission accepted;
      accepted.sender_agency_id = body.sender_agency_id();
      accepted.method = "SubmitOperationLibertyReport";
      accepted.accepted_at = at;
      accepted.kind = body.kind();
      std::vector<std::string> recipients = a_.prus;
      recipients.erase(std::remove(recipients.begin(), recipients.end(), body.sender_agency_id()), recipients.end());
      AddMessage(body, accepted.method, accepted, mysql::Deduplicated(recipients), 0, first_message + 2048 + r, rng,
                 message_rows, receipt_rows, delivery_rows, delivery_id, block, status);
      CRE_RETURN_IF_ERROR(status);
    }

    if (absl::Status valid = pathway::ValidateCaseFile(file, a_.authority_code, zone_); !valid.ok()) {
      return absl::InternalError(absl::StrCat("generated case ", case_id, " is not valid: ", valid.message()));
    }
    std::string next_deadline = "NULL";
    if (open) {
      // Still being worked: a review due in the weeks ahead, so that the
      // hub's deadline watcher has nothing overdue to act on in the history.
      const absl::Time due = now_ + absl::Hours(24 * (3 + rng() % 25));
      action_rows.Add(absl::StrCat("(", SqlBytes(case_id), ", 'history-risk-assessment-review', 'RISK_ASSESSMENT_REVIEW',"
                                   " 'PRACTITIONER_ROLE_SOCIAL_WORKER', ", SqlBytes(a_.csc), ", ", SqlTimeLiteral(due),
                                   ", '", absl::FormatCivilTime(absl::ToCivilDay(due, absl::UTCTimeZone())), "')"));
      next_deadline = SqlTimeLiteral(due);
    }
    case_rows.Add(absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(child_id), ", ", SqlTimeLiteral(opened_at), ", ",
                               SqlBytes(opener), ", ", next_deadline, ", ", count, ")"));
    for (const std::string& agency : involved) {
      involvement_rows.Add(absl::StrCat("(", SqlBytes(case_id), ", ", SqlBytes(agency), ", ",
                                        SqlTimeLiteral(opened_at), ")"));
    }
    return absl::OkStatus();
  }

  const Agencies& a_;
  const crypto::FieldCipher& k_;
  const crypto::BlindIndex nhs_index_;
  const RetentionSchedule& retention_;
  const int64_t n_, m_, seed_;
  const absl::Time now_;
  absl::TimeZone zone_;
  int64_t no_case_ = 0, on_cases_ = 0;
};

// A connection for the bulk load: no unique or foreign key checks (the rows
// are known to be right), one commit per block.
absl::StatusOr<std::unique_ptr<sql::Connection>> LoadConnection(const mysql::ConnectionSettings& settings) {
  CRE_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> c, mysql::Connect(settings));
  std::unique_ptr<sql::Statement> st(c->createStatement());
  st->execute("SET SESSION unique_checks = 0, foreign_key_checks = 0, autocommit = 0, time_zone = '+00:00'");
  return c;
}

void Execute(sql::Connection& c, const std::string& sql) {
  std::unique_ptr<sql::Statement> st(c.createStatement());
  st->execute(sql);
}

// Seconds spent in the statements of each table (and in COMMIT), for the
// closing summary: where a run's time goes.
class TableTimes {
 public:
  void Execute(sql::Connection& c, const std::string& sql) {
    const auto start = std::chrono::steady_clock::now();
    history::Execute(c, sql);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string name = sql.substr(0, 6);
    if (sql.rfind("INSERT INTO ", 0) == 0) name = sql.substr(12, sql.find(' ', 12) - 12);
    std::lock_guard<std::mutex> lock(mu_);
    seconds_[name] += seconds;
  }
  std::string Summary() {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrJoin(seconds_, ", ", [](std::string* out, const std::pair<const std::string, double>& t) {
      absl::StrAppend(out, t.first, " ", absl::StrFormat("%.1f", t.second), " s");
    });
  }

 private:
  std::mutex mu_;
  std::map<std::string, double> seconds_;
};

int64_t QueryInt(sql::Connection& c, const std::string& sql) {
  std::unique_ptr<sql::Statement> st(c.createStatement());
  std::unique_ptr<sql::ResultSet> row(st->executeQuery(sql));
  return row->next() ? row->getInt64(1) : -1;
}

// The tables this tool fills, emptied before a generation is redone.
constexpr const char* kGeneratedTables[] = {
    "audit_access", "audit_log", "audit_journal", "case_reader", "case_entry", "case_action", "hub_action",
    "idempotency", "delivery", "message", "involvement", "cre_case", "child"};

// What a generation's rows look like, kept with it: a history of another
// form is made again. 1: ids of a hub whose ids were random (spread version
// 4 UUIDs); 2: ids that lead with the time (TimeUuid).
constexpr int kFormat = 2;

// Whether the schema holds a complete generation of n and m, of this form,
// already; if it holds a partial or different one, empties it. Refuses a
// schema with messages of its own.
absl::StatusOr<bool> AlreadyGenerated(sql::Connection& c, int64_t n, int64_t m, std::ostream& log) {
  Execute(c,
          "CREATE TABLE IF NOT EXISTS bench_history_run (id TINYINT NOT NULL, children BIGINT NOT NULL,"
          " messages BIGINT NOT NULL, complete BOOLEAN NOT NULL, started_at DATETIME(6) NOT NULL,"
          " seconds DOUBLE NULL, format INT NOT NULL DEFAULT 1, PRIMARY KEY (id)) ENGINE=InnoDB");
  // A table kept from before the form was recorded: its history is of form 1.
  Execute(c, "ALTER TABLE bench_history_run ADD COLUMN IF NOT EXISTS format INT NOT NULL DEFAULT 1");
  std::unique_ptr<sql::Statement> st(c.createStatement());
  std::unique_ptr<sql::ResultSet> row(
      st->executeQuery("SELECT children, messages, complete, format FROM bench_history_run"));
  if (row->next()) {
    if (row->getBoolean("complete") && row->getInt64("children") == n && row->getInt64("messages") == m &&
        row->getInt("format") == kFormat) {
      return true;
    }
    log << "history: dropping a " << (row->getBoolean("complete") ? "different" : "partial") << " generation ("
              << row->getInt64("children") << " children, " << row->getInt64("messages") << " messages, form "
              << row->getInt("format") << ")" << std::endl;
  } else if (QueryInt(c, "SELECT COUNT(*) FROM (SELECT 1 FROM message LIMIT 1) m") > 0) {
    return absl::FailedPreconditionError(
        "the schema holds messages that bench_history did not write; give it a schema of its own");
  }
  Execute(c, "SET SESSION foreign_key_checks = 0");
  for (const char* table : kGeneratedTables) Execute(c, absl::StrCat("TRUNCATE TABLE ", table));
  Execute(c, "UPDATE audit_head SET seq = 0, row_hash = REPEAT('0', 64) WHERE id = 1");
  Execute(c, "UPDATE audit_access_watermark SET indexed_through = 0 WHERE id = 1");
  Execute(c, "DELETE FROM audit_verification");
  Execute(c, absl::StrCat("REPLACE INTO bench_history_run (id, children, messages, complete, started_at, format)"
                          " VALUES (1, ", n, ", ", m, ", FALSE, NOW(6), ", kFormat, ")"));
  Execute(c, "COMMIT");
  return false;
}

// Seals the blocks' audit records into the chain, in block order.
class Chain {
 public:
  explicit Chain(int64_t blocks) : blocks_(blocks) {}

  // Blocks while more than `ahead` blocks wait to be sealed: bounds memory.
  void Put(Block block, int ahead) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return block.index < next_ + ahead || failed_; });
    waiting_.emplace(block.index, std::move(block));
    ready_.notify_all();
  }
  bool failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  void Fail() {
    std::lock_guard<std::mutex> lock(mu_);
    failed_ = true;
    ready_.notify_all();
    room_.notify_all();
  }

  absl::Status Run(sql::Connection& c, TableTimes& times) {
    std::string hash = audit::kGenesisHash;
    int64_t seq = 0;
    for (int64_t b = 0; b < blocks_; ++b) {
      Block block;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [&] { return waiting_.count(b) > 0 || failed_; });
        if (failed_) return absl::AbortedError("a writer failed");
        block = std::move(waiting_[b]);
        waiting_.erase(b);
      }
      std::vector<std::string> statements;
      std::vector<std::string> log_rows, access_rows;
      for (v1::AuditRecord& record : block.records) {
        record.set_seq(++seq);
        const audit::StoredRow row = audit::SealRow(record, hash);
        log_rows.push_back(absl::StrCat("(", row.seq, ", ", SqlBytes(row.record_bytes), ", ", SqlBytes(row.prev_hash),
                                        ", ", SqlBytes(row.row_hash), ")"));
        hash = row.row_hash;
        if (mysql::IsRecordAccess(record) && !record.case_id().empty()) {
          access_rows.push_back(absl::StrCat("(", row.seq, ", ", SqlBytes(block.child_of_case.at(record.case_id())),
                                             ", ", SqlBytes(record.case_id()), ")"));
        }
        if (log_rows.size() >= kRowsPerInsert) {
          statements.push_back(absl::StrCat("INSERT INTO audit_log (seq, record, prev_hash, row_hash) VALUES ",
                                            absl::StrJoin(log_rows, ", ")));
          log_rows.clear();
        }
      }
      if (!log_rows.empty()) {
        statements.push_back(absl::StrCat("INSERT INTO audit_log (seq, record, prev_hash, row_hash) VALUES ",
                                          absl::StrJoin(log_rows, ", ")));
      }
      for (size_t i = 0; i < access_rows.size(); i += kRowsPerInsert) {
        std::vector<std::string> part(access_rows.begin() + i,
                                      access_rows.begin() + std::min(access_rows.size(), i + kRowsPerInsert));
        statements.push_back(
            absl::StrCat("INSERT INTO audit_access (seq, child_id, case_id) VALUES ", absl::StrJoin(part, ", ")));
      }
      // The head and the index's watermark move with the chain, in the same
      // commit, as the sealer's do.
      statements.push_back(
          absl::StrCat("UPDATE audit_head SET seq = ", seq, ", row_hash = ", SqlBytes(hash), " WHERE id = 1"));
      statements.push_back(absl::StrCat("UPDATE audit_access_watermark SET indexed_through = ", seq, " WHERE id = 1"));
      statements.push_back("COMMIT");
      for (const std::string& s : statements) times.Execute(c, s);
      sealed_rows_ += static_cast<int64_t>(block.records.size());
      {
        std::lock_guard<std::mutex> lock(mu_);
        next_ = b + 1;
        room_.notify_all();
      }
    }
    return absl::OkStatus();
  }

  int64_t sealed_rows() const { return sealed_rows_; }

 private:
  const int64_t blocks_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::map<int64_t, Block> waiting_;
  int64_t next_ = 0;
  bool failed_ = false;
  std::atomic<int64_t> sealed_rows_{0};
};

}  // namespace

absl::StatusOr<HistoryResult> GenerateHistory(const HistoryOptions& options) {
  const int64_t n = options.children, m = options.messages;
  const int threads = std::max(1, options.threads);
  if (n <= 0 || m < n) return absl::InvalidArgumentError("children must be positive and messages at least children");
  if (m / n > 1000) return absl::InvalidArgumentError("at most 1,000 messages a child");
  if (options.cipher == nullptr) return absl::InvalidArgumentError("a key ring is required");
  std::ostream null_log(nullptr);
  std::ostream& log = options.log != nullptr ? *options.log : null_log;
  const auto started = std::chrono::steady_clock::now();
  const mysql::ConnectionSettings& settings = options.settings;
  const std::shared_ptr<const crypto::FieldCipher>& cipher = options.cipher;
  const v1::AgencyRegistry& registry = options.registry;

  CRE_ASSIGN_OR_RETURN(const std::vector<mysql::Migration> migrations,
                       mysql::ParseMigrations(mysql::EmbeddedMigrationFiles()));
  CRE_RETURN_IF_ERROR(mysql::ApplyMigrations(settings, migrations).status());
  CRE_ASSIGN_OR_RETURN(const Agencies agencies, AgenciesOf(registry));
  {
    mysql::MysqlStore store(settings, 1, cipher);
    CRE_RETURN_IF_ERROR(store.SyncAgencies({registry.agencies().begin(), registry.agencies().end()}).status());
  }

  CRE_ASSIGN_OR_RETURN(std::unique_ptr<sql::Connection> control, LoadConnection(settings));
  CRE_ASSIGN_OR_RETURN(const bool done, AlreadyGenerated(*control, n, m, log));
  HistoryResult result;
  if (done) {
    result.already = true;
    return result;
  }

  // The hub's default schedule (config/governance.textproto keeps it):
  // payloads a year after their deliveries settled.
  v1::RetentionConfig retention_config;
  CRE_RETURN_IF_ERROR(CompleteRetentionConfig(&retention_config));
  const RetentionSchedule retention(retention_config);
  CRE_ASSIGN_OR_RETURN(crypto::BlindIndex nhs_index,
                       crypto::BlindIndex::Create(cipher->key_ring(), mysql::kNhsNumberIndexPurpose));
  const Generator generator(agencies, *cipher, std::move(nhs_index), retention, n, m, options.seed, absl::Now());
  const int64_t blocks = generator.blocks();
  Chain chain(blocks);
  TableTimes times;
  std::atomic<int64_t> next_block{0}, children_done{0}, messages_done{0}, deliveries_done{0}, purged_done{0};
  std::atomic<bool> finished{false};
  std::mutex error_mu;
  absl::Status error;
  auto fail = [&](absl::Status s) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (error.ok()) error = std::move(s);
    chain.Fail();
  };

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      absl::StatusOr<std::unique_ptr<sql::Connection>> c = LoadConnection(settings);
      if (!c.ok()) return fail(c.status());
      for (int64_t b; !chain.failed() && (b = next_block.fetch_add(1)) < blocks;) {
        absl::StatusOr<Block> block = generator.Make(b);
        if (!block.ok()) return fail(block.status());
        try {
          for (const std::string& s : block->statements) times.Execute(**c, s);
        } catch (const sql::SQLException& e) {
          return fail(absl::InternalError(absl::StrCat("block ", b, ": ", e.what())));
        }
        block->statements.clear();
        children_done += block->children;
        messages_done += block->messages;
        deliveries_done += block->deliveries;
        purged_done += block->purged;
        chain.Put(*std::move(block), 4 * threads);
      }
    });
  }
  std::thread sealer([&] {
    absl::StatusOr<std::unique_ptr<sql::Connection>> c = LoadConnection(settings);
    if (!c.ok()) return fail(c.status());
    try {
      absl::Status s = chain.Run(**c, times);
      if (!s.ok()) fail(s);
    } catch (const sql::SQLException& e) {
      fail(absl::InternalError(absl::StrCat("audit chain: ", e.what())));
    }
  });
  std::thread progress([&] {
    auto last = std::chrono::steady_clock::now();
    while (!finished) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::seconds(10)) continue;
      last = now;
      const double s = std::chrono::duration<double>(now - started).count();
      log << absl::StrFormat(
                       "history: %.0f s: %d of %d children, %d of %d messages (%.0f/s), %d deliveries, %d audit rows",
                       s, children_done.load(), n, messages_done.load(), m, messages_done.load() / s,
                       deliveries_done.load(), chain.sealed_rows())
                << std::endl;
    }
  });
  for (std::thread& w : workers) w.join();
  sealer.join();
  finished = true;
  progress.join();
  CRE_RETURN_IF_ERROR(error);

  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.deliveries = deliveries_done;
  result.audit_rows = chain.sealed_rows();
  result.purged_payloads = purged_done;
  Execute(*control,
          absl::StrCat("UPDATE bench_history_run SET complete = TRUE, seconds = ", result.seconds, " WHERE id = 1"));
  Execute(*control, "COMMIT");
  log << absl::StrFormat(
             "history: %d deliveries, %d audit rows, %d message payloads purged (the retention schedule's);"
             " seconds by table (summed over connections): ",
             result.deliveries, result.audit_rows, result.purged_payloads)
      << times.Summary() << std::endl;
  return result;
}

}  // namespace cre::history
