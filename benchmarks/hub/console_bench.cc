// See console_bench.h.
#include "console_bench.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "config/hub_config.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "hub_load.h"
#include "store/mysql/mysql_store.h"
#include "storage_bench.h"

namespace cre::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

// --- Opening the cases ------------------------------------------------------

// The agencies whose concerns open the cases, in turn; Children's Social
// Care assesses each.
const char* const kSubmitters[] = {"derby-school-ashgrove", "derby-health", "derby-police"};
constexpr char kAssessor[] = "derby-csc";

// When case `i`'s concern was identified: over the last four weeks, so that
// the open actions fall due across weeks: some overdue, some due today, some
// next week.
absl::Time IdentifiedAt(int i, absl::Time now) { return now - absl::Hours(2 + i % (28 * 24)); }

absl::Status OpenCases(const HubUnderTest& hub, const ConsoleOptions& options, int n, ConsoleResult& result) {
  absl::StatusOr<std::vector<std::unique_ptr<v1::Referrals::Stub>>> submitters =
      StubsFor<v1::Referrals>(hub, std::vector<std::string>(std::begin(kSubmitters), std::end(kSubmitters)), 900);
  if (!submitters.ok()) return submitters.status();
  absl::StatusOr<std::unique_ptr<v1::Referrals::Stub>> assessor = StubFor<v1::Referrals>(hub, kAssessor, 910);
  if (!assessor.ok()) return assessor.status();
  std::vector<std::unique_ptr<v1::Referrals::Stub>> assessors;
  assessors.push_back(*std::move(assessor));
  const absl::Time now = absl::Now();
  const int64_t start = NowNanos();
  const OpenedCases opened =
      OpenAssessedCases(*submitters, assessors, absl::StrCat("bench-console-", NowNanos()), n,
                        options.seed_concurrency, [now](int i) { return IdentifiedAt(i, now); });
  result.seeding = absl::Nanoseconds(NowNanos() - start);
  result.cases_opened = static_cast<int64_t>(opened.case_ids.size());
  result.seed_failures = opened.failed;
  if (opened.failed > 0) std::cerr << "hub_benchmark: console: first refusal: " << opened.first_error << "\n";
  return absl::OkStatus();
}

// --- Staff and their sessions -----------------------------------------------

struct Member {
  std::string username;
  std::string cookie;  // "__Host-cre_session=<token>"
  bool cpm = false;    // a CPM sees every case; a team manager their team's
};

std::string Sha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// Half CPMs (every case), half team managers of Children's Social Care
// (the actions their team owns), each with a session as a sign-in leaves
// it: the token's SHA-256 in the store, the token in the cookie.
absl::StatusOr<std::vector<Member>> AddStaff(const ConsoleUnderTest& console, int n) {
  absl::StatusOr<v1::HubConfig> config = LoadHubConfig(console.hub_config);
  if (!config.ok()) return config.status();
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(*config);
  if (!store.ok()) return store.status();
  const absl::Time now = absl::Now();
  const std::string run = absl::StrCat(NowNanos() % 1000000);
  std::vector<Member> members;
  for (int i = 0; i < n; ++i) {
    Member m;
    m.cpm = i % 2 == 0;
    m.username = absl::StrFormat("bench-%s-%02d-%s", m.cpm ? "cpm" : "tm", i, run);
    v1::StaffMember member;
    member.set_username(m.username);
    member.set_display_name(absl::StrCat("Benchmark ", i));
    member.set_agency_id(m.cpm ? "derby-cpm" : "derby-csc");
    member.set_role(m.cpm ? v1::STAFF_ROLE_CPM : v1::STAFF_ROLE_TEAM_MANAGER);
    v1::AuditRecord added;
    added.set_kind(v1::AUDIT_EVENT_KIND_STAFF_CHANGED);
    added.set_actor_agency_id(member.agency_id());
    added.set_method("hub_benchmark");
    // No password can match this: the session below is the only way in.
    if (absl::Status s = (*store)->AddStaff(member, "benchmark: no password", "", now, added); !s.ok()) return s;
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return absl::InternalError("no randomness for a session token");
    std::string token;
    absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes), &token);
    v1::AuditRecord signed_in = added;
    signed_in.set_kind(v1::AUDIT_EVENT_KIND_STAFF_SIGNED_IN);
    signed_in.set_staff_id(m.username);
    if (absl::Status s = (*store)->StartSession(m.username, 1, Sha256(token), now, now + absl::Hours(12), signed_in);
        !s.ok()) {
      return s;
    }
    m.cookie = "__Host-cre_session=" + token;
    members.push_back(std::move(m));
  }
  return members;
}

// --- HTTPS as a browser speaks it --------------------------------------------

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string etag;
};

// One TLS connection to the console, kept alive across requests. Blocking:
// each member of staff is a thread of their own.
class Browser {
 public:
  explicit Browser(ssl::context& context) : stream_(io_, context) {}

  absl::Status Connect(int port) {
    beast::error_code error;
    beast::get_lowest_layer(stream_).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                             error);
    if (error) return absl::UnavailableError("connect: " + error.message());
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), "localhost")) {
      return absl::InternalError("TLS: cannot set the server name");
    }
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    stream_.handshake(ssl::stream_base::client, error);
    if (error) return absl::UnavailableError("TLS handshake: " + error.message());
    return absl::OkStatus();
  }

  absl::StatusOr<Reply> Get(const std::string& target, const std::string& cookie,
                            const std::string& if_none_match = "") {
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "localhost");
    request.set(http::field::accept, "application/json");
    if (!cookie.empty()) request.set(http::field::cookie, cookie);
    if (!if_none_match.empty()) request.set(http::field::if_none_match, if_none_match);
    request.keep_alive(true);
    beast::error_code error;
    http::write(stream_, request, error);
    if (error) return absl::UnavailableError(absl::StrCat("GET ", target, ": ", error.message()));
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response, error);
    if (error) return absl::UnavailableError(absl::StrCat("GET ", target, ": ", error.message()));
    Reply reply{response.result_int(), std::move(response.body()), ""};
    if (auto etag = response.find(http::field::etag); etag != response.end()) reply.etag = std::string(etag->value());
    return reply;
  }

  void Close() {
    beast::error_code ignored;
    stream_.shutdown(ignored);
    beast::get_lowest_layer(stream_).close(ignored);
  }

 private:
  asio::io_context io_;
  beast::ssl_stream<asio::ip::tcp::socket> stream_;
  beast::flat_buffer buffer_;
};

absl::StatusOr<std::unique_ptr<ssl::context>> TrustingTheDevCa(const HubUnderTest& hub) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  beast::error_code error;
  context->load_verify_file(hub.pki.CaFile(), error);
  if (error) return absl::InvalidArgumentError(absl::StrCat(hub.pki.CaFile(), ": ", error.message()));
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// Reads `target` and checks the answer; the time taken goes to `sample`.
absl::StatusOr<Reply> Timed(Browser& browser, const std::string& target, const std::string& cookie,
                            LatencySample* sample) {
  const int64_t start = NowNanos();
  absl::StatusOr<Reply> reply = browser.Get(target, cookie);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return absl::InternalError(absl::StrCat("GET ", target, ": HTTP ", reply->status, ": ", reply->body.substr(0, 200)));
  }
  sample->Add(NowNanos() - start);
  return reply;
}

int64_t Occurrences(const std::string& text, const std::string& what) {
  int64_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The first-page queries, as the Due page asks them (page_size 200) and at
// the API's default size; all interleaved, sample by sample, so that each
// meets the machine in the same mood.
absl::Status FirstPages(const ConsoleUnderTest& console, ssl::context& tls, const Member& cpm, const Member& team,
                        const ConsoleOptions& options, ConsoleResult& result) {
  struct Query {
    std::string label;
    const Member* as;
    std::string target;
  };
  const std::vector<Query> queries = {
      {"CPM, every open action (the page's query, 200 a page)", &cpm, "/api/v1/open-actions?page_size=200"},
      {"CPM, 50 a page (the API's default)", &cpm, "/api/v1/open-actions"},
      {"CPM, overdue only", &cpm, "/api/v1/open-actions?overdue_only=true&page_size=200"},
      {"CPM, due within 5 working days", &cpm, "/api/v1/open-actions?due_within_working_days=5&page_size=200"},
      {"CPM, one owner's role (the CPM VC's)", &cpm, "/api/v1/open-actions?owner=PRACTITIONER_ROLE_CPM_VC&page_size=200"},
      {"team manager, their team's actions", &team, "/api/v1/open-actions?page_size=200"},
      {"team manager, their team's social workers'", &team,
       "/api/v1/open-actions?owner=PRACTITIONER_ROLE_SOCIAL_WORKER&page_size=200"},
  };
  std::vector<std::unique_ptr<Browser>> browsers;
  for (const Query& query : queries) {
    result.first_page[query.label] = std::make_unique<LatencySample>();
    browsers.push_back(std::make_unique<Browser>(tls));
    if (absl::Status s = browsers.back()->Connect(console.port); !s.ok()) return s;
  }
  for (int i = 0; i < options.samples; ++i) {
    for (size_t q = 0; q < queries.size(); ++q) {
      absl::StatusOr<Reply> reply =
          Timed(*browsers[q], queries[q].target, queries[q].as->cookie, result.first_page[queries[q].label].get());
      if (!reply.ok()) {
        if (result.first_page_failures++ == 0) std::cerr << "hub_benchmark: console: " << reply.status() << "\n";
        continue;
      }
      if (i == 0) result.actions_on_first_page[queries[q].label] = Occurrences(reply->body, "\"caseId\"");
    }
  }
  for (auto& browser : browsers) browser->Close();
  return absl::OkStatus();
}

// One refresh of the Due page as the browser makes it: a new connection,
// the page and its two files revalidated (304), the session, the words, the
// list.
absl::Status Refresh(const ConsoleUnderTest& console, ssl::context& tls, const Member& member,
                     const std::map<std::string, std::string>& etags) {
  Browser browser(tls);
  if (absl::Status s = browser.Connect(console.port); !s.ok()) return s;
  for (const auto& [path, etag] : etags) {
    absl::StatusOr<Reply> reply = browser.Get(path, "", etag);
    if (!reply.ok()) return reply.status();
    if (reply->status != 304 && reply->status != 200) {
      return absl::InternalError(absl::StrCat("GET ", path, ": HTTP ", reply->status));
    }
  }
  for (const char* target : {"/api/v1/session", "/api/v1/vocabulary", "/api/v1/open-actions?page_size=200"}) {
    absl::StatusOr<Reply> reply = browser.Get(target, member.cookie);
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) return absl::InternalError(absl::StrCat("GET ", target, ": HTTP ", reply->status));
  }
  browser.Close();
  return absl::OkStatus();
}

absl::Status Refreshing(const HubUnderTest& hub, const ConsoleUnderTest& console, ssl::context& tls,
                        const std::vector<Member>& staff, const ConsoleOptions& options, ConsoleResult& result) {
  // What the browser has cached: each static file's ETag.
  std::map<std::string, std::string> etags;
  {
    Browser browser(tls);
    if (absl::Status s = browser.Connect(console.port); !s.ok()) return s;
    for (const char* path : {"/", "/app.js", "/style.css"}) {
      absl::StatusOr<Reply> reply = browser.Get(path, "");
      if (!reply.ok()) return reply.status();
      etags[path] = reply->etag;
    }
    browser.Close();
  }

  // Idle first: what the hub spends with no one looking (its watcher, its
  // sealer), so that the staff's cost can be read as the difference.
  double cpu = CpuSeconds(hub.pid());
  absl::SleepFor(options.measure_for);
  result.idle_core_fraction = (CpuSeconds(hub.pid()) - cpu) / absl::ToDoubleSeconds(options.measure_for);

  std::atomic<int64_t> refreshes{0}, failures{0};
  const int64_t start = NowNanos();
  const int64_t stop = start + absl::ToInt64Nanoseconds(options.measure_for);
  const int64_t every = absl::ToInt64Nanoseconds(options.refresh_every);
  cpu = CpuSeconds(hub.pid());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < staff.size(); ++i) {
    threads.emplace_back([&, i] {
      // Spread over the period, as people's mornings are.
      for (int64_t at = start + every * static_cast<int64_t>(i) / static_cast<int64_t>(staff.size()); at < stop;
           at += every) {
        absl::SleepFor(absl::Nanoseconds(at - NowNanos()));
        const int64_t began = NowNanos();
        if (absl::Status s = Refresh(console, tls, staff[i], etags); !s.ok()) {
          if (failures.fetch_add(1) == 0) std::cerr << "hub_benchmark: console refresh: " << s << "\n";
          continue;
        }
        result.refresh.Add(NowNanos() - began);
        refreshes.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = static_cast<double>(NowNanos() - start) / 1e9;
  result.refreshing_core_fraction = (CpuSeconds(hub.pid()) - cpu) / elapsed;
  result.refreshes = refreshes.load();
  result.refresh_failures = failures.load();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsoleResult>> RunConsole(const HubUnderTest& hub, const ConsoleUnderTest& console,
                                                          const ConsoleOptions& options) {
  auto result = std::make_unique<ConsoleResult>();
  absl::StatusOr<int64_t> open_cases = QueryInt(hub.schema, "SELECT COUNT(DISTINCT case_id) FROM case_action");
  if (!open_cases.ok()) return open_cases.status();
  if (*open_cases < options.open_cases) {
    if (absl::Status s = OpenCases(hub, options, static_cast<int>(options.open_cases - *open_cases), *result); !s.ok()) {
      return s;
    }
  }
  // The deadline watcher reviews the overdue cases the submissions opened;
  // the counts are taken once it has had a few seconds.
  absl::SleepFor(absl::Seconds(5));
  for (auto [sql, into] : {std::pair{"SELECT COUNT(DISTINCT case_id) FROM case_action", &result->open_cases},
                           std::pair{"SELECT COUNT(*) FROM case_action", &result->open_actions}}) {
    absl::StatusOr<int64_t> n = QueryInt(hub.schema, sql);
    if (!n.ok()) return n.status();
    *into = *n;
  }

  absl::StatusOr<std::vector<Member>> staff = AddStaff(console, options.staff);
  if (!staff.ok()) return staff.status();
  if (staff->size() < 2) return absl::InvalidArgumentError("--console_staff: at least 2 (a CPM and a team manager)");
  absl::StatusOr<std::unique_ptr<ssl::context>> tls = TrustingTheDevCa(hub);
  if (!tls.ok()) return tls.status();
  if (absl::Status s = FirstPages(console, **tls, (*staff)[0], (*staff)[1], options, *result); !s.ok()) return s;
  if (absl::Status s = Refreshing(hub, console, **tls, *staff, options, *result); !s.ok()) return s;
  return result;
}

}  // namespace cre::bench
