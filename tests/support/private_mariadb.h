// A MariaDB of a test's own (scripts/mariadb.sh in a temporary folder, on a
// free loopback port), for fault tests that stop or kill the database: the
// shared fixture database must stay up for every other test.
//
//   PrivateMariadb db;          // started
//   db.Stop();  db.Start();     // clean stop, restart
//   db.Kill();                  // kill -9, as a crash
#ifndef CRE_TESTS_SUPPORT_PRIVATE_MARIADB_H_
#define CRE_TESTS_SUPPORT_PRIVATE_MARIADB_H_

#include <string>

#include "cre/v1/config.pb.h"

namespace cre::testing {

class PrivateMariadb {
 public:
  PrivateMariadb();  // starts it; fails the test if it cannot
  ~PrivateMariadb();

  bool Start();
  bool Stop();
  // SIGKILL to mariadbd: what a crash or an OOM kill does.
  void Kill();

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // Points `database` at this server's cre_hub schema.
  void Configure(v1::DatabaseConfig* database) const;

 private:
  bool Run(const std::string& command);
  std::string dir_;
  int port_;
};

// A loopback TCP port nobody listens on now.
int FreeLoopbackPort();

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_PRIVATE_MARIADB_H_
