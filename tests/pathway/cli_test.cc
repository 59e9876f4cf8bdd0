// `hubctl pathway ...` and `hubctl calendar ...` through the library entry
// points, with the shipped config/ files.
#include "pathway/cli.h"

#include <fstream>
#include <sstream>

#include "cre/v1/pathway.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cre::pathway {
namespace {

using ::testing::HasSubstr;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Pathway(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunPathwayCommand(args, out, err);
  return {code, out.str(), err.str()};
}

Result Calendar(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCalendarCommand(args, out, err);
  return {code, out.str(), err.str()};
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A HIGH case assessed on Friday 27 March 2026 at 15:00 GMT.
constexpr char kHighCase[] = R"({
  "caseId": "C-1",
  "child": {"dateOfBirth": "2010-01-01", "openPlan": "OPEN_PLAN_NONE",
            "homeAuthorityCode": "E06000015", "placementAuthorityCode": "E06000015"},
  "openedAt": "2026-03-27T14:00:00Z",
  "riskAssessments": [
    {"assessedAt": "2026-03-27T15:00:00Z", "level": "RISK_LEVEL_HIGH",
     "assessorRole": "PRACTITIONER_ROLE_SOCIAL_WORKER"}
  ]
})";

TEST(CalendarCliTest, Holidays) {
  const Result r = Calendar({"holidays", "2027"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "2027-01-01 (Friday 1 January 2027)\n"
            "2027-03-26 (Friday 26 March 2027)\n"
            "2027-03-29 (Monday 29 March 2027)\n"
            "2027-05-03 (Monday 3 May 2027)\n"
            "2027-05-31 (Monday 31 May 2027)\n"
            "2027-08-30 (Monday 30 August 2027)\n"
            "2027-12-27 (Monday 27 December 2027)\n"
            "2027-12-28 (Tuesday 28 December 2027)\n");
}

TEST(CalendarCliTest, AddWorkingDaysForwardAndBack) {
  EXPECT_EQ(Calendar({"add-working-days", "2026-05-22", "1"}).out,
            "2026-05-26 (Tuesday 26 May 2026)\n");  // Monday 25th is a bank holiday
  EXPECT_EQ(Calendar({"add-working-days", "2026-05-26", "-2"}).out,
            "2026-05-21 (Thursday 21 May 2026)\n");
}

TEST(CalendarCliTest, AddWorkingHoursPrintsLocalTimeWithItsOffsetAndInWords) {
  EXPECT_EQ(Calendar({"add-working-hours", "2026-03-27T15:00:00Z", "48"}).out,
            "2026-03-31T15:00:00+01:00 (before 15:00 on Tuesday 31 March 2026)\n");
  // Ending with a working day: the midnight after it, which the words name
  // as the end of that day.
  EXPECT_EQ(Calendar({"add-working-hours", "2026-03-21T10:00:00Z", "48"}).out,
            "2026-03-25T00:00:00+00:00 (by the end of Tuesday 24 March 2026)\n");
}

TEST(CalendarCliTest, ErrorsGoToStderrOnly) {
  Result r = Calendar({"add-working-days", "2026-02-30", "1"});
  EXPECT_EQ(r.code, 2);  // a bad value on the command line
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("DATE: not a date"));
  EXPECT_THAT(r.err, HasSubstr("see hubctl calendar add-working-days --help"));
  r = Calendar({"add-working-hours", "2026-03-27 15:00", "48"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  r = Calendar({"fortnight"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown calendar command: fortnight"));
  r = Calendar({});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("see hubctl calendar --help"));
  r = Calendar({"holidays", "2027", "--holidays", "/nonexistent/changes.textproto"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/changes.textproto: cannot open"));
}

TEST(PathwayCliTest, EvaluatePrintsThePathwayAsJson) {
  const std::string path = WriteTemp("high.json", kHighCase);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00+01:00"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  cre::v1::Pathway pathway;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &pathway).ok()) << r.out;
  EXPECT_EQ(pathway.case_id(), "C-1");
  EXPECT_EQ(pathway.risk().effective_level(), cre::v1::RISK_LEVEL_HIGH);
  EXPECT_THAT(r.out, HasSubstr("\"kind\": \"STRATEGY_DISCUSSION\""));
  EXPECT_THAT(r.out, HasSubstr("\"dueLocal\": \"2026-03-31T15:00:00+01:00\""));
  // For people reading the JSON; enum names stay (a machine format).
  EXPECT_THAT(r.out, HasSubstr("\"dueInWords\": \"before 15:00 on Tuesday 31 March 2026\""));
  EXPECT_THAT(r.out, HasSubstr("\"status\": \"ACTION_STATUS_PENDING\""));
}

TEST(PathwayCliTest, MalformedJson) {
  const std::string path = WriteTemp("malformed.json", "{\"caseId\": ");
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(path));
}

TEST(PathwayCliTest, UnknownEnumValue) {
  std::string text = kHighCase;
  text.replace(text.find("RISK_LEVEL_HIGH"), 15, "RISK_LEVEL_EXTREME");
  const std::string path = WriteTemp("enum.json", text);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("RISK_LEVEL_EXTREME"));
}

TEST(PathwayCliTest, DateOfBirthAfterAnAssessment) {
  std::string text = kHighCase;
  text.replace(text.find("2026-03-27T14:00:00Z"), 20, "2020-01-01T00:00:00Z");
  text.replace(text.find("2010-01-01"), 10, "2026-03-28");
  const std::string path = WriteTemp("dob.json", text);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("risk_assessments[0].assessed_at: before child.date_of_birth"));
}

TEST(PathwayCliTest, EventBeforeTheCaseOpened) {
  std::string text = kHighCase;
  text.replace(text.rfind("]"), 1,
               R"(], "events": [{"kind": "EVENT_KIND_MISSING_EPISODE",
                                "occurredAt": "2026-03-01T10:00:00Z"}])");
  const std::string path = WriteTemp("early_event.json", text);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("events[0].occurred_at: before opened_at"));
}

// Found by the case-file fuzzer: deadlines of a case dated at the end of
// 9999 do not fit a JSON timestamp. A refusal naming the file, not INTERNAL.
TEST(PathwayCliTest, DeadlinesPastTheLastJsonInstant) {
  std::string text = kHighCase;
  text.replace(text.find("2026-03-27T14:00:00Z"), 20, "9999-12-30T14:00:00Z");
  text.replace(text.find("2026-03-27T15:00:00Z"), 20, "9999-12-30T15:00:00Z");
  const std::string path = WriteTemp("y9999.json", text);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "9999-12-31T00:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(path + ": the pathway cannot be written as JSON"));
  EXPECT_THAT(r.err, HasSubstr("after 9999-12-31"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("INTERNAL")));
}

TEST(PathwayCliTest, AuthorityFlagMakesThisChildPlacedIn) {
  const std::string path = WriteTemp("placed_in.json", kHighCase);
  const Result r = Pathway({"evaluate", "--case", path, "--at", "2026-03-30T09:00:00Z",
                            "--authority", "E10000007"});
  EXPECT_EQ(r.code, 1);  // neither home nor placement is E10000007
  EXPECT_THAT(r.err, HasSubstr("this authority (E10000007)"));
}

TEST(PathwayCliTest, UsageErrors) {
  Result r = Pathway({"evaluate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--case: required"));
  EXPECT_THAT(r.err, HasSubstr("see hubctl pathway evaluate --help"));
  r = Pathway({"evaluate", "--case", "x.json", "--at", "tomorrow"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--at: not an RFC 3339 instant"));
  r = Pathway({"evaluate", "--case", "x.json", "--at"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--at: needs a value"));
  r = Pathway({"evaluate", "--case", "x.json", "--colour", "red"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --colour"));
  r = Pathway({"evaluate", "--case", "/nonexistent/case.json", "--at", "2026-03-30T09:00:00Z"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/case.json: cannot open"));
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace cre::pathway
