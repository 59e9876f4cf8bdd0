// Sending a mail: a thin adapter on libcurl's SMTP client, behind an
// interface so that the alert watcher is tested without a server.
//
//   CRE_ASSIGN_OR_RETURN(std::unique_ptr<SmtpMailer> mailer, SmtpMailer::Create(config.alerting().smtp()));
//   CRE_RETURN_IF_ERROR(mailer->Send({"duty-cpm@council.example", "[CRE hub] ...", "..."}));
//
// TLS: smtps:// is TLS from the first byte; smtp:// upgrades with STARTTLS
// whenever the server offers it (CURLUSESSL_TRY), and with require_tls
// refuses to send over a connection that stays in clear (CURLUSESSL_ALL).
// The server's certificate is always verified (ca_file, or the system's
// bundle). Send blocks for at most the config's timeout: call it from a
// background thread, never a gRPC one.
#ifndef CRE_HUB_MAIL_SMTP_MAILER_H_
#define CRE_HUB_MAIL_SMTP_MAILER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "alerting/alert_mail.h"
#include "cre/v1/config.pb.h"

namespace cre::mail {

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Sends one mail; OK once the server has accepted it for delivery.
  virtual absl::Status Send(const alerting::Mail& mail) = 0;
  // A Send in progress, and every later one, gives up at once (CANCELLED):
  // the hub is stopping, and should not wait out an SMTP timeout.
  virtual void Cancel() {}
};

class SmtpMailer final : public Mailer {
 public:
  // `config` checked (config/hub_config.h); reads password_file now, so
  // that a missing file stops start-up rather than the first alert.
  static absl::StatusOr<std::unique_ptr<SmtpMailer>> Create(const v1::SmtpConfig& config);

  // UNAVAILABLE when the server cannot be reached or answers with a
  // temporary failure (try later), FAILED_PRECONDITION for TLS that cannot
  // be had or a refused login, INVALID_ARGUMENT for a recipient the server
  // refuses: each naming the server and what failed.
  absl::Status Send(const alerting::Mail& mail) override;
  void Cancel() override { cancelled_ = true; }

 private:
  SmtpMailer(v1::SmtpConfig config, std::string password)
      : config_(std::move(config)), password_(std::move(password)) {}

  const v1::SmtpConfig config_;
  const std::string password_;
  std::atomic<bool> cancelled_{false};
};

// The whole message as the server receives it (RFC 5322: headers, a blank
// line, the body), lines ending in CRLF; the Message-ID is at the sender's
// domain.
std::string FormatMessage(const std::string& from, const alerting::Mail& mail, absl::Time date);

}  // namespace cre::mail

#endif  // CRE_HUB_MAIL_SMTP_MAILER_H_
