// The SMTP client against a real server (python3-aiosmtpd on loopback,
// support/smtp_sink.h): a mail arrives whole with its envelope; a server
// that offers no STARTTLS gets the mail in clear by default, and none at all
// with require_tls.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mail/smtp_mailer.h"
#include "support/smtp_sink.h"

namespace cre::mail {
namespace {

using ::testing::HasSubstr;

v1::SmtpConfig To(const testing::SmtpSink& sink) {
  v1::SmtpConfig config;
  config.set_url(sink.url());
  config.set_from("cre-hub@derby.example");
  config.set_timeout_seconds(10);
  return config;
}

TEST(SmtpSinkTest, AMailArrivesWholeWithItsEnvelope) {
  testing::SmtpSink sink;
  absl::StatusOr<std::unique_ptr<SmtpMailer>> mailer = SmtpMailer::Create(To(sink));
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  ASSERT_TRUE((*mailer)->Send({"ops@derby.example", "[CRE hub] hello", "first\n.second starts with a dot\n"}).ok());
  std::vector<testing::SmtpSink::Message> mails = sink.WaitForMessages(1, absl::Seconds(10));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to, "ops@derby.example");
  EXPECT_EQ(mails[0].headers["x-mailfrom"], "cre-hub@derby.example");
  EXPECT_EQ(mails[0].subject, "[CRE hub] hello");
  EXPECT_THAT(mails[0].body, HasSubstr("first\n.second starts with a dot\n"));
}

TEST(SmtpSinkTest, RequireTlsSendsNothingToAServerWithoutStartTls) {
  testing::SmtpSink sink;
  v1::SmtpConfig config = To(sink);
  config.set_require_tls(true);
  absl::StatusOr<std::unique_ptr<SmtpMailer>> mailer = SmtpMailer::Create(config);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  const absl::Status sent = (*mailer)->Send({"ops@derby.example", "s", "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(sent.message(), HasSubstr(sink.url()));
  EXPECT_TRUE(sink.Messages().empty());
}

}  // namespace
}  // namespace cre::mail
