// history_check: what a hub on a generated history must still do, asked
// through the hub's own API as agencies would (docs/benchmarks.md,
// "National-scale history"): an involved agency reads a historical case
// (GetCase), and a new concern about a new child is accepted.
//
//   history_check --target localhost:50451 --certs DIR --case_id ID --reader AGENCY --submitter AGENCY
//     [--nhs_number DIGITS]
//
// DIR is what certs/make-dev-certs.sh made (ca.crt, agencies/<id>.crt and
// .key). Exit status 0 when both succeed.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "cre/v1/referrals.grpc.pb.h"

ABSL_FLAG(std::string, target, "localhost:50451", "the hub");
ABSL_FLAG(std::string, certs, "", "directory made by certs/make-dev-certs.sh");
ABSL_FLAG(std::string, case_id, "", "a case of the history");
ABSL_FLAG(std::string, reader, "", "an agency involved with that case");
ABSL_FLAG(std::string, submitter, "derby-school-ashgrove", "the agency that submits a new concern");
ABSL_FLAG(std::string, nhs_number, "",
          "the new concern's child's NHS number: one of the history's opens a case for that child");

namespace {

std::unique_ptr<cre::v1::Referrals::Stub> StubFor(const std::string& agency) {
  const std::string certs = absl::GetFlag(FLAGS_certs);
  auto channel = cre::client::MakeHubChannel({.target = absl::GetFlag(FLAGS_target),
                                              .ca_file = certs + "/ca.crt",
                                              .cert_file = absl::StrCat(certs, "/agencies/", agency, ".crt"),
                                              .key_file = absl::StrCat(certs, "/agencies/", agency, ".key")});
  if (!channel.ok()) {
    std::cerr << "history_check: " << channel.status() << "\n";
    return nullptr;
  }
  return cre::v1::Referrals::NewStub(*channel);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto reader = StubFor(absl::GetFlag(FLAGS_reader));
  auto submitter = StubFor(absl::GetFlag(FLAGS_submitter));
  if (!reader || !submitter) return 1;
  int failed = 0;

  grpc::ClientContext read_context;
  cre::v1::GetCaseRequest get;
  get.set_case_id(absl::GetFlag(FLAGS_case_id));
  cre::v1::GetCaseResponse found;
  grpc::Status status = reader->GetCase(&read_context, get, &found);
  if (status.ok()) {
    std::cout << "GetCase " << found.case_id() << " as " << absl::GetFlag(FLAGS_reader) << ": child "
              << found.child_details().given_name() << " " << found.child_details().family_name() << ", opened "
              << found.case_file().opened_at().seconds() << ", " << found.case_file().risk_assessments_size()
              << " risk assessments, " << found.case_file().events_size() << " events, " << found.messages_size()
              << " messages, " << found.involved_agency_ids_size() << " agencies involved" << std::endl;
  } else {
    std::cout << "GetCase failed: " << status.error_code() << " " << status.error_message() << std::endl;
    ++failed;
  }

  grpc::ClientContext submit_context;
  cre::v1::SubmitConcernRequest concern;
  concern.set_idempotency_key(cre::NewUuid());
  cre::v1::NewChild& child = *concern.mutable_new_child();
  child.mutable_details()->set_given_name("Test");
  child.mutable_details()->set_family_name("Child");
  child.mutable_details()->set_address("1 Station Road, Derby");
  child.mutable_details()->set_nhs_number(absl::GetFlag(FLAGS_nhs_number));
  child.mutable_child()->set_date_of_birth("2013-04-01");
  child.mutable_child()->set_open_plan(cre::v1::OPEN_PLAN_NONE);
  child.mutable_child()->set_home_authority_code("E06000015");
  concern.mutable_concern()->set_indicated_level(cre::v1::RISK_LEVEL_MEDIUM);
  concern.mutable_concern()->set_narrative("seen with older males near the station late at night");
  *concern.mutable_concern()->mutable_identified_at() = cre::ToProtoTime(absl::Now() - absl::Hours(1));
  cre::v1::Governance& g = *concern.mutable_governance();
  g.set_purpose(cre::v1::PURPOSE_SAFEGUARDING_CHILD);
  g.set_article6_basis(cre::v1::ARTICLE6_BASIS_PUBLIC_TASK);
  g.set_article9_condition(cre::v1::ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN);
  g.set_sharing_agreement_id("derby-cre-isa-2026");
  g.set_consent(cre::v1::CONSENT_GIVEN);
  cre::v1::SubmitResponse receipt;
  status = submitter->SubmitConcern(&submit_context, concern, &receipt);
  if (status.ok()) {
    std::cout << "SubmitConcern: case " << receipt.case_id() << ", message " << receipt.message_id() << ", to "
              << receipt.recipient_agency_ids_size() << " agencies" << std::endl;
  } else {
    std::cout << "SubmitConcern failed: " << status.error_code() << " " << status.error_message() << std::endl;
    ++failed;
  }
  return failed == 0 ? 0 : 1;
}
