// cre-demo: the scenario a newcomer sees first, played against a running hub
// whose adapters (police-pru, iro, host-authority for Derbyshire) run beside
// it. It acts as the school and as Children's Social Care, and prints a
// timeline of what was routed to whom and which deadlines the pathway set.
//
//   cre-demo --hub localhost:50051 --certs certs/dev --demo-dir var/demo
//
// The story (docs/procedure.md, The rules): a school is worried about a looked-after
// 12-year-old of Derby placed in Derbyshire; CSC assesses the risk HIGH; the
// child goes missing; the school reports a car and a place to the police.
// The timeline is for people: kinds, statuses and roles in words and
// deadlines as local dates in words (pathway/in_words.h), never enum names.
#include <sys/stat.h>

#include <deque>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/inbox.grpc.pb.h"
#include "cre/v1/referrals.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "pathway/in_words.h"

ABSL_FLAG(std::string, hub, "localhost:50051", "the hub");
ABSL_FLAG(std::string, certs, "certs/dev", "the development PKI (ca.crt, agencies/<id>.crt/.key)");
ABSL_FLAG(std::string, hub_config, "config/hub.textproto",
          "the hub's config, as the closing line tells hubctl (run-hub.sh on a cluster names its own)");
ABSL_FLAG(std::string, demo_dir, "var/demo", "where the adapters write (pru/, iro/, derbyshire/)");
ABSL_FLAG(std::string, sharing_agreement, "derby-cre-isa-2026",
          "the information-sharing agreement the demo's submissions name (config/governance.textproto)");

namespace {

using namespace cre;
using google::protobuf::util::TimeUtil;
using pathway::InWords;

std::shared_ptr<grpc::Channel> As(const std::string& agency) {
  const std::string certs = absl::GetFlag(FLAGS_certs);
  client::HubChannelOptions options{absl::GetFlag(FLAGS_hub), certs + "/ca.crt",
                                    certs + "/agencies/" + agency + ".crt",
                                    certs + "/agencies/" + agency + ".key"};
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeHubChannel(options);
  if (!channel.ok()) {
    std::cerr << "cre-demo: " << channel.status().message() << "\n";
    std::exit(1);
  }
  return *channel;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return context;
}

void Line(const std::string& who, const std::string& what) {
  std::cout << absl::FormatTime("[%H:%M:%S] ", absl::Now(), absl::LocalTimeZone()) << who << "  " << what
            << std::endl;
}
void More(const std::string& what) { std::cout << "           " << what << std::endl; }

// The governance envelope of the demo's submissions: public task, and the
// Schedule 1 condition that fits `purpose`.
v1::Governance Envelope(v1::Purpose purpose, v1::Consent consent) {
  v1::Governance g;
  g.set_purpose(purpose);
  g.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  g.set_article9_condition(purpose == v1::PURPOSE_DISRUPTING_EXPLOITATION
                               ? v1::ARTICLE9_CONDITION_PREVENTING_UNLAWFUL_ACTS
                               : v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  g.set_sharing_agreement_id(absl::GetFlag(FLAGS_sharing_agreement));
  g.set_consent(consent);
  return g;
}

void Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return;
  std::cerr << "cre-demo: " << what << " failed: " << status.error_message() << "\n";
  std::exit(1);
}

std::string Receipt(const v1::SubmitResponse& r) {
  std::string text = absl::StrCat("routed to [", absl::StrJoin(r.recipient_agency_ids(), ", "), "]");
  for (const v1::HubActionReceipt& a : r.hub_actions()) {
    absl::StrAppend(&text, "; the hub itself sent the ",
                    a.kind() == v1::MESSAGE_KIND_NOTIFICATION ? InWords(a.notification_kind()) : InWords(a.kind()),
                    " to [", absl::StrJoin(a.recipient_agency_ids(), ", "), "]");
  }
  return text;
}

// An agency's inbox, read on a thread of its own; the demo acknowledges
// what it takes.
class Inbox {
 public:
  explicit Inbox(const std::string& agency) : agency_(agency), channel_(As(agency)) {
    reader_ = std::thread([this] {
      auto reader = v1::Inbox::NewStub(channel_)->Subscribe(&context_, v1::SubscribeRequest());
      v1::RoutedMessage m;
      while (reader->Read(&m)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(m);
      }
    });
  }
  ~Inbox() {
    context_.TryCancel();
    reader_.join();
  }
  // The next message within `timeout`, acknowledged and printed.
  bool Take(absl::Duration timeout = absl::Seconds(15)) {
    v1::RoutedMessage m;
    {
      absl::MutexLock lock(&mu_);
      auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !received_.empty(); };
      if (!mu_.AwaitWithTimeout(absl::Condition(&any), timeout)) return false;
      m = received_.front();
      received_.pop_front();
    }
    v1::AcknowledgeRequest ack;
    ack.add_delivery_ids(m.delivery_id());
    v1::AcknowledgeResponse done;
    Check(v1::Inbox::NewStub(channel_)->Acknowledge(Context().get(), ack, &done), "acknowledge");
    std::string what = InWords(m.kind());
    if (m.has_notification()) {
      what = InWords(m.notification().kind());
      if (m.notification().kind() == v1::NOTIFICATION_KIND_OVERDUE_ALERT) {
        absl::StrAppend(&what, " for the ", InWords(m.notification().action_kind()));
      }
    }
    if (m.has_response()) {
      absl::StrAppend(&what, " (", InWords(m.response().kind()), ": \"", m.response().reason(), "\")");
    }
    const std::string from = m.sent_by_hub()
                                 ? (m.sender_agency_id().empty() ? "the hub"
                                                                 : "the hub, on " + m.sender_agency_id() + "'s submission")
                                 : m.sender_agency_id();
    Line(agency_ + " inbox", absl::StrCat(what, " from ", from, " (acknowledged)"));
    More(absl::StrCat("governance: ", InWords(m.governance())));
    return true;
  }

 private:
  std::string agency_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::ClientContext context_;
  absl::Mutex mu_;
  std::deque<v1::RoutedMessage> received_ ABSL_GUARDED_BY(mu_);
  std::thread reader_;
};

// Waits for an adapter to write `message_id`.json into `dir`.
void AwaitFile(const std::string& adapter, const std::string& dir, const std::string& message_id) {
  const std::string path = absl::StrCat(dir, "/", message_id, ".json");
  for (absl::Time end = absl::Now() + absl::Seconds(20); absl::Now() < end; absl::SleepFor(absl::Milliseconds(100))) {
    struct stat info;
    if (stat(path.c_str(), &info) == 0) {
      Line(adapter + " adapter", "wrote " + path + " and acknowledged it");
      return;
    }
  }
  Line(adapter + " adapter", "did not write " + path + " within 20 s (is it running?)");
}

google::protobuf::Timestamp Ago(absl::Duration d) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() - d));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "cre-demo: plays the newcomer's scenario against a running hub and prints its timeline.\n"
      "  cre-demo --hub localhost:50051 --certs certs/dev --demo-dir var/demo");
  absl::ParseCommandLine(argc, argv);
  const std::string demo = absl::GetFlag(FLAGS_demo_dir);
  const std::string run = absl::FormatTime("%Y%m%d%H%M%S", absl::Now(), absl::UTCTimeZone());
  Inbox csc("derby-csc");
  Inbox cpm("derby-cpm");
  // Asking the family first could warn those exploiting the child.
  const v1::Governance safeguarding = Envelope(v1::PURPOSE_SAFEGUARDING_CHILD, v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD);
  std::cout << "\n== The scenario: a looked-after 12-year-old of Derby placed in Derbyshire ==\n\n";

  // 1. The school's concern.
  v1::SubmitConcernRequest concern;
  concern.set_idempotency_key("demo-concern-" + run);
  *concern.mutable_governance() = safeguarding;
  v1::NewChild* child = concern.mutable_new_child();
  child->mutable_details()->set_given_name("Jordan");
  child->mutable_details()->set_family_name("Example");
  child->mutable_child()->set_date_of_birth("2014-01-15");
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_LOOKED_AFTER);
  child->mutable_child()->set_looked_after(true);
  child->mutable_child()->set_home_authority_code("E06000015");
  child->mutable_child()->set_placement_authority_code("E10000007");
  concern.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_HIGH);
  concern.mutable_concern()->set_narrative("Collected from school by unknown older men; new phone and cash.");
  *concern.mutable_concern()->mutable_identified_at() = Ago(absl::Hours(3));
  v1::SubmitResponse opened;
  Check(v1::Referrals::NewStub(As("derby-school-ashgrove"))->SubmitConcern(Context().get(), concern, &opened), "concern");
  Line("derby-school-ashgrove -> hub", "concern about a looked-after child, 12, placed in Derbyshire: HIGH");
  More(Receipt(opened) + "; case " + opened.case_id());
  csc.Take();

  // 2. CSC assesses HIGH: the hub tells the IRO and hands off to Derbyshire itself.
  v1::RecordRiskAssessmentRequest assess;
  assess.set_idempotency_key("demo-assess-" + run);
  *assess.mutable_governance() = safeguarding;
  assess.set_case_id(opened.case_id());
  *assess.mutable_assessment()->mutable_assessed_at() = Ago(absl::Hours(2));
  assess.mutable_assessment()->set_level(v1::RISK_LEVEL_HIGH);
  assess.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  assess.mutable_assessment()->set_narrative("Toolkit completed with school and health: HIGH.");
  v1::SubmitResponse assessed;
  Check(v1::Referrals::NewStub(As("derby-csc"))->RecordRiskAssessment(Context().get(), assess, &assessed), "assessment");
  Line("derby-csc -> hub", "CRE risk assessment toolkit: HIGH");
  More(Receipt(assessed));
  for (const v1::HubActionReceipt& action : assessed.hub_actions()) {
    if (action.notification_kind() == v1::NOTIFICATION_KIND_IRO) AwaitFile("iro", demo + "/iro", action.message_id());
    if (action.notification_kind() == v1::NOTIFICATION_KIND_HOST_AUTHORITY_HANDOFF) {
      AwaitFile("derbyshire-cc", demo + "/derbyshire/received", action.message_id());
    }
  }

  // 3. The host authority disputes; CSC hears back, the Duty CPM is told.
  csc.Take();
  cpm.Take();

  // 4. A missing episode.
  v1::RecordCaseEventsRequest missing;
  missing.set_idempotency_key("demo-missing-" + run);
  *missing.mutable_governance() = safeguarding;
  missing.set_case_id(opened.case_id());
  v1::CaseEvent* event = missing.add_events();
  event->set_kind(v1::EVENT_KIND_MISSING_EPISODE);
  *event->mutable_occurred_at() = Ago(absl::Hours(1));
  v1::SubmitResponse recorded;
  Check(v1::Referrals::NewStub(As("derby-csc"))->RecordCaseEvents(Context().get(), missing, &recorded), "missing episode");
  Line("derby-csc -> hub", "missing episode (returned an hour ago)");
  More(Receipt(recorded));

  // 5. The school's Operation Liberty report.
  v1::SubmitOperationLibertyReportRequest report;
  report.set_idempotency_key("demo-report-" + run);
  *report.mutable_governance() =
      Envelope(v1::PURPOSE_DISRUPTING_EXPLOITATION, v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD);
  report.set_case_id(opened.case_id());
  report.mutable_report()->add_vehicles()->set_registration("AB12 CDE");
  report.mutable_report()->add_places()->set_address("Car park behind the shopping centre");
  report.mutable_report()->set_narrative("Silver hatchback waits at the school gate at 15:30.");
  v1::SubmitResponse reported;
  Check(v1::Referrals::NewStub(As("derby-school-ashgrove"))->SubmitOperationLibertyReport(Context().get(), report, &reported),
        "report");
  Line("derby-school-ashgrove -> hub", "Operation Liberty report: a car and a place");
  More(Receipt(reported));
  AwaitFile("police-pru", demo + "/pru", reported.message_id());
  csc.Take();

  // 6. What the procedure now requires, and by when.
  v1::GetCaseRequest get;
  get.set_case_id(opened.case_id());
  v1::GetCaseResponse read;
  Check(v1::Referrals::NewStub(As("derby-csc"))->GetCase(Context().get(), get, &read), "read case");
  std::cout << "\n== The pathway now (as derby-csc reads it): "
            << InWords(read.pathway().risk().effective_level()) << " risk; "
            << InWords(read.pathway().recording()) << " ==\n";
  for (const v1::Action& a : read.pathway().actions()) {
    // The hub's engine words the deadline in the authority's local time:
    // "by the end of <day>" for a day-based rule, "before <time> on <day>"
    // for an hour-based one.
    std::string line = absl::StrFormat("  %-8s %s (%s)", InWords(a.status()), InWords(a.kind()),
                                       InWords(a.owner()));
    if (a.status() != v1::ACTION_STATUS_DONE) absl::StrAppend(&line, ": ", pathway::WhenInWords(a));
    std::cout << line << "\n";
  }
  std::cout << "\nEvery step above is in the audit chain: build/hub/tools/hubctl audit verify --config "
            << absl::GetFlag(FLAGS_hub_config) << "\n";
  return 0;
}
