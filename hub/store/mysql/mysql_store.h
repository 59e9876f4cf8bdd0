// The Store on MySQL or MariaDB, through MySQL Connector/C++ 1.1.
//
// Every method is one transaction run by RunTransaction (retried on deadlock,
// lock-wait timeout and lost connection). Values reach SQL as prepared
// statements' parameters, or, where one round trip sends many rows (a group
// acceptance, its audit records), as literals made by sql_values.h's
// SqlBytes and SqlTime, never by pasting a caller's text. The files:
// mysql_accept.cc (submissions), mysql_case_read.cc (GetCase),
// mysql_delivery.cc (hand-out, acknowledgement, leases), mysql_deadlines.cc
// (reviews, open actions), mysql_audit.cc (the journal and the chain),
// mysql_presence.cc (which agencies each hub process sees),
// mysql_record_access.cc (who looked at a child's record; subject access),
// mysql_alerts.cc (alerts raised and their mail queue), mysql_metrics.cc
// (what /metrics reads), with case_rows and message_rows for what several
// of them write.
//
//   CRE_ASSIGN_OR_RETURN(ConnectionSettings settings, SettingsFromConfig(config.database()));
//   auto store = std::make_unique<MysqlStore>(settings, config.database().pool_size());
#ifndef CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_
#define CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_

#include "cre/v1/config.pb.h"
#include "crypto/blind_index.h"
#include "crypto/field_cipher.h"
#include "store/mysql/connection_pool.h"
#include "store/store.h"

namespace cre::mysql {

// Connection settings from the hub's config; reads the password file.
absl::StatusOr<ConnectionSettings> SettingsFromConfig(const v1::DatabaseConfig& config);

class MysqlStore;
class NodeSelector;

// How often a hub that has moved off its first-choice node looks whether an
// earlier one is good again (node_selector.h).
inline constexpr absl::Duration kPreferredNodeCheckInterval = absl::Seconds(10);
// The store a hub config describes: its database and its key ring.
absl::StatusOr<std::unique_ptr<MysqlStore>> OpenMysqlStore(const v1::HubConfig& config);

class MysqlStore : public Store {
 public:
  // Connects lazily: a database that is down now makes calls fail with
  // UNAVAILABLE, not the constructor. `cipher` seals a child's personal
  // data at rest (see sql_values.h for the columns).
  MysqlStore(ConnectionSettings settings, int pool_size,
             std::shared_ptr<const crypto::FieldCipher> cipher);

  // On a cluster, also whether the node written through is still good, and
  // if not, moves both pools to the next good one (node_selector.h).
  absl::Status Ping() override;
  std::string DatabaseNode() const override;
  // The hub's governance envelope (GovernanceConfig.hub_envelope), which the
  // non-delivery reports the store writes as it dead-letters a delivery
  // carry, as everything the hub sends itself does. Set before the store is
  // shared (OpenMysqlStore sets it from the config); empty until then.
  void set_hub_envelope(v1::Governance envelope) { hub_envelope_ = std::move(envelope); }
  absl::StatusOr<int> SyncAgencies(const std::vector<v1::Agency>& agencies) override;
  absl::StatusOr<std::vector<v1::Agency>> ListAgencies() override;

  // mysql_accept.cc
  absl::StatusOr<Accepted> Accept(const Submission& submission, const RouteFn& route) override;
  std::vector<absl::StatusOr<Accepted>> AcceptAll(const std::vector<SubmissionAndRoute>& batch) override;
  // mysql_case_read.cc
  absl::StatusOr<v1::GetCaseResponse> ReadCase(const std::string& case_id, const std::string& reader_agency_id,
                                               const std::string& reader_staff_id) override;

  // mysql_delivery.cc
  absl::StatusOr<std::vector<v1::RoutedMessage>> ClaimDeliveries(
      const std::string& recipient, const std::string& lease_owner, int limit,
      const DeliveryPolicy& policy) override;
  absl::StatusOr<AckOutcome> Acknowledge(const std::string& recipient,
                                         const std::vector<int64_t>& delivery_ids, absl::Time now) override;
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> AcknowledgeAll(
      const std::vector<AckRequest>& requests, absl::Time now) override;
  absl::StatusOr<int> ReleaseLeases(const std::string& recipient, const std::string& lease_owner,
                                    const DeliveryPolicy& policy) override;
  absl::StatusOr<std::vector<int64_t>> LeasedTo(const std::string& recipient,
                                                const std::string& lease_owner) override;
  absl::StatusOr<int> ExpireLeases(const DeliveryPolicy& policy) override;
  absl::StatusOr<std::vector<std::string>> RecipientsWithDueDeliveries() override;
  absl::StatusOr<std::vector<DeadDelivery>> ListDeadDeliveries(int limit) override;
  absl::StatusOr<int> RequeueDeadDeliveries(const std::vector<int64_t>& ids,
                                            const v1::AuditRecord& requeued_by) override;
  absl::StatusOr<std::vector<AgencyDeliveries>> DeliveriesByAgency() override;

  // mysql_presence.cc
  absl::Status ReportPresence(const std::string& hub_process, const std::vector<AgencyPresence>& presence,
                              absl::Duration live_for) override;
  absl::Status EndPresence(const std::string& hub_process, const std::vector<AgencyPresence>& last) override;

  // mysql_deadlines.cc
  using Store::ReviewDueCases;
  absl::StatusOr<int> ReviewDueCases(absl::Time now, int limit, const ReviewFn& review, StreamOffer* streams,
                                     std::vector<HandedOut>* handed_out) override;
  absl::StatusOr<ActionPage> ListOpenActions(const OpenActionFilter& filter, int page_size,
                                             const std::string& page_token) override;
  absl::StatusOr<std::vector<OverdueByOwner>> OverdueActionsByOwner(absl::Time now, int per_owner) override;

  // mysql_audit.cc
  absl::Status AddStaff(const v1::StaffMember& member, const std::string& password_hash,
                        const std::string& totp_secret, absl::Time now, const v1::AuditRecord& audit) override;
  absl::StatusOr<StaffAccount> FindStaff(const std::string& username) override;
  absl::StatusOr<std::vector<v1::StaffMember>> ListStaff() override;
  absl::Status SetStaffDisabled(const std::string& username, bool disabled, absl::Time now,
                                const v1::AuditRecord& audit) override;
  absl::Status ResetStaffPassword(const std::string& username, const std::string& password_hash,
                                  const v1::AuditRecord& audit) override;
  absl::Status ResetStaffTotp(const std::string& username, const std::string& totp_secret,
                              const v1::AuditRecord& audit) override;
  absl::StatusOr<int> RecordSignInFailure(const std::string& username, absl::Time now, absl::Time locked_until,
                                          const v1::AuditRecord& audit) override;
  absl::Status StartSession(const std::string& username, int64_t totp_step, const std::string& token_sha256,
                            absl::Time now, absl::Time expires_at, const v1::AuditRecord& audit) override;
  absl::StatusOr<StaffSession> FindSession(const std::string& token_sha256) override;
  absl::Status TouchSession(const std::string& token_sha256, absl::Time now) override;
  absl::Status EndSession(const std::string& token_sha256, const v1::AuditRecord& audit) override;

  absl::Status RecordAudit(std::vector<v1::AuditRecord> records) override;
  absl::StatusOr<int> SealAudit(int limit) override;
  absl::StatusOr<int64_t> UnsealedAuditCount() override;
  absl::StatusOr<std::vector<audit::StoredRow>> ReadAudit(int64_t from_seq, int limit) override;
  absl::StatusOr<audit::Anchor> AuditHead() override;
  // mysql_record_access.cc
  absl::StatusOr<bool> IndexAuditAccesses(int limit) override;
  absl::StatusOr<v1::ListRecordAccessesResponse> ListRecordAccesses(const v1::ListRecordAccessesRequest& request,
                                                                    int limit,
                                                                    const v1::AuditRecord& read_by) override;
  absl::StatusOr<std::string> FindChildByNhsNumber(const std::string& nhs_number) override;
  absl::StatusOr<ChildExport> ExportChild(const std::string& child_id, const v1::AuditRecord& exported_by) override;
  absl::Status RecordAuditVerification(const AuditVerification& verification) override;
  absl::StatusOr<absl::optional<AuditVerification>> LastAuditVerification() override;

  // mysql_retention.cc
  absl::StatusOr<std::vector<RetentionCase>> RetentionCases(const std::string& after_case_id, int limit) override;
  absl::StatusOr<std::vector<RetentionMessage>> RetentionMessages(const std::string& after_message_id,
                                                                  int limit) override;
  absl::StatusOr<Purged> PurgeCase(const std::string& case_id, absl::Time now, const CaseRetentionFn& decide,
                                   const v1::AuditRecord& purged_by) override;
  absl::StatusOr<Purged> PurgeMessage(const std::string& message_id, absl::Time now,
                                      const MessageRetentionFn& decide, const v1::AuditRecord& purged_by) override;
  absl::Status SetLegalHold(const std::string& case_id, bool hold, const std::string& reason, absl::Time now,
                            const v1::AuditRecord& changed_by) override;
  absl::StatusOr<std::vector<LegalHold>> ListLegalHolds() override;
  absl::StatusOr<std::map<v1::RecordClass, int64_t>> PurgedCounts() override;
  absl::StatusOr<bool> ClaimRetentionSweep(const std::string& by, absl::Duration every) override;

  // mysql_alerts.cc
  absl::StatusOr<AlertChanges> ApplyAlerts(const std::vector<alerting::Alert>& raised, absl::Time now) override;
  absl::StatusOr<std::vector<AlertMailClaim>> ClaimAlertMail(const std::string& owner, absl::Time now,
                                                             absl::Duration digest_interval, absl::Duration lease,
                                                             int limit) override;
  absl::Status MarkAlertMailSent(const std::string& owner, const AlertMailClaim& claim, absl::Time now) override;

  // mysql_metrics.cc
  absl::StatusOr<std::vector<OpenActionCount>> CountOpenActions(absl::Time now) override;
  ConnectionUse Connections() const override;

 private:
  // AcknowledgeAll's requests in one transaction: fails whole if any fails.
  absl::StatusOr<std::vector<absl::StatusOr<AckOutcome>>> AcknowledgeTogether(
      const std::vector<AckRequest>& requests, absl::Time now);

  std::shared_ptr<const crypto::FieldCipher> cipher_;
  v1::Governance hub_envelope_;
  // The child table's index of NHS numbers, keyed from cipher_'s ring
  // (case_rows.h); an error here fails every submission with a new child.
  absl::StatusOr<crypto::BlindIndex> nhs_index_;
  // Which server, or which node of a cluster, both pools connect to.
  std::shared_ptr<NodeSelector> nodes_;
  ConnectionPool pool_;
  // Ping's own connection: a health check must say whether the database
  // answers, not whether the main pool has a free connection.
  ConnectionPool health_pool_;
};

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_MYSQL_STORE_H_
