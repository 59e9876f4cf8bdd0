// See hub_load.h.
#include "hub_load.h"

#include <chrono>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/blocking_counter.h"
#include "google/protobuf/util/time_util.h"

namespace cre::bench {

InboxSubscriber::InboxSubscriber(v1::Inbox::Stub* stub, int max_in_flight, OnMessage on_delivered,
                                 OnMessage on_acked)
    : on_delivered_(std::move(on_delivered)), acks_(std::make_shared<Acks>()) {
  acks_->stub = stub;
  acks_->on_acked = std::move(on_acked);
  request_.set_max_in_flight(max_in_flight);
}

void InboxSubscriber::Start() {
  acks_->stub->async()->Subscribe(&context_, &request_, this);
  StartRead(&message_);
  StartCall();
}

void InboxSubscriber::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  if (on_delivered_) on_delivered_(message_);
  {
    absl::MutexLock lock(&acks_->mu);
    acks_->waiting.push_back(message_);
  }
  SendWaiting(acks_);
  StartRead(&message_);
}

void InboxSubscriber::OnDone(const grpc::Status&) { done_.Notify(); }

int64_t InboxSubscriber::AcksPending() const {
  absl::MutexLock lock(&acks_->mu);
  return acks_->in_call + static_cast<int64_t>(acks_->waiting.size());
}

void InboxSubscriber::SendWaiting(const std::shared_ptr<Acks>& acks) {
  struct Call {
    grpc::ClientContext context;
    v1::AcknowledgeRequest request;
    v1::AcknowledgeResponse response;
    std::vector<v1::RoutedMessage> messages;
    std::shared_ptr<Acks> acks;
  };
  auto call = std::make_unique<Call>();
  {
    absl::MutexLock lock(&acks->mu);
    if (acks->in_call > 0 || acks->waiting.empty()) return;
    call->messages.swap(acks->waiting);
    acks->in_call = static_cast<int64_t>(call->messages.size());
  }
  for (const v1::RoutedMessage& message : call->messages) call->request.add_delivery_ids(message.delivery_id());
  call->acks = acks;
  // Bounded like the submissions: CloseAll waits for acks this long at most.
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Call* raw = call.release();
  acks->stub->async()->Acknowledge(&raw->context, &raw->request, &raw->response, [raw](grpc::Status status) {
    std::unique_ptr<Call> done(raw);
    if (status.ok() && done->acks->on_acked) {
      for (const v1::RoutedMessage& message : done->messages) done->acks->on_acked(message);
    }
    {
      absl::MutexLock lock(&done->acks->mu);
      done->acks->in_call = 0;
    }
    SendWaiting(done->acks);
  });
}

void SubmitReport(v1::Referrals::Stub* stub, const v1::SubmitOperationLibertyReportRequest& request,
                  SubmitDone done) {
  SubmitAsync(request, [stub](auto... call) { stub->async()->SubmitOperationLibertyReport(call...); },
              std::move(done));
}

v1::Governance BenchGovernance() {
  v1::Governance governance;
  governance.set_purpose(v1::PURPOSE_DISRUPTING_EXPLOITATION);
  governance.set_article6_basis(v1::ARTICLE6_BASIS_PUBLIC_TASK);
  governance.set_article9_condition(v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  governance.set_sharing_agreement_id("derby-cre-isa-2026");
  governance.set_consent(v1::CONSENT_NOT_SOUGHT_RISK_TO_CHILD);
  return governance;
}

v1::SubmitConcernRequest NewCaseConcern(const std::string& key_prefix, int i, absl::Time identified) {
  v1::SubmitConcernRequest request;
  request.set_idempotency_key(absl::StrCat(key_prefix, "-", i));
  *request.mutable_governance() = BenchGovernance();
  v1::NewChild* child = request.mutable_new_child();
  child->mutable_details()->set_given_name(absl::StrCat("Child", i));
  child->mutable_details()->set_family_name("Example");
  child->mutable_details()->set_address(absl::StrCat(i % 400 + 1, " Example Street, Derby"));
  child->mutable_child()->set_date_of_birth(absl::StrFormat("%d-%02d-%02d", 2008 + i % 8, i % 12 + 1, i % 28 + 1));
  child->mutable_child()->set_open_plan(v1::OPEN_PLAN_NONE);
  child->mutable_child()->set_home_authority_code("E06000015");
  child->mutable_child()->set_placement_authority_code("E06000015");
  request.mutable_concern()->set_indicated_level(v1::RISK_LEVEL_MEDIUM);
  request.mutable_concern()->set_narrative("Seen getting into cars with older men after school.");
  *request.mutable_concern()->mutable_identified_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(identified));
  return request;
}

v1::RecordRiskAssessmentRequest NewCaseAssessment(const std::string& key_prefix, int i, const std::string& case_id,
                                                  absl::Time identified) {
  v1::RecordRiskAssessmentRequest request;
  request.set_idempotency_key(absl::StrCat(key_prefix, "-", i, "-assessed"));
  *request.mutable_governance() = BenchGovernance();
  request.set_case_id(case_id);
  *request.mutable_assessment()->mutable_assessed_at() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(identified + absl::Hours(1)));
  request.mutable_assessment()->set_level(i % 4 == 0 ? v1::RISK_LEVEL_HIGH : v1::RISK_LEVEL_MEDIUM);
  request.mutable_assessment()->set_assessor_role(v1::PRACTITIONER_ROLE_SOCIAL_WORKER);
  return request;
}

namespace {

// OpenAssessedCases' calls: `concurrency` lanes, each taking the next case
// when its last one ends.
class CaseOpener {
 public:
  CaseOpener(const std::vector<std::unique_ptr<v1::Referrals::Stub>>& submitters,
             const std::vector<std::unique_ptr<v1::Referrals::Stub>>& assessors, std::string key_prefix, int n,
             int concurrency, const std::function<absl::Time(int)>& identified)
      : submitters_(submitters),
        assessors_(assessors),
        key_prefix_(std::move(key_prefix)),
        n_(n),
        concurrency_(concurrency),
        identified_(identified),
        lanes_(concurrency) {}

  OpenedCases Run() {
    for (int i = 0; i < concurrency_; ++i) Next();
    lanes_.Wait();
    absl::MutexLock lock(&mu_);
    return std::move(opened_);
  }

 private:
  struct Call {
    int i = 0;
    grpc::ClientContext open_context, assess_context;
    v1::SubmitConcernRequest concern;
    v1::RecordRiskAssessmentRequest assessment;
    v1::SubmitResponse opened, assessed;
  };

  static void SetDeadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  }

  void Next() {
    const int i = next_.fetch_add(1);
    if (i >= n_) {
      lanes_.DecrementCount();
      return;
    }
    auto* call = new Call;
    call->i = i;
    call->concern = NewCaseConcern(key_prefix_, i, identified_(i));
    SetDeadline(call->open_context);
    submitters_[i % submitters_.size()]->async()->SubmitConcern(
        &call->open_context, &call->concern, &call->opened, [this, call](grpc::Status s) {
          if (!s.ok()) return Finish(call, s);
          call->assessment = NewCaseAssessment(key_prefix_, call->i, call->opened.case_id(), identified_(call->i));
          SetDeadline(call->assess_context);
          assessors_[call->i % assessors_.size()]->async()->RecordRiskAssessment(
              &call->assess_context, &call->assessment, &call->assessed,
              [this, call](grpc::Status s) { Finish(call, s); });
        });
  }

  void Finish(Call* call, const grpc::Status& s) {
    {
      absl::MutexLock lock(&mu_);
      if (s.ok()) {
        opened_.case_ids.push_back(call->opened.case_id());
      } else if (opened_.failed++ == 0) {
        opened_.first_error = s.error_message();
      }
    }
    delete call;
    Next();
  }

  const std::vector<std::unique_ptr<v1::Referrals::Stub>>& submitters_;
  const std::vector<std::unique_ptr<v1::Referrals::Stub>>& assessors_;
  const std::string key_prefix_;
  const int n_, concurrency_;
  const std::function<absl::Time(int)>& identified_;
  std::atomic<int> next_{0};
  absl::Mutex mu_;
  OpenedCases opened_ ABSL_GUARDED_BY(mu_);
  absl::BlockingCounter lanes_;
};

}  // namespace

OpenedCases OpenAssessedCases(const std::vector<std::unique_ptr<v1::Referrals::Stub>>& submitters,
                              const std::vector<std::unique_ptr<v1::Referrals::Stub>>& assessors,
                              const std::string& key_prefix, int n, int concurrency,
                              const std::function<absl::Time(int)>& identified) {
  return CaseOpener(submitters, assessors, key_prefix, n, concurrency, identified).Run();
}

v1::SubmitOperationLibertyReportRequest TimedReport(const std::string& idempotency_key, const std::string& tag,
                                                    int64_t sent_nanos, const std::string& case_id) {
  v1::SubmitOperationLibertyReportRequest request;
  request.set_idempotency_key(idempotency_key);
  *request.mutable_governance() = BenchGovernance();
  request.set_case_id(case_id);
  v1::OperationLibertyReport* report = request.mutable_report();
  report->add_vehicles()->set_registration("AB12 CDE");
  report->add_places()->set_address("Car park behind the Eagle Centre, Derby");
  // The narrative carries the measurement: "<tag> sent_at=<nanos>". A real
  // report's narrative is a few hundred bytes; this one is padded to that.
  report->set_narrative(absl::StrCat(tag, " sent_at=", sent_nanos, " ", std::string(200, '.')));
  return request;
}

std::optional<int64_t> SentNanos(const v1::RoutedMessage& message, const std::string& tag) {
  absl::string_view narrative = message.operation_liberty_report().narrative();
  if (!absl::ConsumePrefix(&narrative, absl::StrCat(tag, " sent_at="))) return std::nullopt;
  const size_t space = narrative.find(' ');
  int64_t nanos = 0;
  if (!absl::SimpleAtoi(narrative.substr(0, space), &nanos)) return std::nullopt;
  return nanos;
}

}  // namespace cre::bench
