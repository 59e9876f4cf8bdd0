// Who looked at a child's record: the access index over the audit chain
// (migration 0019), filled when records are sealed and, for rows sealed
// before it existed, by the catch-up; and the subject access export's read
// of everything held about a child. Against the real MariaDB.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "store/store_conformance.h"
#include "support/test_database.h"
#include "support/test_environment.h"

namespace cre::mysql {
namespace {

using ::cre::testing::MakeAgency;
using ::cre::testing::TestDatabase;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kNhsNumber[] = "9434765919";

class RecordAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .SyncAgencies({MakeAgency("health", v1::HEALTH), MakeAgency("school", v1::EDUCATION),
                                   MakeAgency("csc", v1::CHILDRENS_SOCIAL_CARE)})
                    .ok());
  }

  // A concern from `sender` opening a case for the child with the NHS
  // number, delivered to Children's Social Care.
  std::string OpenCase(const std::string& sender, const std::string& key) {
    v1::NewChild child = testing::ExampleChild();
    child.mutable_details()->set_nhs_number(kNhsNumber);
    Submission s;
    s.sender_agency_id = sender;
    s.method = "SubmitConcern";
    s.idempotency_key = key;
    s.request_sha256 = key;
    s.message.set_kind(v1::MESSAGE_KIND_CONCERN);
    s.message.mutable_concern()->set_narrative("Seen with an older man, Sam Other, aged 15");
    s.accepted_at = absl::Now();
    s.opened_at = s.accepted_at;
    s.new_child = &child;
    absl::StatusOr<Accepted> accepted = store_.Accept(s, [](const CaseView*, const RepliedMessage*) {
      Routing routing;
      routing.recipients = {"csc"};
      return absl::StatusOr<Routing>(routing);
    });
    EXPECT_TRUE(accepted.ok()) << accepted.status();
    return accepted.ok() ? accepted->receipt.case_id() : "";
  }

  void Read(const std::string& case_id, const std::string& agency, const std::string& staff = "") {
    absl::StatusOr<v1::GetCaseResponse> read = store_.ReadCase(case_id, agency, staff);
    ASSERT_TRUE(read.ok()) << read.status();
  }

  void Seal() {
    absl::StatusOr<int> sealed = store_.SealAudit(10000);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
  }

  v1::ListRecordAccessesResponse List(v1::ListRecordAccessesRequest request, int limit = 50) {
    v1::AuditRecord by;
    by.set_actor_agency_id("csc");
    by.set_method("/cre.v1.Oversight/ListRecordAccesses");
    absl::StatusOr<v1::ListRecordAccessesResponse> listed = store_.ListRecordAccesses(request, limit, by);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : v1::ListRecordAccessesResponse();
  }
  v1::ListRecordAccessesResponse OfChild(const std::string& child_id, int limit = 50, int64_t before = 0) {
    v1::ListRecordAccessesRequest request;
    request.set_child_id(child_id);
    request.set_before_seq(before);
    return List(request, limit);
  }
  v1::ListRecordAccessesResponse OfCase(const std::string& case_id) {
    v1::ListRecordAccessesRequest request;
    request.set_case_id(case_id);
    return List(request);
  }

  std::string ChildOf(const std::string& case_id) {
    return db_.QueryString(absl::StrCat("SELECT child_id FROM cre_case WHERE case_id = '", case_id, "'"));
  }

  // "KIND agency/staff case" for each access, as listed.
  static std::vector<std::string> Summary(const v1::ListRecordAccessesResponse& listed) {
    std::vector<std::string> out;
    for (const v1::RecordAccess& a : listed.accesses()) {
      out.push_back(absl::StrCat(v1::AuditEventKind_Name(a.kind()).substr(17), " ", a.agency_id(),
                                 a.staff_id().empty() ? "" : "/", a.staff_id(), " ", a.case_id()));
    }
    return out;
  }

  TestDatabase db_;
  MysqlStore store_{db_.settings(), 4, testing::TestCipher()};
};

TEST_F(RecordAccessTest, EveryReadOfTheChildsCasesIsListedNewestFirst) {
  const std::string first = OpenCase("health", "a");
  const std::string second = OpenCase("school", "b");
  const std::string child = ChildOf(first);
  ASSERT_EQ(ChildOf(second), child) << "one NHS number, one child";

  Read(first, "health");
  Read(second, "school", "j.teacher");
  Read(first, "csc", "a.khan");
  Seal();

  v1::ListRecordAccessesResponse of_child = OfChild(child);
  EXPECT_EQ(of_child.child_id(), child);
  EXPECT_THAT(of_child.case_ids(), ElementsAre(first, second));
  EXPECT_TRUE(of_child.complete());
  EXPECT_THAT(Summary(of_child), ElementsAre("CASE_READ csc/a.khan " + first, "CASE_READ school/j.teacher " + second,
                                             "CASE_READ health " + first));
  for (int i = 1; i < of_child.accesses_size(); ++i) {
    EXPECT_GT(of_child.accesses(i - 1).seq(), of_child.accesses(i).seq());
  }
  EXPECT_EQ(of_child.accesses(0).method(), "GetCase");
  EXPECT_TRUE(of_child.accesses(0).has_at());

  // One case: its own reads, and those of the child as a whole, such as the
  // read of the child's list just made (sealed now).
  Seal();
  EXPECT_THAT(Summary(OfCase(second)),
              ElementsAre("ACCESS_LOG_READ csc ", "CASE_READ school/j.teacher " + second));
  Seal();
  v1::ListRecordAccessesResponse again = OfChild(child, 2);
  EXPECT_THAT(Summary(again), ElementsAre("ACCESS_LOG_READ csc " + second, "ACCESS_LOG_READ csc "));
  EXPECT_NE(again.next_before_seq(), 0);

  // The next page, from where the last ended.
  v1::ListRecordAccessesResponse older = OfChild(child, 2, again.next_before_seq());
  EXPECT_THAT(Summary(older), ElementsAre("CASE_READ csc/a.khan " + first, "CASE_READ school/j.teacher " + second));
}

TEST_F(RecordAccessTest, AMessageAboutTheChildHandedToAnAgencyIsAnAccess) {
  const std::string case_id = OpenCase("health", "a");
  absl::StatusOr<std::vector<v1::RoutedMessage>> claimed =
      store_.ClaimDeliveries("csc", "stream-1", 10, DeliveryPolicy());
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  Seal();
  v1::ListRecordAccessesResponse listed = OfCase(case_id);
  ASSERT_EQ(listed.accesses_size(), 1);
  EXPECT_EQ(listed.accesses(0).kind(), v1::AUDIT_EVENT_KIND_DELIVERY_HANDED_OUT);
  EXPECT_EQ(listed.accesses(0).recipient_agency_id(), "csc");
  EXPECT_EQ(listed.accesses(0).message_id(), (*claimed)[0].message_id());
}

TEST_F(RecordAccessTest, RowsSealedBeforeTheIndexExistedAreIndexedByTheCatchUp) {
  const std::string first = OpenCase("health", "a");
  const std::string second = OpenCase("school", "b");
  const std::string child = ChildOf(first);
  Read(first, "health");
  Read(second, "school");
  Read(first, "csc");
  Seal();
  // As a chain sealed by a hub before migration 0019 leaves it: rows, no
  // index, the watermark at 0.
  db_.Execute("DELETE FROM audit_access");
  db_.Execute("UPDATE audit_access_watermark SET indexed_through = 0 WHERE id = 1");
  v1::ListRecordAccessesResponse before = OfChild(child);
  EXPECT_EQ(before.accesses_size(), 0);
  EXPECT_FALSE(before.complete());

  // A seal while the catch-up is behind indexes its own rows, and leaves
  // the watermark where it is.
  Read(second, "csc");
  Seal();
  EXPECT_EQ(db_.QueryString("SELECT indexed_through FROM audit_access_watermark"), "0");

  int rounds = 0;
  for (;;) {
    absl::StatusOr<bool> done = store_.IndexAuditAccesses(3);
    ASSERT_TRUE(done.ok()) << done.status();
    ++rounds;
    if (*done) break;
    ASSERT_LT(rounds, 100);
  }
  EXPECT_GT(rounds, 1) << "three rows a round";
  EXPECT_EQ(db_.QueryString("SELECT indexed_through FROM audit_access_watermark"),
            db_.QueryString("SELECT seq FROM audit_head"));

  v1::ListRecordAccessesResponse after = OfChild(child);
  EXPECT_TRUE(after.complete());
  EXPECT_THAT(Summary(after), ElementsAre("CASE_READ csc " + second, "ACCESS_LOG_READ csc ", "CASE_READ csc " + first,
                                          "CASE_READ school " + second, "CASE_READ health " + first));
  // Once caught up, each seal moves the watermark with the chain.
  Read(first, "health");
  Seal();
  EXPECT_EQ(db_.QueryString("SELECT indexed_through FROM audit_access_watermark"),
            db_.QueryString("SELECT seq FROM audit_head"));
  EXPECT_EQ(OfCase(first).accesses(0).kind(), v1::AUDIT_EVENT_KIND_CASE_READ);
}

TEST_F(RecordAccessTest, AnUnknownCaseOrChildIsNotFoundByName) {
  v1::ListRecordAccessesRequest request;
  request.set_case_id("00000000-0000-4000-8000-000000000000");
  absl::StatusOr<v1::ListRecordAccessesResponse> listed = store_.ListRecordAccesses(request, 10, {});
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(listed.status().message(), HasSubstr("case_id: no case"));
  request.set_child_id("00000000-0000-4000-8000-000000000000");
  listed = store_.ListRecordAccesses(request, 10, {});
  EXPECT_THAT(listed.status().message(), HasSubstr("child_id: no child"));
  EXPECT_EQ(db_.QueryString("SELECT COUNT(*) FROM audit_journal"), "0") << "a refusal reads nothing";
}

TEST_F(RecordAccessTest, TheExportHoldsEveryCaseMessageAndAccessAndIsAudited) {
  const std::string first = OpenCase("health", "a");
  const std::string second = OpenCase("school", "b");
  const std::string child = ChildOf(first);
  Read(second, "school");
  Seal();

  absl::StatusOr<std::string> found = store_.FindChildByNhsNumber(kNhsNumber);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, child);
  EXPECT_EQ(store_.FindChildByNhsNumber("4010232137").status().code(), absl::StatusCode::kNotFound);

  v1::AuditRecord by;
  by.set_actor_agency_id("operator");
  by.set_method("hubctl subject export");
  absl::StatusOr<ChildExport> exported = store_.ExportChild(child, by);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->details.nhs_number(), kNhsNumber);
  EXPECT_EQ(exported->facts.date_of_birth(), "2013-01-02");
  ASSERT_EQ(exported->cases.size(), 2u);
  EXPECT_EQ(exported->cases[0].case_id(), first);
  EXPECT_EQ(exported->cases[1].case_id(), second);
  // Every message, not one reader's share.
  ASSERT_EQ(exported->cases[1].messages_size(), 1);
  EXPECT_EQ(exported->cases[1].messages(0).sender_agency_id(), "school");
  EXPECT_EQ(exported->cases[1].messages(0).concern().narrative(), "Seen with an older man, Sam Other, aged 15");
  ASSERT_EQ(exported->accesses.size(), 1u);
  EXPECT_EQ(exported->accesses[0].agency_id(), "school");

  Seal();
  const std::string record = db_.QueryString(
      "SELECT COUNT(*) FROM audit_access a WHERE a.case_id = '' AND a.child_id = '" + child + "'");
  EXPECT_EQ(record, "1") << "the export is itself an access to the child";
  v1::ListRecordAccessesResponse listed = OfChild(child);
  ASSERT_GE(listed.accesses_size(), 1);
  EXPECT_EQ(listed.accesses(0).kind(), v1::AUDIT_EVENT_KIND_SUBJECT_ACCESS_EXPORTED);
  EXPECT_EQ(listed.accesses(0).agency_id(), "operator");
  EXPECT_EQ(store_.ExportChild("00000000-0000-4000-8000-000000000000", by).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cre::mysql
