// Which node of a MariaDB Galera cluster a hub process writes through.
//
// Every node of a Galera cluster accepts writes, but two nodes writing the
// same rows at once make one of them fail certification and run its
// transaction again; a node also applies the others' writes a moment after
// they commit. So each hub writes through one node, the first in the
// configured list that is Synced and in the primary component, and every hub
// given the same list picks the same node: the cluster has one writer, its
// reads see its writes, and the other nodes are standbys that already hold
// every row. When that node fails or leaves, the hub moves to the next good
// one in the list and says so in its log; once an earlier node is good again
// the hub moves back, so hubs that failed over at different moments meet
// again on one node (docs/deployment.md has the measurement behind the
// choice).
//
// A single server is a list of one, never checked for Galera's state.
#ifndef CRE_HUB_STORE_MYSQL_NODE_SELECTOR_H_
#define CRE_HUB_STORE_MYSQL_NODE_SELECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cppconn/connection.h"
#include "store/mysql/connection_pool.h"

namespace cre::mysql {

// Whether a node can take the hub's transactions: wsrep_ready ON,
// wsrep_cluster_status Primary and wsrep_local_state_comment Synced
// (a joiner, a donor, or a node cut off from the majority is none of these).
// FAILED_PRECONDITION naming what is wrong, or UNAVAILABLE when it cannot
// be asked.
absl::Status CheckGaleraNode(sql::Connection& connection);

class NodeSelector {
 public:
  // `settings.nodes` lists the cluster's nodes in order of preference;
  // empty: settings.host and settings.port, one server.
  explicit NodeSelector(const ConnectionSettings& settings);

  // The node new connections go to now. `generation` changes at each move,
  // so that a connection to the node left behind is recognised and closed.
  struct Choice {
    int index = 0;
    uint64_t generation = 0;
  };
  Choice Current() const;

  // A new connection with autocommit on, to the current node if it can be
  // reached and is good, else to the next good node in the list, which
  // becomes current. On a cluster, it runs with wsrep_sync_wait set as
  // configured. UNAVAILABLE, naming every node's trouble, when none is good.
  // `settings` gives the user, schema and timeouts (a health check's are
  // shorter); its host and port are not used.
  absl::StatusOr<std::unique_ptr<sql::Connection>> Connect(const ConnectionSettings& settings,
                                                           uint64_t* generation);

  // The current node, as known at `generation`, is no longer good (`why`):
  // the next Connect looks for another. A report about an earlier
  // generation is about a node already left, and is ignored.
  void Failed(uint64_t generation, absl::string_view why);

  // On a cluster, when the hub is not on its first choice: whether an
  // earlier node is good again, and if so moves back to it. At most once
  // per `interval`. True if it moved.
  bool TryPreferred(absl::Duration interval);

  bool is_cluster() const { return is_cluster_; }
  // "127.0.0.1:3321", or "127.0.0.1:3322 (node 2 of 3)" on a cluster.
  std::string Describe() const;

 private:
  absl::StatusOr<std::unique_ptr<sql::Connection>> ConnectTo(int index,
                                                             const ConnectionSettings& settings) const;
  void MoveTo(int index, absl::string_view why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Name(int index) const;

  const ConnectionSettings settings_;
  const std::vector<ConnectionSettings::Endpoint> nodes_;
  const bool is_cluster_;
  mutable absl::Mutex mu_;
  int current_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_preference_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace cre::mysql

#endif  // CRE_HUB_STORE_MYSQL_NODE_SELECTOR_H_
