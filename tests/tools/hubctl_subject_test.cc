// hubctl access list and subject export, run as an operator runs them: the
// real binary, a config file, the real MariaDB. The export is read back:
// its JSON parses, its HTML holds the child's cases with the third-party
// items marked and nothing unescaped, and the chain records the export.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/audit_records.h"
#include "support/hub_process.h"
#include "support/test_environment.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kNarrative[] = "Seen with <script>alert(1)</script> Sam Other, 15, at the flat";

class HubctlSubjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const v1::HubConfig hub_config = testing::TestHubConfig(db_);
    config_ = testing::WriteHubConfigFile(hub_config, "subject.textproto");
    ASSERT_TRUE(store_
                    .SyncAgencies({hub_config.agency_registry().agencies().begin(),
                                   hub_config.agency_registry().agencies().end()})
                    .ok());
  }

  // A concern about the child with NHS number 943 476 5919 from `sender`,
  // routed to no one.
  std::string OpenCase(const std::string& sender, const std::string& key) {
    v1::NewChild child;
    child.mutable_details()->set_given_name("Alex");
    child.mutable_details()->set_family_name("Example");
    child.mutable_details()->set_nhs_number("9434765919");
    child.mutable_child()->set_date_of_birth("2013-06-17");
    child.mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
    child.mutable_child()->set_home_authority_code("E06000015");
    Submission s;
    s.sender_agency_id = sender;
    s.method = "SubmitConcern";
    s.idempotency_key = s.request_sha256 = key;
    s.message.set_kind(v1::MESSAGE_KIND_CONCERN);
    s.message.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_LOW);
    s.message.mutable_concern()->set_narrative(kNarrative);
    s.accepted_at = absl::Now() - absl::Hours(1);
    s.opened_at = s.accepted_at;
    s.new_child = &child;
    absl::StatusOr<Accepted> accepted =
        store_.Accept(s, [](const CaseView*, const RepliedMessage*) { return absl::StatusOr<Routing>(Routing()); });
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return accepted.ok() ? accepted->receipt.case_id() : "";
  }

  std::vector<v1::AuditRecord> Chain(v1::AuditEventKind kind) {
    EXPECT_TRUE(store_.SealAudit(100000).ok());
    return testing::SealedRecordsOfKind(store_, kind);
  }

  testing::TestDatabase db_;
  std::string config_;
  mysql::MysqlStore store_{db_.settings(), 2, testing::TestCipher()};
};

TEST_F(HubctlSubjectTest, AccessListShowsWhoReadTheChildsCasesNewestFirst) {
  const std::string first = OpenCase("derby-health", "a");
  const std::string second = OpenCase("derby-school-ashgrove", "b");
  ASSERT_TRUE(store_.ReadCase(first, "derby-health", "").ok());
  ASSERT_TRUE(store_.ReadCase(second, "derby-school-ashgrove", "j.teacher").ok());
  ASSERT_TRUE(store_.SealAudit(100000).ok());
  const std::string child = db_.QueryString("SELECT child_id FROM cre_case WHERE case_id = '" + first + "'");

  testing::HubctlRun listed = testing::RunHubctl("access list --config " + config_ + " --child " + child);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(absl::StrCat("child ", child, "; cases ", first, ", ", second, "\n")));
  EXPECT_THAT(listed.output, HasSubstr("seq\tat\tagency\tstaff\taccess\tmethod\tcase_id\n"));
  const size_t school = listed.output.find("\tderby-school-ashgrove\tj.teacher\tread the case\tGetCase\t" + second);
  const size_t health = listed.output.find("\tderby-health\t\tread the case\tGetCase\t" + first);
  ASSERT_NE(school, std::string::npos) << listed.output;
  ASSERT_NE(health, std::string::npos) << listed.output;
  EXPECT_LT(school, health) << "newest first";

  // By case; the list read by hubctl is itself listed once sealed (hubctl
  // journals; a hub, or hubctl audit seal, seals).
  ASSERT_TRUE(store_.SealAudit(100000).ok());
  testing::HubctlRun of_case = testing::RunHubctl("access list --config " + config_ + " --case " + first + " --limit 1");
  ASSERT_EQ(of_case.exit_code, 0) << of_case.output;
  EXPECT_THAT(of_case.output, HasSubstr("\toperator\t\tread the access log\thubctl access list\t\n"));
  EXPECT_THAT(of_case.output, HasSubstr("(more: older accesses before row "));

  EXPECT_EQ(testing::RunHubctl("access list --config " + config_).exit_code, 2);
  EXPECT_EQ(testing::RunHubctl("access list --config " + config_ + " --case " + first + " --child " + child).exit_code, 2);
  EXPECT_EQ(testing::RunHubctl("access list --config " + config_ + " --case " + first + " --limit 0").exit_code, 2);
  testing::HubctlRun unknown =
      testing::RunHubctl("access list --config " + config_ + " --case 00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("case_id: no case"));
}

TEST_F(HubctlSubjectTest, SubjectExportWritesJsonAndHtmlMarksThirdPartiesAndIsAudited) {
  const std::string first = OpenCase("derby-health", "a");
  const std::string second = OpenCase("derby-school-ashgrove", "b");
  ASSERT_TRUE(store_.ReadCase(first, "derby-health", "").ok());
  ASSERT_TRUE(store_.SealAudit(100000).ok());
  const std::string child = db_.QueryString("SELECT child_id FROM cre_case WHERE case_id = '" + first + "'");
  const std::string out = ::testing::TempDir() + "sar-" + child;
  ASSERT_EQ(::mkdir(out.c_str(), 0700), 0);

  testing::HubctlRun exported =
      testing::RunHubctl("subject export --config " + config_ + " --nhs-number '943 476 5919' --out " + out);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_THAT(exported.output, HasSubstr(absl::StrCat("exported child ", child, ": 2 case(s), 2 message(s), 1 access(es)")));
  const std::string json_path = absl::StrCat(out, "/child-", child, ".json");
  const std::string html_path = absl::StrCat(out, "/child-", child, ".html");
  struct stat st;
  ASSERT_EQ(::stat(json_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "it holds a child's personal data";

  // The JSON parses, and says where the third-party items are.
  absl::StatusOr<std::string> json = ReadFile(json_path);
  ASSERT_TRUE(json.ok()) << json.status();
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &doc).ok()) << *json;
  EXPECT_EQ(doc.fields().at("child_id").string_value(), child);
  ASSERT_EQ(doc.fields().at("cases").list_value().values_size(), 2);
  const auto& case0 = doc.fields().at("cases").list_value().values(0).struct_value();
  EXPECT_EQ(case0.fields().at("case_id").string_value(), first);
  EXPECT_EQ(case0.fields().at("messages").list_value().values(0).struct_value().fields().at("concern")
                .struct_value().fields().at("narrative").string_value(),
            kNarrative);
  EXPECT_EQ(doc.fields().at("child").struct_value().fields().at("details").struct_value().fields().at("nhs_number")
                .string_value(),
            "9434765919");
  EXPECT_EQ(doc.fields().at("access_log").list_value().values_size(), 1);
  std::vector<std::string> marked;
  for (const auto& mark : doc.fields().at("third_party").list_value().values()) {
    marked.push_back(absl::StrCat(mark.struct_value().fields().at("pointer").string_value(), " ",
                                  mark.struct_value().fields().at("reason").string_value()));
  }
  EXPECT_THAT(marked, ::testing::Contains(HasSubstr("/cases/0/messages/0/sender_agency_id who raised the concern")));
  EXPECT_THAT(marked, ::testing::Contains(HasSubstr("/cases/1/messages/0/concern/narrative free text")));
  EXPECT_THAT(marked, ::testing::Contains(HasSubstr("/cases/0/involved_agency_ids/0 ")));

  // The HTML: self-contained, the cases, the marks, nothing unescaped.
  absl::StatusOr<std::string> html = ReadFile(html_path);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_THAT(*html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(*html, HasSubstr("Case " + first));
  EXPECT_THAT(*html, HasSubstr("Case " + second));
  EXPECT_THAT(*html, HasSubstr("Redaction review: who raised the concern"));
  EXPECT_THAT(*html, HasSubstr("class=\"review\""));
  EXPECT_THAT(*html, HasSubstr("Seen with &lt;script&gt;alert(1)&lt;/script&gt; Sam Other"));
  EXPECT_THAT(*html, Not(HasSubstr("<script")));
  EXPECT_THAT(*html, Not(HasSubstr("src=")));
  EXPECT_THAT(*html, HasSubstr("Who has accessed the record"));

  // One record of the export: the child and the cases by id, and no
  // personal data.
  const std::vector<v1::AuditRecord> records = Chain(v1::AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].actor_agency_id(), "operator");
  EXPECT_EQ(records[0].method(), "hubctl subject export");
  EXPECT_EQ(records[0].child_id(), child);
  EXPECT_EQ(records[0].detail(), absl::StrCat("cases: ", first, ", ", second));
  EXPECT_THAT(records[0].DebugString(), Not(HasSubstr("9434765919")));
  EXPECT_THAT(records[0].DebugString(), Not(HasSubstr("Example")));

  // By id too; a number the hub does not hold, or a malformed one, is refused.
  EXPECT_EQ(testing::RunHubctl("subject export --config " + config_ + " --child " + child + " --out " + out).exit_code,
            0);
  testing::HubctlRun unknown =
      testing::RunHubctl("subject export --config " + config_ + " --nhs-number 4010232137 --out " + out);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("no child with this NHS number"));
  testing::HubctlRun malformed =
      testing::RunHubctl("subject export --config " + config_ + " --nhs-number 943476591 --out " + out);
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_THAT(malformed.output, HasSubstr("--nhs-number: 9 digits"));
  EXPECT_EQ(testing::RunHubctl("subject export --config " + config_ + " --child " + child + " --out /nonexistent")
                .exit_code,
            2);
}

}  // namespace
}  // namespace cre
