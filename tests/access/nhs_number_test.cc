// The NHS number check (access/nhs_number.h) and how a request's
// new_child.details.nhs_number is refused (access/request_validation.h).
#include "access/nhs_number.h"

#include "access/request_validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Reason(absl::string_view text) {
  absl::StatusOr<std::string> digits = NormalizeNhsNumber(text);
  EXPECT_FALSE(digits.ok()) << text << " was accepted";
  if (digits.ok()) return "";
  EXPECT_EQ(digits.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(digits.status().message());
}

TEST(NhsNumberTest, KnownValidNumbersAreTheirDigits) {
  // Weighted sums 299 and 92: remainders 2 and 4, check digits 9 and 7.
  EXPECT_EQ(NormalizeNhsNumber("9434765919").value(), "9434765919");
  EXPECT_EQ(NormalizeNhsNumber("4010232137").value(), "4010232137");
  // The NHS's own test range.
  EXPECT_EQ(NormalizeNhsNumber("9999999999").value(), "9999999999");
}

TEST(NhsNumberTest, ARemainderOfNoneGivesCheckDigitZero) {
  // 401023208: 40 + 8 + 12 + 15 + 8 + 16 = 99 = 9 * 11, remainder 0, and
  // 11 - 0 = 11 is written 0.
  EXPECT_EQ(NormalizeNhsNumber("4010232080").value(), "4010232080");
}

TEST(NhsNumberTest, ThePrintedSpacingIsAcceptedAndRemoved) {
  EXPECT_EQ(NormalizeNhsNumber("943 476 5919").value(), "9434765919");
  EXPECT_EQ(NormalizeNhsNumber("401 023 2137").value(), "4010232137");
}

TEST(NhsNumberTest, AWrongCheckDigitIsRefused) {
  EXPECT_EQ(Reason("9434765918"), "not a valid NHS number: the check digit is wrong (Modulus 11)");
  EXPECT_EQ(Reason("4010232138"), "not a valid NHS number: the check digit is wrong (Modulus 11)");
  // Two digits swapped: what the check digit is there to catch.
  EXPECT_EQ(Reason("9434765991"), "not a valid NHS number: the check digit is wrong (Modulus 11)");
}

TEST(NhsNumberTest, FirstNineDigitsWhoseCheckWouldBeTenAreNoNumberAtAll) {
  // 123456789: weighted sum 210, remainder 1, 11 - 1 = 10: whatever the
  // tenth digit, no NHS number begins so.
  for (const char* text : {"1234567890", "1234567899", "9434765030"}) {
    EXPECT_EQ(Reason(text), "not a valid NHS number: no check digit fits its first nine digits (Modulus 11)")
        << text;
  }
}

TEST(NhsNumberTest, AnythingButDigitsIsRefused) {
  for (const char* text : {"943476591A", "ABCDEFGHIJ", "943-476-5919", "943.476.5919", "+9434765919",
                           "９４３４７６５９１９", "9434765919\n", "943\t476\t5919"}) {
    EXPECT_EQ(Reason(text), "not an NHS number: 10 digits, or 3 3 4 digits with single spaces (943 476 5919)")
        << text;
  }
}

TEST(NhsNumberTest, NineOrElevenDigitsAreRefusedSayingHowMany) {
  EXPECT_EQ(Reason("943476591"), "9 digits; an NHS number has 10");
  EXPECT_EQ(Reason("94347659190"), "11 digits; an NHS number has 10");
  EXPECT_EQ(Reason("943 476 591"), "9 digits; an NHS number has 10");
  EXPECT_EQ(Reason(" "), "0 digits; an NHS number has 10");
}

TEST(NhsNumberTest, SpacesElsewhereThanBetweenThePrintedGroupsAreRefused) {
  for (const char* text : {"9434 765919", " 9434765919", "9434765919 ", "943  476 5919", "94 3476 5919",
                           "9 4 3 4 7 6 5 9 1 9", " 943 476 5919"}) {
    EXPECT_EQ(Reason(text), "spaced wrongly: 10 digits, or 3 3 4 digits with single spaces (943 476 5919)")
        << "\"" << text << "\"";
  }
}

TEST(NhsNumberTest, NoReasonQuotesTheNumber) {
  for (const char* text : {"9434765918", "943476591", "943476591A", "9434 765919", "1234567890"}) {
    EXPECT_THAT(Reason(text), Not(HasSubstr("943476"))) << text;
    EXPECT_THAT(Reason(text), Not(HasSubstr("123456"))) << text;
  }
}

// --- SubmitConcern's new_child.details.nhs_number -------------------------

v1::SubmitConcernRequest Concern(const std::string& nhs_number) {
  v1::SubmitConcernRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(idempotency_key: "k"
         new_child { details { family_name: "Example" }
                     child { date_of_birth: "2013-01-02" open_plan: OPEN_PLAN_NONE home_authority_code: "E06000015" } }
         concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "n" identified_at { seconds: 1780000000 } })",
      &request));
  request.mutable_new_child()->mutable_details()->set_nhs_number(nhs_number);
  return request;
}

TEST(NhsNumberValidationTest, TheNumberIsOptional) { EXPECT_TRUE(ValidateSubmitConcern(Concern("")).ok()); }

TEST(NhsNumberValidationTest, AValidNumberIsAcceptedWithOrWithoutItsSpaces) {
  EXPECT_TRUE(ValidateSubmitConcern(Concern("9434765919")).ok());
  EXPECT_TRUE(ValidateSubmitConcern(Concern("943 476 5919")).ok());
}

TEST(NhsNumberValidationTest, AnInvalidNumberIsRefusedNamingTheFieldAndWhatIsWrong) {
  const struct {
    const char* nhs_number;
    const char* refusal;
  } cases[] = {
      {"9434765918", "new_child.details.nhs_number: not a valid NHS number: the check digit is wrong (Modulus 11)"},
      {"1234567890",
       "new_child.details.nhs_number: not a valid NHS number: no check digit fits its first nine digits (Modulus 11)"},
      {"943476591", "new_child.details.nhs_number: 9 digits; an NHS number has 10"},
      {"94347659190", "new_child.details.nhs_number: 11 digits; an NHS number has 10"},
      {"943476591X",
       "new_child.details.nhs_number: not an NHS number: 10 digits, or 3 3 4 digits with single spaces (943 476 5919)"},
      {"9434 765919",
       "new_child.details.nhs_number: spaced wrongly: 10 digits, or 3 3 4 digits with single spaces (943 476 5919)"},
      // Unknown is left empty, not blank.
      {"   ", "new_child.details.nhs_number: 0 digits; an NHS number has 10"},
  };
  for (const auto& c : cases) {
    const absl::Status status = ValidateSubmitConcern(Concern(c.nhs_number));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.nhs_number;
    EXPECT_EQ(status.message(), c.refusal) << c.nhs_number;
  }
}

TEST(NhsNumberValidationTest, AVeryLongValueIsRefusedByItsLengthBeforeItsDigitsAreCounted) {
  const absl::Status status = ValidateSubmitConcern(Concern(std::string(5000, '9')));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "new_child.details.nhs_number: 5000 bytes; at most 12");
}

}  // namespace
}  // namespace cre
