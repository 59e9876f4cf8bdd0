// Checks a request's shape before anything is written: each function returns
// INVALID_ARGUMENT naming the first field at fault, e.g.
//   "concern.narrative: 70000 bytes; at most 65536".
// Each runs CheckFieldBounds (access/field_bounds.h) first, the bounds every
// field of every request keeps, then the checks of its own request: tighter
// limits, formats, what is required. What depends on the stored case (an
// event dated before the case opened) is checked later, inside the accepting
// transaction.
#ifndef CRE_HUB_ACCESS_REQUEST_VALIDATION_H_
#define CRE_HUB_ACCESS_REQUEST_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "access/field_bounds.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/referrals.pb.h"

namespace cre {

// Limits of particular fields (the general ones: access/field_bounds.h).
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr int kMaxAcknowledgeIds = 256;
// An agency id (the registry's are at most 64 bytes).
inline constexpr size_t kMaxAgencyIdBytes = 64;
// DecisionNotToShare.justification: a few paragraphs of reasons, not a report.
inline constexpr size_t kMaxJustificationBytes = 8 * 1024;
// SubscribeRequest.max_in_flight and ListOpenActionsRequest.page_size: 0
// (the service's default) up to these.
inline constexpr int kMaxMaxInFlight = 256;
inline constexpr int kMaxPageSize = 500;
// ListOpenActionsRequest.due_within_working_days: about a year of working days.
inline constexpr int kMaxDueWindowWorkingDays = 250;

absl::Status ValidateSubmitConcern(const v1::SubmitConcernRequest& request);
absl::Status ValidateSubmitOperationLibertyReport(const v1::SubmitOperationLibertyReportRequest& request);
absl::Status ValidateRecordRiskAssessment(const v1::RecordRiskAssessmentRequest& request);
absl::Status ValidateRecordCaseEvents(const v1::RecordCaseEventsRequest& request);
absl::Status ValidateSubmitStepUpReferral(const v1::SubmitStepUpReferralRequest& request);
absl::Status ValidateSendNotification(const v1::SendNotificationRequest& request);
absl::Status ValidateRecordDecisionNotToShare(const v1::RecordDecisionNotToShareRequest& request);
absl::Status ValidateRespond(const v1::RespondRequest& request);
absl::Status ValidateGetCase(const v1::GetCaseRequest& request);
absl::Status ValidateSubscribe(const v1::SubscribeRequest& request);
absl::Status ValidateAcknowledge(const v1::AcknowledgeRequest& request);
absl::Status ValidateListOpenActions(const v1::ListOpenActionsRequest& request);
// A case_id or a child_id (ids the hub issued), limit 0 (the default) up to
// kMaxPageSize, before_seq not negative.
absl::Status ValidateListRecordAccesses(const v1::ListRecordAccessesRequest& request);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_REQUEST_VALIDATION_H_
