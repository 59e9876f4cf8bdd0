// console_query: the console API's query strings read into the hub's
// requests, each parameter checked and named when refused.
#include "web/console_query.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cre::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(QueryValuesTest, UnescapesNamesAndValuesAndKeepsTheFirstOfARepeat) {
  EXPECT_THAT(QueryValues("a=1+2&b%3D=%41%zz&&a=again&c"),
              UnorderedElementsAre(Pair("a", "1 2"), Pair("b=", "A%zz"), Pair("c", "")));
  EXPECT_THAT(QueryValues(""), UnorderedElementsAre());
}

TEST(OpenActionsRequestTest, ReadsEveryParameter) {
  absl::StatusOr<v1::ListOpenActionsRequest> request = OpenActionsRequest(
      "overdue_only=true&page_size=20&page_token=abc-_&owner_agency_id=derby-csc&due_within_working_days=5"
      "&owner=PRACTITIONER_ROLE_SOCIAL_WORKER");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->overdue_only());
  EXPECT_EQ(request->page_size(), 20);
  EXPECT_EQ(request->page_token(), "abc-_");
  EXPECT_EQ(request->owner_agency_id(), "derby-csc");
  ASSERT_TRUE(request->has_due_within_working_days());
  EXPECT_EQ(request->due_within_working_days(), 5);
  EXPECT_EQ(request->owner(), v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
}

TEST(OpenActionsRequestTest, WithoutParametersAsksForEverything) {
  absl::StatusOr<v1::ListOpenActionsRequest> request = OpenActionsRequest("");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_FALSE(request->overdue_only());
  EXPECT_FALSE(request->has_due_within_working_days());
  EXPECT_EQ(request->owner(), v1::PRACTITIONER_ROLE_UNSPECIFIED);
  EXPECT_EQ(request->owner_agency_id(), "");
}

TEST(OpenActionsRequestTest, OwnerIsARoleByItsName) {
  for (const char* role : {"PRACTITIONER_ROLE_CPM", "PRACTITIONER_ROLE_IRO", "PRACTITIONER_ROLE_HOST_AUTHORITY"}) {
    absl::StatusOr<v1::ListOpenActionsRequest> request = OpenActionsRequest(std::string("owner=") + role);
    ASSERT_TRUE(request.ok()) << role << ": " << request.status();
    EXPECT_EQ(v1::PractitionerRole_Name(request->owner()), role);
  }
}

TEST(OpenActionsRequestTest, RefusesAnUnknownOwnerNamingTheParameterNotTheValue) {
  // A number, another enum's value, the words a page shows, a lower-case
  // name, nothing: none is a role's name.
  for (const char* value : {"2", "STAFF_ROLE_CPM", "social+worker", "practitioner_role_cpm", "",
                            "PRACTITIONER_ROLE_SOCIAL_WORKER%00"}) {
    absl::StatusOr<v1::ListOpenActionsRequest> request = OpenActionsRequest(std::string("owner=") + value);
    ASSERT_FALSE(request.ok()) << value;
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_THAT(request.status().message(), HasSubstr("owner: not a PractitionerRole's name")) << value;
    if (*value != '\0') {
      EXPECT_THAT(request.status().message(), Not(HasSubstr(value)));
    }
  }
}

TEST(OpenActionsRequestTest, RefusesOtherBadValuesNamingTheParameter) {
  EXPECT_EQ(OpenActionsRequest("overdue_only=yes").status().message(), "overdue_only: true or false");
  EXPECT_EQ(OpenActionsRequest("page_size=ten").status().message(), "page_size: not a number");
  EXPECT_EQ(OpenActionsRequest("due_within_working_days=5d").status().message(),
            "due_within_working_days: not a number");
  EXPECT_EQ(OpenActionsRequest("owner_role=PRACTITIONER_ROLE_CPM").status().message(),
            "query: unknown parameter \"owner_role\"");
}

}  // namespace
}  // namespace cre::web
