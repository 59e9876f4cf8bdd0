// Oversight page tokens are the hub's own: a well-formed token the hub never
// issued (the store's own cursor, base64url but unsigned), a token issued to
// another agency or for another query (overdue only, the owner's role) is
// refused INVALID_ARGUMENT without echoing it; genuine tokens page through
// every action, through either of two hub processes sharing the database.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cre/v1/oversight.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "support/test_cases.h"
#include "support/test_hub.h"

namespace cre {
namespace {

using ::cre::testing::OpenLookedAfterChildAssessedHigh;
using ::cre::testing::TestHub;
using ::testing::HasSubstr;
using ::testing::Not;

struct Listed {
  grpc::Status status;
  v1::ListOpenActionsResponse response;
};

Listed List(const TestHub& hub, const std::string& agency, int page_size, const std::string& token = "",
            bool overdue_only = false, v1::PractitionerRole owner = v1::PRACTITIONER_ROLE_UNSPECIFIED) {
  v1::ListOpenActionsRequest request;
  request.set_overdue_only(overdue_only);
  request.set_owner(owner);
  request.set_page_size(page_size);
  request.set_page_token(token);
  grpc::ClientContext context;
  Listed listed;
  listed.status = v1::Oversight::NewStub(hub.ChannelFor(agency))->ListOpenActions(&context, request, &listed.response);
  return listed;
}

class PageTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two looked-after children assessed HIGH, one three days ago: open
    // actions owned by CSC, some overdue.
    OpenCase(absl::Now() - absl::Hours(72), "late");
    OpenCase(absl::Now() - absl::Hours(1), "soon");
  }

  void OpenCase(absl::Time assessed_at, const std::string& key) {
    absl::StatusOr<std::string> case_id = OpenLookedAfterChildAssessedHigh(hub_, assessed_at, key);
    ASSERT_TRUE(case_id.ok()) << case_id.status();
  }

  static void ExpectRefused(const Listed& listed, const std::string& token) {
    EXPECT_EQ(listed.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << listed.status.error_message();
    EXPECT_EQ(listed.status.error_message(), "page_token: not a token this hub issued");
    EXPECT_THAT(listed.status.error_message(), Not(HasSubstr(token)));
    EXPECT_EQ(listed.response.actions_size(), 0);
  }

  TestHub hub_;
};

TEST_F(PageTokenTest, AWellFormedTokenTheHubNeverIssuedIsRefused) {
  const Listed all = List(hub_, "derby-cpm", 500);
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ASSERT_GE(all.response.actions_size(), 2);
  // "due|case|rule" in base64url: the store's own cursor, well formed and
  // naming a real case and rule, but not signed by the hub.
  const v1::OpenActionSummary& first = all.response.actions(0);
  for (const std::string& cursor :
       {absl::StrCat("1970-01-02 00:00:00|", first.case_id(), "|", first.rule_id()),
        absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M:%E6S", absl::FromUnixSeconds(first.due_at().seconds()),
                                      absl::UTCTimeZone()),
                     "|", first.case_id(), "|", first.rule_id())}) {
    const std::string forged = absl::WebSafeBase64Escape(cursor);
    ExpectRefused(List(hub_, "derby-cpm", 1, forged), forged);
    ExpectRefused(List(hub_, "derby-csc", 1, forged), forged);
  }
}

TEST_F(PageTokenTest, ATokenIssuedToOneAgencyOrForOneQueryIsRefusedForAnother) {
  const Listed csc = List(hub_, "derby-csc", 1);
  ASSERT_TRUE(csc.status.ok()) << csc.status.error_message();
  const std::string csc_token = csc.response.next_page_token();
  ASSERT_FALSE(csc_token.empty()) << "CSC should own more than one open action";
  const Listed cpm = List(hub_, "derby-cpm", 1);
  ASSERT_TRUE(cpm.status.ok()) << cpm.status.error_message();
  const std::string cpm_token = cpm.response.next_page_token();
  ASSERT_FALSE(cpm_token.empty());

  // The CPM service's token would show a team every agency's actions.
  ExpectRefused(List(hub_, "derby-csc", 1, cpm_token), cpm_token);
  ExpectRefused(List(hub_, "derby-cpm", 1, csc_token), csc_token);
  // Issued for every open action, used for the overdue ones only.
  ExpectRefused(List(hub_, "derby-csc", 1, csc_token, /*overdue_only=*/true), csc_token);
  // Issued for every owner's role, used for a social worker's only; and the
  // other way round.
  constexpr v1::PractitionerRole kSocialWorker = v1::PRACTITIONER_ROLE_SOCIAL_WORKER;
  ExpectRefused(List(hub_, "derby-cpm", 1, cpm_token, false, kSocialWorker), cpm_token);
  const Listed social_workers = List(hub_, "derby-cpm", 1, "", false, kSocialWorker);
  ASSERT_TRUE(social_workers.status.ok()) << social_workers.status.error_message();
  const std::string social_worker_token = social_workers.response.next_page_token();
  ASSERT_FALSE(social_worker_token.empty()) << "social workers should own more than one open action";
  ExpectRefused(List(hub_, "derby-cpm", 1, social_worker_token), social_worker_token);
  ExpectRefused(List(hub_, "derby-cpm", 1, social_worker_token, false, v1::PRACTITIONER_ROLE_IRO),
                social_worker_token);
  EXPECT_TRUE(List(hub_, "derby-cpm", 5, social_worker_token, false, kSocialWorker).status.ok());

  // Each is still good for its own agency and query, and the page size may change.
  EXPECT_TRUE(List(hub_, "derby-csc", 5, csc_token).status.ok());
  EXPECT_TRUE(List(hub_, "derby-cpm", 5, cpm_token).status.ok());
}

TEST_F(PageTokenTest, GenuineTokensPageThroughEveryActionThroughEitherOfTwoHubProcesses) {
  TestHub other(hub_.database());  // the same key file, the same database
  const Listed all = List(hub_, "derby-cpm", 500);
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  EXPECT_TRUE(all.response.next_page_token().empty());
  std::vector<std::string> expected;
  for (const auto& a : all.response.actions()) expected.push_back(a.case_id() + " " + a.rule_id());

  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    const Listed page = List(pages % 2 == 0 ? hub_ : other, "derby-cpm", 1, token);
    ASSERT_TRUE(page.status.ok()) << "page " << pages << ": " << page.status.error_message();
    ASSERT_LE(page.response.actions_size(), 1);
    for (const auto& a : page.response.actions()) paged.push_back(a.case_id() + " " + a.rule_id());
    token = page.response.next_page_token();
    ASSERT_LE(++pages, all.response.actions_size() + 1);
  } while (!token.empty());
  EXPECT_EQ(paged, expected);
}

}  // namespace
}  // namespace cre
