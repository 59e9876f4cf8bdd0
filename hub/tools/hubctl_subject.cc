#include "tools/hubctl_subject.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "access/nhs_number.h"
#include "common/proto_time.h"
#include "config/hub_config.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "pathway/engine.h"
#include "store/mysql/mysql_store.h"

namespace cre::hubctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kMaxAccessLimit = 500;

std::string Get(const Flags& flags, const std::string& name) {
  auto it = flags.find(name);
  return it == flags.end() ? "" : it->second;
}
bool Has(const Flags& flags, const std::string& name) { return flags.count(name) > 0; }

int UsageError(const std::string& words, const std::string& problem) {
  std::cerr << "hubctl: " << problem << "; see hubctl " << words << " --help\n";
  return kExitUsage;
}

int Fail(const absl::Status& status) {
  std::cerr << "hubctl: " << status.message() << "\n";
  return kExitFailed;
}

// The record of what the operator did, for the audit chain; the store
// completes it (kind, child, cases).
v1::AuditRecord OperatorRecord(const std::string& method) {
  v1::AuditRecord record;
  *record.mutable_at() = ToProtoTime(absl::Now());
  record.set_actor_agency_id("operator");
  record.set_method(method);
  return record;
}

// Rows sealed before the access index existed are indexed by every running
// hub's sealer; hubctl does the same, so that it lists them when no hub runs.
void CatchUpAccessIndex(Store& store) {
  for (int round = 0; round < 10000; ++round) {
    absl::StatusOr<bool> done = store.IndexAuditAccesses(1000);
    if (!done.ok() || *done) return;
  }
}

// An access in words, for people.
std::string AccessInWords(const v1::RecordAccess& a) {
  switch (a.kind()) {
    case v1::AUDIT_EVENT_KIND_CASE_READ:
      return "read the case";
    case v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT:
      return absl::StrCat("message handed to ", a.recipient_agency_id());
    case v1::AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED:
      return "subject access export";
    case v1::AUDIT_EVENT_KIND_ACCESS_LOG_READ:
      return "read the access log";
    default:
      return v1::AuditEventKind_Name(a.kind());
  }
}

std::string FormatAt(const google::protobuf::Timestamp& at) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", FromProtoTime(at), absl::UTCTimeZone());
}

// --- Third-party information ------------------------------------------------

constexpr char kReferrer[] = "who raised the concern or report (the referrer's identity)";
constexpr char kInvolved[] = "the agencies involved include whoever raised the concern";
constexpr char kOtherPeople[] =
    "other people named in an Operation Liberty report (individuals, places, vehicles): may include other children";
constexpr char kFreeText[] = "free text written by a practitioner: may name the referrer, family members or other children";
constexpr char kPractitioner[] = "a practitioner's name or username";

bool IsReferral(const Message& m) {
  const auto* routed = dynamic_cast<const v1::RoutedMessage*>(&m);
  if (routed == nullptr || routed->sent_by_hub()) return false;
  return routed->kind() == v1::MESSAGE_KIND_CONCERN || routed->kind() == v1::MESSAGE_KIND_OPERATION_LIBERTY_REPORT ||
         routed->kind() == v1::MESSAGE_KIND_STEP_UP_REFERRAL;
}

// Why field `f` of `parent` is third-party information, or nullptr.
const char* ThirdPartyReason(const Message& parent, const FieldDescriptor* f) {
  static const std::set<std::string>* const free_text = new std::set<std::string>{
      "narrative", "reason", "summary", "description", "rationale", "note", "consent_note", "purpose_detail"};
  const std::string& name = f->name();
  if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
    const std::string& type = f->message_type()->full_name();
    if (type == "cre.v1.Individual" || type == "cre.v1.Place" || type == "cre.v1.Vehicle") return kOtherPeople;
    return nullptr;
  }
  if (f->type() != FieldDescriptor::TYPE_STRING) return nullptr;
  if (name == "sender_agency_id" && IsReferral(parent)) return kReferrer;
  if (name == "involved_agency_ids") return kInvolved;
  if (free_text->count(name)) return kFreeText;
  if (name == "team_manager" || name == "staff_id") return kPractitioner;
  return nullptr;
}

// --- Walking the export -------------------------------------------------------

std::string Escape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (ch < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(ch, absl::kZeroPad2));
        } else {
          out += static_cast<char>(ch);
        }
    }
  }
  return out + "\"";
}

std::string Label(const std::string& field_name) { return absl::StrReplaceAll(field_name, {{"_", " "}}); }

// Walks a message field by field (the fields set, in number order, as the
// JSON mapping prints them), collecting the third-party marks and, if
// `html` is given, rendering it as nested definition lists.
class Walker {
 public:
  explicit Walker(std::vector<RedactionMark>* marks) : marks_(marks) {}

  void Walk(const Message& m, const std::string& pointer, std::string* html) {
    if (m.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
      if (html) *html += Escape(FormatAt(static_cast<const google::protobuf::Timestamp&>(m)));
      return;
    }
    const Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    if (html) *html += "<dl>";
    for (const FieldDescriptor* f : fields) {
      const std::string at = absl::StrCat(pointer, "/", f->name());
      const char* reason = ThirdPartyReason(m, f);
      if (html) {
        absl::StrAppend(html, "<dt>", Escape(Label(f->name())), "</dt>");
        absl::StrAppend(html, reason ? "<dd class=\"review\">" : "<dd>");
        if (reason) absl::StrAppend(html, "<span class=\"why\">Redaction review: ", Escape(reason), "</span> ");
      }
      if (f->is_repeated()) {
        // A repeated field of third-party items is marked item by item.
        if (html) *html += "<ol>";
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          const std::string item = absl::StrCat(at, "/", i);
          if (reason) marks_->push_back({item, reason});
          if (html) *html += "<li>";
          Value(m, f, i, item, html);
          if (html) *html += "</li>";
        }
        if (html) *html += "</ol>";
      } else {
        if (reason) marks_->push_back({at, reason});
        Value(m, f, -1, at, html);
      }
      if (html) *html += "</dd>";
    }
    if (html) *html += "</dl>";
  }

 private:
  void Value(const Message& m, const FieldDescriptor* f, int i, const std::string& pointer, std::string* html) {
    const Reflection* r = m.GetReflection();
    const bool repeated = i >= 0;
    std::string text;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Walk(repeated ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f), pointer, html);
        return;
      case FieldDescriptor::CPPTYPE_STRING:
        text = repeated ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (f->type() == FieldDescriptor::TYPE_BYTES) text = absl::StrCat("(", text.size(), " bytes)");
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        text = (repeated ? r->GetRepeatedEnum(m, f, i) : r->GetEnum(m, f))->name();
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        text = (repeated ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "yes" : "no";
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        text = absl::StrCat(repeated ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        text = absl::StrCat(repeated ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        text = absl::StrCat(repeated ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        text = absl::StrCat(repeated ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        text = absl::StrCat(repeated ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        text = absl::StrCat(repeated ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
        break;
    }
    if (html) *html += Escape(text);
  }

  std::vector<RedactionMark>* marks_;
};

// The parts of an export in document order, each a message at its pointer.
template <typename Visit>
void ForEachPart(const ChildExport& child, Visit visit) {
  visit("Who the child is", child.details, "/child/details");
  visit("The child's circumstances", child.facts, "/child/facts");
  for (size_t i = 0; i < child.cases.size(); ++i) {
    visit(absl::StrCat("Case ", child.cases[i].case_id()), child.cases[i], absl::StrCat("/cases/", i));
  }
  for (size_t i = 0; i < child.accesses.size(); ++i) {
    visit("", child.accesses[i], absl::StrCat("/access_log/", i));
  }
}

std::string ToJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(m, &json, options).ok()) return "{}";
  return json;
}

// Writes `text` to `path`, readable by its owner only: it holds a child's
// personal data.
absl::Status WritePrivateFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be written"));
  ::fchmod(fd, 0600);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": write failed"));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return absl::InternalError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

constexpr char kStyle[] =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4;color:#111}"
    "h1,h2,h3{line-height:1.2}dl{margin:.2rem 0 .2rem 1rem;padding-left:.5rem;border-left:2px solid #ddd}"
    "dt{font-weight:600;margin-top:.3rem}dd{margin:0 0 0 1rem}ol{margin:.2rem 0;padding-left:1.5rem}"
    ".review{background:#fff3b0;outline:2px dashed #b35900;padding:.1rem .3rem}"
    ".why{display:block;font-size:.85em;font-weight:700;color:#7a3b00}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;"
    "vertical-align:top;font-size:.9em}.note{border:1px solid #b35900;padding:.5rem 1rem;background:#fffaf0}";

}  // namespace

std::vector<RedactionMark> RedactionMarks(const ChildExport& child) {
  std::vector<RedactionMark> marks;
  Walker walker(&marks);
  ForEachPart(child, [&](const std::string&, const Message& m, const std::string& pointer) {
    walker.Walk(m, pointer, nullptr);
  });
  return marks;
}

std::string SubjectExportJson(const ChildExport& child, absl::Time exported_at) {
  std::string out = "{\n";
  absl::StrAppend(&out, "  \"format\": \"cre subject access export v1\",\n");
  absl::StrAppend(&out, "  \"child_id\": ", JsonQuote(child.child_id), ",\n");
  absl::StrAppend(&out, "  \"exported_at\": ", JsonQuote(absl::FormatTime(absl::RFC3339_full, exported_at,
                                                                           absl::UTCTimeZone())),
                  ",\n");
  absl::StrAppend(&out, "  \"exported_by\": \"operator\",\n");
  absl::StrAppend(&out, "  \"child\": {\"details\": ", ToJson(child.details), ", \"facts\": ", ToJson(child.facts),
                  "},\n");
  std::vector<std::string> cases;
  for (const v1::GetCaseResponse& c : child.cases) cases.push_back(ToJson(c));
  absl::StrAppend(&out, "  \"cases\": [", absl::StrJoin(cases, ",\n    "), "],\n");
  std::vector<std::string> accesses;
  for (const v1::RecordAccess& a : child.accesses) accesses.push_back(ToJson(a));
  absl::StrAppend(&out, "  \"access_log\": [", absl::StrJoin(accesses, ",\n    "), "],\n");
  absl::StrAppend(&out, "  \"access_log_complete\": ", child.accesses_complete ? "true" : "false", ",\n");
  std::vector<std::string> marks;
  for (const RedactionMark& mark : RedactionMarks(child)) {
    marks.push_back(absl::StrCat("{\"pointer\": ", JsonQuote(mark.pointer), ", \"reason\": ", JsonQuote(mark.reason),
                                 "}"));
  }
  absl::StrAppend(&out, "  \"third_party\": [", absl::StrJoin(marks, ",\n    "), "]\n}\n");
  return out;
}

std::string SubjectExportHtml(const ChildExport& child, absl::Time exported_at) {
  std::vector<RedactionMark> marks;
  Walker walker(&marks);
  std::string body;
  ForEachPart(child, [&](const std::string& title, const Message& m, const std::string& pointer) {
    if (title.empty()) return;  // the access log is a table of its own, below
    absl::StrAppend(&body, "<section><h2>", Escape(title), "</h2>");
    walker.Walk(m, pointer, &body);
    body += "</section>";
  });
  std::string log = "<section><h2>Who has accessed the record</h2>";
  if (!child.accesses_complete) {
    log += "<p class=\"note\">The hub was still indexing older audit records: older accesses may be missing.</p>";
  }
  log +=
      "<table><thead><tr><th>When (UTC)</th><th>Agency</th><th>Member of staff</th><th>What</th><th>Method</th>"
      "<th>Case</th><th>Audit row</th></tr></thead><tbody>";
  for (const v1::RecordAccess& a : child.accesses) {
    const std::string staff = a.staff_id().empty()
                                  ? ""
                                  : absl::StrCat("<span class=\"review\"><span class=\"why\">Redaction review: ",
                                                 Escape(kPractitioner), "</span> ", Escape(a.staff_id()), "</span>");
    absl::StrAppend(&log, "<tr><td>", Escape(FormatAt(a.at())), "</td><td>", Escape(a.agency_id()), "</td><td>",
                    staff, "</td><td>", Escape(AccessInWords(a)), "</td><td>", Escape(a.method()), "</td><td>",
                    Escape(a.case_id()), "</td><td>", a.seq(), "</td></tr>");
  }
  log += "</tbody></table></section>";

  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<meta name=\"robots\" content=\"noindex\">";
  absl::StrAppend(&out, "<title>Subject access export: child ", Escape(child.child_id), "</title><style>", kStyle,
                  "</style></head><body>");
  absl::StrAppend(&out, "<h1>Everything the CRE hub holds about child ", Escape(child.child_id), "</h1>");
  absl::StrAppend(&out, "<p>Exported ", Escape(absl::FormatTime(absl::RFC3339_sec, exported_at, absl::UTCTimeZone())),
                  " by the hub operator; ", child.cases.size(), " case(s), ", child.accesses.size(),
                  " recorded access(es).</p>");
  absl::StrAppend(&out,
                  "<p class=\"note\"><strong>Before disclosure:</strong> ", RedactionMarks(child).size(),
                  " item(s) are <span class=\"review\">marked for redaction review</span>: information about "
                  "people other than the child (whoever raised a concern, other children and adults named, "
                  "practitioners). Decide for each whether it is disclosed (UK GDPR Article 15(4); DPA 2018 "
                  "Schedule 2 paragraphs 16 and 17).</p>");
  out += body;
  out += log;
  out += "</body></html>\n";
  return out;
}

int AccessList(const Flags& flags) {
  const std::string words = "access list";
  if (Has(flags, "--case") == Has(flags, "--child")) return UsageError(words, "give --case ID or --child ID");
  int limit = 50;
  if (Has(flags, "--limit") &&
      (!absl::SimpleAtoi(Get(flags, "--limit"), &limit) || limit <= 0 || limit > kMaxAccessLimit)) {
    return UsageError(words, absl::StrCat("--limit: not a number from 1 to ", kMaxAccessLimit, ": ",
                                          Get(flags, "--limit")));
  }
  v1::ListRecordAccessesRequest request;
  if (Has(flags, "--case")) {
    request.set_case_id(Get(flags, "--case"));
  } else {
    request.set_child_id(Get(flags, "--child"));
  }
  request.set_limit(limit);
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(Get(flags, "--config"));
  if (!config.ok()) return Fail(config.status());
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(*config);
  if (!store.ok()) return Fail(store.status());
  CatchUpAccessIndex(**store);
  absl::StatusOr<v1::ListRecordAccessesResponse> listed =
      (*store)->ListRecordAccesses(request, limit, OperatorRecord("hubctl access list"));
  if (!listed.ok()) return Fail(listed.status());
  std::cout << "child " << listed->child_id() << "; cases " << absl::StrJoin(listed->case_ids(), ", ") << "\n";
  if (!listed->complete()) std::cout << "(older audit rows are still being indexed: older accesses may be missing)\n";
  std::cout << "seq\tat\tagency\tstaff\taccess\tmethod\tcase_id\n";
  for (const v1::RecordAccess& a : listed->accesses()) {
    std::cout << a.seq() << "\t" << FormatAt(a.at()) << "\t" << a.agency_id() << "\t" << a.staff_id() << "\t"
              << AccessInWords(a) << "\t" << a.method() << "\t" << a.case_id() << "\n";
  }
  if (listed->next_before_seq() != 0) {
    std::cout << "(more: older accesses before row " << listed->next_before_seq() << ")\n";
  }
  return kExitOk;
}

int SubjectExport(const Flags& flags) {
  const std::string words = "subject export";
  if (Has(flags, "--child") == Has(flags, "--nhs-number")) {
    return UsageError(words, "give --child ID or --nhs-number N");
  }
  std::string nhs_number;
  if (Has(flags, "--nhs-number")) {
    absl::StatusOr<std::string> digits = NormalizeNhsNumber(Get(flags, "--nhs-number"));
    if (!digits.ok()) return UsageError(words, absl::StrCat("--nhs-number: ", digits.status().message()));
    nhs_number = *std::move(digits);
  }
  const std::string out_dir = Get(flags, "--out");
  struct stat st;
  if (::stat(out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return UsageError(words, absl::StrCat("--out: not a directory: ", out_dir));
  }
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(Get(flags, "--config"));
  if (!config.ok()) return Fail(config.status());
  absl::StatusOr<pathway::PathwayEngine> engine =
      pathway::PathwayEngine::FromFiles(config->pathway_policy_file(), config->bank_holiday_changes_file());
  if (!engine.ok()) return Fail(engine.status());
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(*config);
  if (!store.ok()) return Fail(store.status());
  std::string child_id = Get(flags, "--child");
  if (!nhs_number.empty()) {
    absl::StatusOr<std::string> found = (*store)->FindChildByNhsNumber(nhs_number);
    if (!found.ok()) return Fail(found.status());
    child_id = *std::move(found);
  }
  CatchUpAccessIndex(**store);
  absl::StatusOr<ChildExport> exported = (*store)->ExportChild(child_id, OperatorRecord("hubctl subject export"));
  if (!exported.ok()) return Fail(exported.status());
  const absl::Time now = absl::Now();
  for (v1::GetCaseResponse& c : exported->cases) {
    absl::StatusOr<v1::Pathway> pathway = engine->Evaluate(c.case_file(), now);
    if (!pathway.ok()) return Fail(pathway.status());
    *c.mutable_pathway() = *std::move(pathway);
  }
  const std::string base = absl::StrCat(out_dir, out_dir.empty() || out_dir.back() == '/' ? "" : "/", "child-",
                                        exported->child_id);
  if (absl::Status written = WritePrivateFile(base + ".json", SubjectExportJson(*exported, now)); !written.ok()) {
    return Fail(written);
  }
  if (absl::Status written = WritePrivateFile(base + ".html", SubjectExportHtml(*exported, now)); !written.ok()) {
    return Fail(written);
  }
  int messages = 0;
  for (const v1::GetCaseResponse& c : exported->cases) messages += c.messages_size();
  std::cout << "exported child " << exported->child_id << ": " << exported->cases.size() << " case(s), " << messages
            << " message(s), " << exported->accesses.size() << " access(es); "
            << RedactionMarks(*exported).size() << " item(s) marked for redaction review\n"
            << "  " << base << ".json\n  " << base << ".html\n";
  return kExitOk;
}

}  // namespace cre::hubctl
