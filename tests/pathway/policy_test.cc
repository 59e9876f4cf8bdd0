// The policy file: the shipped one is the procedure's defaults, another
// authority's file overrides what it sets, and mistakes name the field.
#include "pathway/policy.h"

#include <fstream>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pathway/text_io.h"
#include "test_support.h"

namespace cre::pathway {
namespace {

using ::cre::pathway::testing::PolicyFile;

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(PolicyTest, TheShippedFileSaysExactlyTheDefaults) {
  cre::v1::PathwayPolicy shipped;
  ASSERT_TRUE(ReadTextProtoFile(PolicyFile(), &shipped).ok());
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(DefaultPolicy(), shipped)) << diff;
}

TEST(PolicyTest, DefaultsAreTheProceduresDurations) {
  absl::StatusOr<Policy> p = CompilePolicy(DefaultPolicy());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kHighStrategyDiscussion)), "48 working hours");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kHighThresholdDiscussion)), "24 working hours");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kIcpc)), "15 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCreMeeting)), "15 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCreMeetingPapers)), "2 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCreMeetingMinutes)), "20 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kFirstCreReview)), "3 months");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kLaterCreReviews)), "6 months");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCreReviewPapers)), "3 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kIroNotification)), "48 hours");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCinMeeting)), "6 weeks");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCoreGroupMeeting)), "4 weeks");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCpConferenceRequest)), "1 working day");
  EXPECT_EQ(p->medium_cre_meeting_chair, cre::v1::PRACTITIONER_ROLE_CPM);
  EXPECT_EQ(p->local_authority_code, "E06000015");
}

TEST(PolicyTest, AnotherAuthoritysFileOverridesWhatItSets) {
  const std::string path = WriteTemp("other.textproto",
                                     "local_authority_code: \"E10000007\"\n"
                                     "medium_cre_meeting_chair: PRACTITIONER_ROLE_TEAM_MANAGER\n"
                                     "cin_meeting { working_days: 30 }\n");
  absl::StatusOr<cre::v1::PathwayPolicy> proto = LoadPolicyFile(path);
  ASSERT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<Policy> p = CompilePolicy(*proto);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->local_authority_code, "E10000007");
  EXPECT_EQ(p->medium_cre_meeting_chair, cre::v1::PRACTITIONER_ROLE_TEAM_MANAGER);
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCinMeeting)), "30 working days");
  EXPECT_EQ(DescribePeriod(p->period(PeriodId::kCoreGroupMeeting)), "4 weeks");
  EXPECT_EQ(p->floor_max_age_years, 12);
}

TEST(PolicyTest, TheIroOfAnotherAuthoritysChildIsItsHomeAuthorityUnlessTheFileAddsACopy) {
  EXPECT_EQ(CompilePolicy(DefaultPolicy())->iro_for_child_of_another_authority,
            cre::v1::IRO_RECIPIENT_HOME_AUTHORITY);
  cre::v1::PathwayPolicy unspecified = DefaultPolicy();
  unspecified.clear_iro_for_child_of_another_authority();
  EXPECT_EQ(CompilePolicy(unspecified)->iro_for_child_of_another_authority,
            cre::v1::IRO_RECIPIENT_HOME_AUTHORITY);

  const std::string path = WriteTemp(
      "copy.textproto", "iro_for_child_of_another_authority: IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE\n");
  absl::StatusOr<cre::v1::PathwayPolicy> proto = LoadPolicyFile(path);
  ASSERT_TRUE(proto.ok()) << proto.status();
  absl::StatusOr<Policy> p = CompilePolicy(*proto);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->iro_for_child_of_another_authority,
            cre::v1::IRO_RECIPIENT_HOME_AUTHORITY_AND_LOCAL_IRO_SERVICE);

  cre::v1::PathwayPolicy unknown = DefaultPolicy();
  unknown.set_iro_for_child_of_another_authority(static_cast<cre::v1::IroRecipient>(7));
  EXPECT_EQ(CompilePolicy(unknown).status().message(),
            "iro_for_child_of_another_authority: 7 is not a value of IroRecipient");
}

TEST(PolicyTest, PapersCountOnlyInWorkingDays) {
  cre::v1::PathwayPolicy proto = DefaultPolicy();
  proto.mutable_cre_review_papers()->set_working_hours(72);
  EXPECT_EQ(CompilePolicy(proto).status().message(), "cre_review_papers: must be in working_days");
}

TEST(PolicyTest, AMissingUnitIsAnError) {
  cre::v1::PathwayPolicy proto = DefaultPolicy();
  proto.mutable_icpc()->Clear();
  EXPECT_EQ(CompilePolicy(proto).status().message(), "icpc: no unit set");
}

TEST(PolicyTest, AnUnknownFieldNamesThePlace) {
  const std::string path = WriteTemp("bad.textproto", "icpc { working_days: 15 }\nicpcc: 3\n");
  absl::StatusOr<cre::v1::PathwayPolicy> proto = LoadPolicyFile(path);
  ASSERT_FALSE(proto.ok());
  EXPECT_NE(proto.status().message().find(path + ":2:"), std::string::npos)
      << proto.status().message();
  EXPECT_NE(proto.status().message().find("icpcc"), std::string::npos);
}

}  // namespace
}  // namespace cre::pathway
