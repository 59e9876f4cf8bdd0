// What the TLS tests share: a hub whose TLS files the test may change while it
// runs, throwaway CAs and certificates made with the OpenSSL command line,
// and a client that makes a fresh handshake on every call (so that what is
// observed is the hub's TLS state now, not a connection made earlier).
//
//   testing::TestDatabase db;
//   v1::HubConfig config = TestHubConfig(db);
//   TlsFilesInTempDir files(&config, "rotation");   // hub.crt, hub.key, ca.crt copies
//   std::unique_ptr<HubServer> hub = StartHub(config);
//   grpc::Status s = WhoAmI(hub->port(), {.ca = ..., .cert = ..., .key = ...});
#ifndef CRE_TESTS_SECURITY_TLS_TEST_SUPPORT_H_
#define CRE_TESTS_SECURITY_TLS_TEST_SUPPORT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "cre/v1/config.pb.h"
#include "cre/v1/directory.pb.h"
#include "grpcpp/support/status.h"
#include "server/hub_server.h"

namespace cre::testing {

// A fresh, empty directory under the test's temporary directory.
std::string FreshDir(const std::string& name);

// Runs `command` with /bin/sh, stdout and stderr together; returns the exit
// status (-1 if it did not exit normally) and the output in `*output`.
int RunCommand(const std::string& command, std::string* output);

std::string ReadWholeFile(const std::string& path);
// Writes `path`.new, then renames it over `path`: a watcher never reads a
// half-written file.
void ReplaceFileAtomically(const std::string& path, const std::string& contents);

// Points config.tls at copies of the test PKI's hub.crt, hub.key and ca.crt
// in a directory of their own (dir()), re-read every second, so that a test
// can replace them under a running hub.
class TlsFilesInTempDir {
 public:
  TlsFilesInTempDir(v1::HubConfig* config, const std::string& name);
  const std::string& dir() const { return dir_; }
  std::string cert() const { return dir_ + "/hub.crt"; }
  std::string key() const { return dir_ + "/hub.key"; }
  std::string client_ca() const { return dir_ + "/ca.crt"; }

 private:
  std::string dir_;
};

// A throwaway CA in `dir` (dir/ca.crt, dir/ca.key), P-256, valid two days.
void MakeCa(const std::string& dir, const std::string& common_name);
// A certificate signed by the CA in `ca_dir`, written to `prefix`.crt/.key:
// a server certificate for localhost and 127.0.0.1, or a client certificate
// for urn:cre:agency:`agency_id`.
void MakeServerCert(const std::string& ca_dir, const std::string& prefix);
void MakeClientCert(const std::string& ca_dir, const std::string& prefix, const std::string& agency_id);

// The production hub and store on `config`; fails the test (and returns
// null) if it does not start.
std::unique_ptr<HubServer> StartHub(const v1::HubConfig& config);

// What a client trusts and presents. Paths are absolute.
struct ClientFiles {
  std::string ca;    // the CA bundle the hub's certificate must chain to
  std::string cert;  // empty: no client certificate
  std::string key;
};
// The test PKI's files for agencies/<agency_id>.
ClientFiles DevClient(const std::string& agency_id);

// Directory.WhoAmI over a new connection (its own channel id), 10 s deadline.
grpc::Status WhoAmI(int port, const ClientFiles& client, v1::WhoAmIResponse* response = nullptr);

// Calls `probe` every 200 ms until it returns true or `timeout` passes;
// returns whether it did. For waiting out the hub's file-watch interval.
bool Eventually(const std::function<bool()>& probe, absl::Duration timeout);

}  // namespace cre::testing

#endif  // CRE_TESTS_SECURITY_TLS_TEST_SUPPORT_H_
