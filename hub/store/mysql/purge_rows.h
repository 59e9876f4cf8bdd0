// A message payload as the retention schedule's purge leaves it
// (mysql_retention.cc): the content hash its row keeps and the tombstone
// the chain records. Shared with a bulk loader (benchmarks/history) that
// writes years of history already purged as the hub would have purged it.
#ifndef CRE_HUB_STORE_MYSQL_PURGE_ROWS_H_
#define CRE_HUB_STORE_MYSQL_PURGE_ROWS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cre/v1/audit.pb.h"

namespace cre::mysql {

// message.purged_sha256 of a payload purged from `sealed_body` (message.body
// as stored): hashed sealed, never opened.
std::string PayloadContentSha256(absl::string_view sealed_body);

// The RECORD_PURGED record of that purge: `purged_by` (the purger's record:
// actor, method) naming the message and its case, the class, the hash and
// when the payload fell due; `what` in words ("message payload").
v1::AuditRecord PayloadTombstone(const v1::AuditRecord& purged_by, const std::string& message_id,
                                 const std::string& case_id, const std::string& content_sha256, absl::Time due_at,
                                 const std::string& what);

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_PURGE_ROWS_H_
