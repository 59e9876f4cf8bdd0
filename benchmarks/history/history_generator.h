// Years of a hub's history in a schema, at national scale if asked
// (1,000,000 children and cases, 10,000,000 messages), so that the hub's
// benchmark can run on a database that looks lived in (docs/benchmarks.md,
// "National-scale history"). bench_history is its command line.
//
//   HistoryOptions options;
//   options.settings = ...; options.cipher = ...; options.registry = ...;
//   options.children = 1000000; options.messages = 10000000;
//   CRE_ASSIGN_OR_RETURN(HistoryResult result, GenerateHistory(options));
#ifndef CRE_BENCHMARKS_HISTORY_HISTORY_GENERATOR_H_
#define CRE_BENCHMARKS_HISTORY_HISTORY_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <ostream>

#include "absl/status/statusor.h"
#include "cre/v1/agency.pb.h"
#include "crypto/field_cipher.h"
#include "store/mysql/connection_pool.h"

namespace cre::history {

struct HistoryOptions {
  // The schema to fill; migrated first.
  mysql::ConnectionSettings settings;
  // The hub's key ring, which seals the personal data.
  std::shared_ptr<const crypto::FieldCipher> cipher;
  // Written to the schema as the hub would (SyncAgencies); the history's
  // senders and recipients are its agencies.
  v1::AgencyRegistry registry;
  int64_t children = 0;
  int64_t messages = 0;
  // Connections writing at once (the audit chain has one more).
  int threads = 2;
  int64_t seed = 1;
  // Progress every ~10 s and the summary; null: silent.
  std::ostream* log = nullptr;
};

struct HistoryResult {
  // The schema held this generation already: nothing was written.
  bool already = false;
  int64_t deliveries = 0;
  int64_t audit_rows = 0;
  int64_t purged_payloads = 0;
  double seconds = 0;
};

// Migrates options.settings.schema and fills it (the file's comment says
// with what). A schema that holds a complete generation of the same
// children and messages (its table bench_history_run) is left as it is; a
// partial or different one is emptied and generated again. FAILED_PRECONDITION
// for a schema with messages that this did not write.
absl::StatusOr<HistoryResult> GenerateHistory(const HistoryOptions& options);

}  // namespace cre::history

#endif  // CRE_BENCHMARKS_HISTORY_HISTORY_GENERATOR_H_
