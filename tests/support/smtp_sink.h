// A real SMTP server for tests: Debian's python3-aiosmtpd, run as a
// subprocess on a free loopback port, keeping every message it receives in
// a maildir, which the test reads.
//
//   SmtpSink sink;                          // started, accepting connections
//   config.mutable_alerting()->mutable_smtp()->set_url(sink.url());
//   std::vector<SmtpSink::Message> mails = sink.WaitForMessages(1, absl::Seconds(20));
//
// It offers no STARTTLS (a hub with smtp:// and CURLUSESSL_TRY sends in
// clear to it, as to a local relay).
#ifndef CRE_TESTS_SUPPORT_SMTP_SINK_H_
#define CRE_TESTS_SUPPORT_SMTP_SINK_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace cre::testing {

class SmtpSink {
 public:
  // A message as received: the envelope's recipient (X-RcptTo, which the
  // server adds), its headers by name (the last of each) and its body.
  struct Message {
    std::string rcpt_to;
    std::string subject;
    std::map<std::string, std::string> headers;
    std::string body;
    std::string raw;  // the whole file, as the server wrote it
  };

  // Starts the server under the test's temporary directory; fails the test
  // if it does not accept connections within 15 seconds.
  SmtpSink();
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:<port>
  const std::string& dir() const { return dir_; }

  // Every message received so far, in the order received.
  std::vector<Message> Messages() const;
  // Waits until at least `count` messages are in (or `timeout` passes), and
  // returns them all.
  std::vector<Message> WaitForMessages(size_t count, absl::Duration timeout) const;

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_SMTP_SINK_H_
