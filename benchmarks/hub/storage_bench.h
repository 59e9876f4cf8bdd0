// The storage ceiling: single-row durable insert transactions against the
// hub's MariaDB (same server, same innodb_flush_log_at_trx_commit=1), one
// Connector/C++ connection per thread as the hub's pool uses, so that the
// hub's rate can be read against what the database alone commits.
//
//   Throughput t = *RunStorageLoad(settings, 16, absl::Seconds(5), &latency);
#ifndef CRE_BENCHMARKS_HUB_STORAGE_BENCH_H_
#define CRE_BENCHMARKS_HUB_STORAGE_BENCH_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "measure.h"
#include "store/mysql/connection_pool.h"

namespace cre::bench {

// Creates the schema cre_bench_storage and a table in it; then `concurrency`
// threads each commit one-row transactions (INSERT; COMMIT) for `duration`.
absl::StatusOr<Throughput> RunStorageLoad(const mysql::ConnectionSettings& server, int concurrency,
                                          absl::Duration duration, LatencySample* latency);

// Runs one statement (no result) in `settings.schema`: the benchmark's
// set-up, never the hub's work.
absl::Status ExecuteSql(const mysql::ConnectionSettings& settings, const std::string& sql);
// The first column of the first row of a query's result, as a number: what
// the benchmark reports of what it set up (e.g. how many open actions).
absl::StatusOr<int64_t> QueryInt(const mysql::ConnectionSettings& settings, const std::string& sql);
// The first two columns of every row of a query's result, as text: the
// benchmark's pick of what to read (e.g. a case and an agency involved).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> QueryPairs(
    const mysql::ConnectionSettings& settings, const std::string& sql);

}  // namespace cre::bench

#endif  // CRE_BENCHMARKS_HUB_STORAGE_BENCH_H_
