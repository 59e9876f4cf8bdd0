// Quote: what a status message or a log line shows of a client's text.
#include "common/quote.h"

#include <string>

#include "gtest/gtest.h"

namespace cre {
namespace {

TEST(QuoteTest, ShortPrintableTextIsUnchanged) {
  EXPECT_EQ(Quote(""), "");
  EXPECT_EQ(Quote("urn:cre:agency:derby-pru"), "urn:cre:agency:derby-pru");
  EXPECT_EQ(Quote("/cre.v1.Directory/WhoAmI"), "/cre.v1.Directory/WhoAmI");
  const std::string printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`{|}~";
  EXPECT_EQ(Quote(printable, printable.size()), printable);
}

TEST(QuoteTest, TextOfExactlyTheLimitIsNotCut) {
  const std::string text(kQuotedBytes, 'a');
  EXPECT_EQ(Quote(text), text);
}

TEST(QuoteTest, LongerTextIsCutAndSaysItsLength) {
  const std::string text = "urn:cre:agency:" + std::string(20000 - 15, 'x');
  const std::string quoted = Quote(text);
  EXPECT_EQ(quoted, text.substr(0, 64) + "...(20000 bytes)");
  EXPECT_EQ(Quote(std::string(kQuotedBytes + 1, 'a')), std::string(kQuotedBytes, 'a') + "...(65 bytes)");
  EXPECT_EQ(Quote("abcdef", 3), "abc...(6 bytes)");
  EXPECT_EQ(Quote("abc", 0), "...(3 bytes)");
}

TEST(QuoteTest, BytesThatAreNotPrintableAsciiAreEscaped) {
  // A newline would split a log line; a carriage return or an escape
  // sequence would rewrite a terminal; bytes above 0x7f may not be UTF-8.
  EXPECT_EQ(Quote("a\nb"), "a\\x0ab");
  EXPECT_EQ(Quote("a\r\tb\x1b[2J"), "a\\x0d\\x09b\\x1b[2J");
  EXPECT_EQ(Quote(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(Quote("\x7f"), "\\x7f");
  EXPECT_EQ(Quote("caf\xc3\xa9"), "caf\\xc3\\xa9");
  EXPECT_EQ(Quote("\xff\xfe"), "\\xff\\xfe");
}

TEST(QuoteTest, TheLimitCountsTheClientsBytesNotTheEscapes) {
  // Four bytes shown, each escaped, then the length of the whole.
  EXPECT_EQ(Quote("\n\n\n\n\n\n", 4), "\\x0a\\x0a\\x0a\\x0a...(6 bytes)");
}

TEST(QuoteTest, TheResultIsBoundedWhateverTheInput) {
  std::string worst(1 << 20, '\x01');
  const std::string quoted = Quote(worst);
  EXPECT_LE(quoted.size(), 4 * kQuotedBytes + 31);
  for (const char c : quoted) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  }
}

TEST(QuoteTest, QuotingTwiceWithALimitAsLargeChangesNothing) {
  for (const std::string text : {std::string("plain"), std::string("new\nline"), std::string(1000, 'y'),
                                 std::string("\xc3\xa9") + std::string(200, '\n')}) {
    const std::string once = Quote(text);
    EXPECT_EQ(Quote(once, 4 * kQuotedBytes + 31), once);
  }
}

}  // namespace
}  // namespace cre
