// Checks a request's shape before anything is written: each function returns
// INVALID_ARGUMENT naming the first field at fault, e.g.
//   "concern.narrative: 70000 bytes; at most 65536".
// What depends on the stored case (an event dated before the case opened)
// is checked later, inside the accepting transaction.
#ifndef CRE_HUB_ROUTING_REQUEST_VALIDATION_H_
#define CRE_HUB_ROUTING_REQUEST_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/referrals.pb.h"

namespace cre {

// Limits on free text, so that one request cannot fill the database.
inline constexpr size_t kMaxNarrativeBytes = 64 * 1024;
inline constexpr size_t kMaxShortTextBytes = 1024;
inline constexpr int kMaxListEntries = 100;
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr int kMaxAcknowledgeIds = 256;
// Instants in requests are before 2037-01-01T00:00:00Z (see CheckTimestamp).
inline constexpr int64_t kLatestRecordSeconds = 2114380800;

absl::Status ValidateSubmitConcern(const v1::SubmitConcernRequest& request);
absl::Status ValidateSubmitOperationLibertyReport(const v1::SubmitOperationLibertyReportRequest& request);
absl::Status ValidateRecordRiskAssessment(const v1::RecordRiskAssessmentRequest& request);
absl::Status ValidateRecordCaseEvents(const v1::RecordCaseEventsRequest& request);
absl::Status ValidateSubmitStepUpReferral(const v1::SubmitStepUpReferralRequest& request);
absl::Status ValidateSendNotification(const v1::SendNotificationRequest& request);
absl::Status ValidateRespond(const v1::RespondRequest& request);
absl::Status ValidateGetCase(const v1::GetCaseRequest& request);
absl::Status ValidateAcknowledge(const v1::AcknowledgeRequest& request);

}  // namespace cre

#endif  // CRE_HUB_ROUTING_REQUEST_VALIDATION_H_
