#include "mail/smtp_mailer.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace cre::mail {
namespace {

// libcurl's global state is set up once per process, before any thread
// uses it (curl_global_init is not thread-safe itself).
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  Upload* upload = static_cast<Upload*>(user);
  const size_t room = size * count;
  const size_t left = upload->data->size() - upload->offset;
  const size_t n = std::min(room, left);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// libcurl's progress callback, at least once a second while it works: a
// non-zero answer aborts the transfer (the hub is stopping).
int AbortIfCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

// A Message-ID unique enough for a mail log: time and 64 random bits.
std::string MessageId(const std::string& from, absl::Time date) {
  static std::mutex mu;
  static std::mt19937_64 random(std::random_device{}());
  uint64_t r;
  {
    std::lock_guard<std::mutex> lock(mu);
    r = random();
  }
  const size_t at = from.find('@');
  const std::string host = at == std::string::npos ? "cre-hub" : from.substr(at + 1);
  return absl::StrCat("<cre-alert.", absl::ToUnixMicros(date), ".", absl::Hex(r), "@", alerting::HeaderSafe(host, 100),
                      ">");
}

// The status code for a libcurl failure: whether trying later may help.
absl::StatusCode CodeOf(CURLcode code) {
  switch (code) {
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_LOGIN_DENIED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::StatusCode::kFailedPrecondition;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

std::string FormatMessage(const std::string& from, const alerting::Mail& mail, absl::Time date) {
  // Headers are the hub's own words made header-safe; the body is UTF-8
  // text (8bit), every line ending in CRLF as SMTP wants. libcurl doubles a
  // leading '.' itself.
  std::string body = absl::StrReplaceAll(mail.body, {{"\r\n", "\n"}, {"\r", "\n"}});
  body = absl::StrReplaceAll(body, {{"\n", "\r\n"}});
  if (!body.empty() && body.back() != '\n') body += "\r\n";
  return absl::StrCat("Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone()), "\r\n",
                      "From: <", alerting::HeaderSafe(from), ">\r\n", "To: <", alerting::HeaderSafe(mail.to), ">\r\n",
                      "Subject: ", alerting::HeaderSafe(mail.subject, 250), "\r\n",
                      "Message-ID: ", MessageId(from, date), "\r\n", "MIME-Version: 1.0\r\n",
                      "Content-Type: text/plain; charset=utf-8\r\n", "Content-Transfer-Encoding: 8bit\r\n",
                      "Auto-Submitted: auto-generated\r\n", "\r\n", body);
}

absl::StatusOr<std::unique_ptr<SmtpMailer>> SmtpMailer::Create(const v1::SmtpConfig& config) {
  InitCurlOnce();
  std::string password;
  if (!config.password_file().empty()) {
    absl::StatusOr<std::string> secret = ReadSecretFile(config.password_file());
    if (!secret.ok()) {
      return absl::Status(secret.status().code(),
                          absl::StrCat("alerting.smtp.password_file: ", secret.status().message()));
    }
    password = *secret;
  }
  return std::unique_ptr<SmtpMailer>(new SmtpMailer(config, std::move(password)));
}

absl::Status SmtpMailer::Send(const alerting::Mail& mail) {
  if (cancelled_) return absl::CancelledError("smtp: the hub is stopping");
  const std::string message = FormatMessage(config_.from(), mail, absl::Now());
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (curl == nullptr) return absl::InternalError("smtp: curl_easy_init failed");
  CURL* c = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  const std::string from = absl::StrCat("<", config_.from(), ">");
  const std::string to = absl::StrCat("<", mail.to, ">");
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> recipients_owner(recipients, curl_slist_free_all);
  Upload upload{&message};
  const long timeout_ms = static_cast<long>(config_.timeout_seconds()) * 1000;

  curl_easy_setopt(c, CURLOPT_URL, config_.url().c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  // No signals: this runs on one thread of a multi-threaded process.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL, config_.require_tls() ? static_cast<long>(CURLUSESSL_ALL)
                                                             : static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config_.ca_file().empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file().c_str());
  if (!config_.username().empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username().c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, AbortIfCancelled);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &cancelled_);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

  const CURLcode result = curl_easy_perform(c);
  if (result == CURLE_OK) return absl::OkStatus();
  if (result == CURLE_ABORTED_BY_CALLBACK) return absl::CancelledError("smtp: the hub is stopping");
  long response = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
  const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(result);
  const std::string what = absl::StrCat("smtp ", config_.url(), ": mail to ", mail.to, ": ", detail,
                                        response > 0 ? absl::StrCat(" (server answered ", response, ")") : "");
  // A refused recipient is the config's to fix (550: no such mailbox);
  // 4xx answers are temporary.
  if (result == CURLE_RECV_ERROR && response >= 500 && response < 600) {
    return absl::InvalidArgumentError(what);
  }
  if (response >= 400 && response < 500) return absl::UnavailableError(what);
  return absl::Status(CodeOf(result), what);
}

}  // namespace cre::mail
