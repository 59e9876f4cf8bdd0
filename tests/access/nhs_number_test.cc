// The NHS number check (access/nhs_number.h).
#include "access/nhs_number.h"

#include "gmock/gmock.h"
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

}  // namespace
}  // namespace cre
