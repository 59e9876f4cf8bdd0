// The message as an SMTP server receives it (mail/smtp_mailer.h,
// FormatMessage): headers the hub's own words made safe, CRLF lines.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mail/smtp_mailer.h"

namespace cre::mail {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(FormatMessageTest, HeadersThenABlankLineThenTheBodyInCrlfLines) {
  alerting::Mail mail{"ops@derby.example", "[CRE hub] RAISED: x", "line one\nline two\n"};
  const std::string message =
      FormatMessage("cre-hub@derby.example", mail, absl::FromUnixSeconds(1796040000));  // 2026-11-30
  EXPECT_THAT(message, StartsWith("Date: Mon, 30 Nov 2026 "));
  EXPECT_THAT(message, HasSubstr("\r\nFrom: <cre-hub@derby.example>\r\n"));
  EXPECT_THAT(message, HasSubstr("\r\nTo: <ops@derby.example>\r\n"));
  EXPECT_THAT(message, HasSubstr("\r\nSubject: [CRE hub] RAISED: x\r\n"));
  EXPECT_THAT(message, HasSubstr("\r\nMessage-ID: <cre-alert."));
  EXPECT_THAT(message, HasSubstr("@derby.example>\r\n"));
  EXPECT_THAT(message, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(message, HasSubstr("Auto-Submitted: auto-generated\r\n\r\nline one\r\nline two\r\n"));
  EXPECT_THAT(message, Not(HasSubstr("two\n\n")));
}

TEST(FormatMessageTest, NoHeaderCanBeInjected) {
  alerting::Mail mail{"ops@derby.example", "a\r\nBcc: someone@else.example", "b"};
  const std::string message = FormatMessage("cre-hub@derby.example", mail, absl::Now());
  EXPECT_THAT(message, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(message, HasSubstr("Subject: a??Bcc: someone@else.example\r\n"));
}

TEST(SmtpMailerTest, AServerThatIsNotThereIsUnavailableNamingIt) {
  v1::SmtpConfig config;
  config.set_url("smtp://127.0.0.1:1");  // nothing listens on port 1
  config.set_from("cre-hub@derby.example");
  config.set_timeout_seconds(5);
  absl::StatusOr<std::unique_ptr<SmtpMailer>> mailer = SmtpMailer::Create(config);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  const absl::Status sent = (*mailer)->Send({"ops@derby.example", "s", "b"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(sent.message(), HasSubstr("smtp smtp://127.0.0.1:1: mail to ops@derby.example: "));
}

TEST(SmtpMailerTest, APasswordFileThatCannotBeReadStopsItByName) {
  v1::SmtpConfig config;
  config.set_url("smtp://127.0.0.1:1");
  config.set_from("cre-hub@derby.example");
  config.set_username("hub");
  config.set_password_file("/nonexistent/smtp.password");
  EXPECT_THAT(SmtpMailer::Create(config).status().message(), HasSubstr("alerting.smtp.password_file"));
}

// A server that takes the connection and never greets: the hub stopping
// does not wait out the SMTP timeout.
TEST(SmtpMailerTest, CancelEndsASendInProgressAtOnce) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  v1::SmtpConfig config;
  config.set_url("smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  config.set_from("cre-hub@derby.example");
  config.set_timeout_seconds(60);
  absl::StatusOr<std::unique_ptr<SmtpMailer>> mailer = SmtpMailer::Create(config);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  std::thread stop([&] {
    absl::SleepFor(absl::Milliseconds(300));
    (*mailer)->Cancel();
  });
  const absl::Time start = absl::Now();
  const absl::Status sent = (*mailer)->Send({"ops@derby.example", "s", "b"});
  stop.join();
  close(listener);
  EXPECT_EQ(sent.code(), absl::StatusCode::kCancelled) << sent;
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ((*mailer)->Send({"ops@derby.example", "s", "b"}).code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace cre::mail
