#!/usr/bin/env bash
# Writes the seed corpus of request_validation_fuzzer
# (tests/fuzz/corpus/request_validation_fuzzer/), so that the seeds are
# readable here and can be made again after a proto change: one byte naming
# the request type (the fuzzer's switch), then the request in wire format
# (protoc --encode of the text below); valid requests and ones refused at
# each kind of check. The case_file_fuzzer seeds are JSON files, edited as
# they are.
#
#   tests/fuzz/make-corpus.sh      (needs protoc; run from anywhere)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
protos=$(cd "$here/../../protos" && pwd)
out="$here/corpus/request_validation_fuzzer"
rm -rf "$out"
mkdir -p "$out"

uuid=0f8e4b8a-3c2d-4b1e-9a7f-2d6c5e4b3a21

# seed NAME SELECTOR MESSAGE FILE.proto < text-format request
seed() {
  local name=$1 selector=$2 message=$3 proto=$4
  {
    printf '%b' "\\x$(printf %02x "$selector")"
    protoc -I "$protos" --encode="cre.v1.$message" "$protos/cre/v1/$proto"
  } >"$out/$name"
}

seed concern-new-child 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "school-17-concern-1"
new_child {
  details { given_name: "Sam" family_name: "Sample" address: "12 Example Road, Derby" agency_reference: "RHD-ED-000123" }
  child { date_of_birth: "2011-07-02" home_authority_code: "E06000015" placement_authority_code: "E06000015" open_plan: OPEN_PLAN_NONE }
}
concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "Seen getting into cars after school." identified_at { seconds: 1795298400 } }
governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_PUBLIC_TASK article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "all-isa" consent: CONSENT_NOT_SOUGHT_RISK_TO_CHILD }
EOF
seed concern-governance-not-sought 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k7"
case_id: "$uuid"
concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 1795298400 } }
governance { purpose: PURPOSE_OTHER purpose_detail: "A family group conference" article6_basis: ARTICLE6_BASIS_CONSENT article9_condition: ARTICLE9_CONDITION_EXPLICIT_CONSENT sharing_agreement_id: "csc-only" consent: CONSENT_NOT_SOUGHT_OTHER consent_note: "The family could not be reached." }
EOF
seed concern-nhs-number 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k5"
new_child {
  details { family_name: "Sample" nhs_number: "943 476 5919" }
  child { date_of_birth: "2011-07-02" home_authority_code: "E06000015" open_plan: OPEN_PLAN_NONE }
}
concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "n" identified_at { seconds: 1795298400 } }
EOF
seed concern-nhs-number-check-digit 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k6"
new_child {
  details { family_name: "Sample" nhs_number: "9434765918" }
  child { date_of_birth: "2011-07-02" home_authority_code: "E06000015" open_plan: OPEN_PLAN_NONE }
}
concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "n" identified_at { seconds: 1795298400 } }
EOF
seed concern-looked-after 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k2"
new_child {
  details { family_name: "Sample" }
  child { date_of_birth: "2014-02-28" looked_after: true home_authority_code: "E06000015" placement_authority_code: "E10000007" open_plan: OPEN_PLAN_LOOKED_AFTER }
}
concern { indicated_level: RISK_LEVEL_HIGH narrative: "Missing overnight." identified_at { seconds: 1795298400 nanos: 500000000 } }
EOF
seed concern-known-case 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k3"
case_id: "$uuid"
concern { indicated_level: RISK_LEVEL_LOW narrative: "x" identified_at { seconds: 1 } }
EOF
seed concern-bad-date 0 SubmitConcernRequest referrals.proto <<EOF
idempotency_key: "k4"
new_child { details { given_name: "A" } child { date_of_birth: "2011-02-30" home_authority_code: "E06000015" open_plan: OPEN_PLAN_NONE } }
concern { indicated_level: RISK_LEVEL_MEDIUM narrative: "n" identified_at { seconds: 1795298400 } }
EOF
seed liberty-report 1 SubmitOperationLibertyReportRequest referrals.proto <<EOF
idempotency_key: "pru-1"
case_id: "$uuid"
report {
  individuals { name: "Known as Dee" description: "Male, about 20" }
  places { name: "Car park" address: "Morledge, Derby" }
  vehicles { registration: "AB12 CDE" description: "Silver hatchback" }
  narrative: "Pupils offered lifts and cash to carry parcels."
}
EOF
seed liberty-report-empty 1 SubmitOperationLibertyReportRequest referrals.proto <<EOF
idempotency_key: "pru-2"
report { narrative: "Nothing named." }
EOF
seed risk-assessment 2 RecordRiskAssessmentRequest referrals.proto <<EOF
idempotency_key: "csc-1"
case_id: "$uuid"
assessment { assessed_at { seconds: 1795298400 } level: RISK_LEVEL_HIGH assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER narrative: "Toolkit completed." }
EOF
seed risk-assessment-low-approved 2 RecordRiskAssessmentRequest referrals.proto <<EOF
idempotency_key: "csc-10"
case_id: "$uuid"
assessment { assessed_at { seconds: 1795298400 } level: RISK_LEVEL_LOW assessor_role: PRACTITIONER_ROLE_SOCIAL_WORKER
             low_risk_approval { team_manager: "tm.jones" approved_at { seconds: 1795298400 } rationale: "Strong protective factors." } }
EOF
seed risk-assessment-bad-enum 2 RecordRiskAssessmentRequest referrals.proto <<EOF
idempotency_key: "csc-2"
case_id: "$uuid"
assessment { assessed_at { seconds: 253402300799 nanos: 999999999 } level: 7 assessor_role: PRACTITIONER_ROLE_TEAM_MANAGER }
EOF
seed case-events 3 RecordCaseEventsRequest referrals.proto <<EOF
idempotency_key: "csc-3"
case_id: "$uuid"
events { kind: EVENT_KIND_STRATEGY_DISCUSSION_HELD occurred_at { seconds: 1795384800 } }
events { kind: EVENT_KIND_THRESHOLD_DISCUSSION_HELD threshold_outcome: THRESHOLD_OUTCOME_CRE_MEETING occurred_at { seconds: 1795471200 } note: "Agreed." }
events { kind: EVENT_KIND_CRE_MEETING_SCHEDULED occurred_at { seconds: 1795471200 } scheduled_for { seconds: 1796000000 } }
EOF
seed case-events-hub-routed 3 RecordCaseEventsRequest referrals.proto <<EOF
idempotency_key: "csc-8"
case_id: "$uuid"
events { kind: EVENT_KIND_IRO_NOTIFIED occurred_at { seconds: 1795384800 } acknowledged_at { seconds: 1795471200 } message_id: "$uuid" }
EOF
# Instants the store cannot keep and numbers no enum declares, in fields no
# check of their own names: the bounds of every field (routing/field_bounds.h).
seed case-events-scheduled-far 3 RecordCaseEventsRequest referrals.proto <<EOF
idempotency_key: "csc-9"
case_id: "$uuid"
events { kind: EVENT_KIND_CRE_MEETING_SCHEDULED occurred_at { seconds: 1795384800 } scheduled_for { seconds: 1000000000000000 } message_id: "m-1" }
EOF
seed case-events-bad-time 3 RecordCaseEventsRequest referrals.proto <<EOF
idempotency_key: "csc-4"
case_id: "$uuid"
events { kind: EVENT_KIND_MISSING_EPISODE occurred_at { seconds: -5 nanos: 1000000000 } }
EOF
# Over the limits: 101 events; a name of 1025 bytes.
seed case-events-too-many 3 RecordCaseEventsRequest referrals.proto <<EOF
idempotency_key: "csc-7"
case_id: "$uuid"
$(for _ in $(seq 101); do echo 'events { kind: EVENT_KIND_MISSING_EPISODE occurred_at { seconds: 1 } }'; done)
EOF
seed liberty-report-long-name 1 SubmitOperationLibertyReportRequest referrals.proto <<EOF
idempotency_key: "pru-3"
report { individuals { name: "$(printf 'x%.0s' $(seq 1025))" } narrative: "n" }
EOF
seed step-up 4 SubmitStepUpReferralRequest referrals.proto <<EOF
idempotency_key: "eh-1"
case_id: "$uuid"
referral { level: RISK_LEVEL_MEDIUM reason: "Early Help plan not enough." }
EOF
seed notification 5 SendNotificationRequest referrals.proto <<EOF
idempotency_key: "csc-5"
case_id: "$uuid"
notification { kind: NOTIFICATION_KIND_IRO level: RISK_LEVEL_HIGH summary: "Looked-after child assessed HIGH." }
EOF
seed notification-action 5 SendNotificationRequest referrals.proto <<EOF
idempotency_key: "csc-11"
case_id: "$uuid"
notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" action_kind: STRATEGY_DISCUSSION owner: PRACTITIONER_ROLE_CPM due_at { seconds: 1795298400 } }
EOF
seed notification-action-out-of-range 5 SendNotificationRequest referrals.proto <<EOF
idempotency_key: "csc-12"
case_id: "$uuid"
notification { kind: NOTIFICATION_KIND_DUTY_CPM_ESCALATION summary: "s" action_kind: 57 owner: 99 due_at { seconds: -1000000000000000 } }
EOF
seed notification-overdue 5 SendNotificationRequest referrals.proto <<EOF
idempotency_key: "csc-6"
case_id: "$uuid"
notification { kind: NOTIFICATION_KIND_OVERDUE_ALERT summary: "Only the hub sends these." }
EOF
seed respond-dispute 6 RespondRequest referrals.proto <<EOF
idempotency_key: "host-1"
message_id: "$uuid"
response { kind: RESPONSE_KIND_DISPUTE reason: "The child has moved back." }
EOF
seed respond-accept 6 RespondRequest referrals.proto <<EOF
idempotency_key: "host-2"
message_id: "$uuid"
response { kind: RESPONSE_KIND_ACCEPT }
EOF
seed get-case 7 GetCaseRequest referrals.proto <<EOF
case_id: "$uuid"
EOF
seed get-case-upper 7 GetCaseRequest referrals.proto <<EOF
case_id: "0F8E4B8A-3C2D-4B1E-9A7F-2D6C5E4B3A21"
EOF
seed acknowledge 8 AcknowledgeRequest inbox.proto <<EOF
delivery_ids: [1, 2, 9223372036854775807]
EOF
seed acknowledge-zero 8 AcknowledgeRequest inbox.proto <<EOF
delivery_ids: [5, 0]
EOF
seed subscribe 10 SubscribeRequest inbox.proto <<EOF
max_in_flight: 16
EOF
seed subscribe-too-many 10 SubscribeRequest inbox.proto <<EOF
max_in_flight: 100000
EOF
seed list-open-actions 11 ListOpenActionsRequest oversight.proto <<EOF
overdue_only: true
page_size: 50
page_token: "MjAyNi0wMS0wMSAwMDowMDowMHwwYjlhOGUzYy0xZjJkLTRjNWItOWE3ZS0zZDJjMWIwYTlmOGV8cnVsZQ"
EOF
seed list-open-actions-negative 11 ListOpenActionsRequest oversight.proto <<EOF
page_size: -1
EOF
seed decision-not-to-share 12 RecordDecisionNotToShareRequest referrals.proto <<EOF
idempotency_key: "health-withhold-1"
case_id: "$uuid"
decision { withheld_information: "What the child said at the sexual health clinic" withheld_from_agency_id: "derby-police"
           ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD justification: "She would stop attending the clinic."
           decided_by: "A. Nurse" decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER
           decided_at { seconds: 1795298400 } review_date: "2026-12-05" }
governance { purpose: PURPOSE_SAFEGUARDING_CHILD article6_basis: ARTICLE6_BASIS_LEGAL_OBLIGATION
             article9_condition: ARTICLE9_CONDITION_SAFEGUARDING_CHILDREN sharing_agreement_id: "derby-cre-isa-2026" }
EOF
seed decision-not-to-share-no-reason 12 RecordDecisionNotToShareRequest referrals.proto <<EOF
idempotency_key: "health-withhold-2"
case_id: "$uuid"
decision { withheld_information: "w" withheld_from_role: POLICE ground: WITHHOLDING_GROUND_MORE_DETRIMENTAL_TO_CHILD
           decided_by: "d" decided_by_role: PRACTITIONER_ROLE_PARTNER_PRACTITIONER decided_at { seconds: 1795298400 }
           review_date: "2026-02-30" }
EOF
seed list-record-accesses-of-a-child 13 ListRecordAccessesRequest oversight.proto <<EOF
child_id: "$uuid"
limit: 20
before_seq: 412
EOF
seed list-record-accesses-of-nobody 13 ListRecordAccessesRequest oversight.proto <<EOF
limit: 501
EOF
printf '\x09%s' "$uuid" >"$out/helper-uuid"
printf '\x09%s' "E06000015" >"$out/helper-ons"
echo "make-corpus: $(find "$out" -type f | wc -l) seeds in $out"
