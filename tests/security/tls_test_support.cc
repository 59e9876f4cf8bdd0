#include "tls_test_support.h"

#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/directory.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "store/mysql/mysql_store.h"
#include "support/test_environment.h"

namespace cre::testing {
namespace {

namespace fs = std::filesystem;

// Runs `command`, failing the test with its output if it exits non-zero.
void MustRun(const std::string& command) {
  std::string output;
  const int status = RunCommand(command, &output);
  ASSERT_EQ(status, 0) << command << "\n" << output;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Signs `prefix`.csr's key with the CA in `ca_dir`, with `extensions`.
void MakeLeaf(const std::string& ca_dir, const std::string& prefix, const std::string& subject,
              const std::string& extensions) {
  WriteFile(prefix + ".ext", extensions);
  MustRun(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '", prefix,
                       ".key' && openssl req -new -key '", prefix, ".key' -subj '", subject, "' -out '",
                       prefix, ".csr' && openssl x509 -req -in '", prefix, ".csr' -CA '", ca_dir,
                       "/ca.crt' -CAkey '", ca_dir, "/ca.key' -CAcreateserial -days 2 -sha256 -extfile '",
                       prefix, ".ext' -out '", prefix, ".crt'"));
}

}  // namespace

std::string FreshDir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "cre-security-" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* pipe = popen(absl::StrCat("( ", command, " ) 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << "cannot read " << path;
  return contents.str();
}

void ReplaceFileAtomically(const std::string& path, const std::string& contents) {
  WriteFile(path + ".new", contents);
  fs::rename(path + ".new", path);
}

TlsFilesInTempDir::TlsFilesInTempDir(v1::HubConfig* config, const std::string& name)
    : dir_(FreshDir(name)) {
  const std::string certs = CertsDir();
  fs::copy_file(certs + "/hub.crt", cert());
  fs::copy_file(certs + "/hub.key", key());
  fs::permissions(key(), fs::perms::owner_read | fs::perms::owner_write);
  fs::copy_file(certs + "/ca.crt", client_ca());
  v1::TlsConfig* tls = config->mutable_tls();
  tls->set_server_cert_file(cert());
  tls->set_server_key_file(key());
  tls->set_client_ca_file(client_ca());
  tls->set_refresh_interval_seconds(1);
}

void MakeCa(const std::string& dir, const std::string& common_name) {
  fs::create_directories(dir);
  MustRun(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '", dir,
                       "/ca.key' && openssl req -x509 -new -key '", dir, "/ca.key' -sha256 -days 2 -subj '/O=CRE Tests/CN=",
                       common_name, "' -addext 'basicConstraints=critical,CA:TRUE'",
                       " -addext 'keyUsage=critical,keyCertSign,cRLSign' -out '", dir, "/ca.crt'"));
}

void MakeServerCert(const std::string& ca_dir, const std::string& prefix) {
  MakeLeaf(ca_dir, prefix, "/O=CRE Tests/CN=localhost",
           "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
           "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
}

void MakeClientCert(const std::string& ca_dir, const std::string& prefix, const std::string& agency_id) {
  MakeLeaf(ca_dir, prefix, "/O=CRE Tests/CN=" + agency_id,
           absl::StrCat("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                        "extendedKeyUsage=clientAuth\nsubjectAltName=URI:urn:cre:agency:",
                        agency_id, "\n"));
}

std::unique_ptr<HubServer> StartHub(const v1::HubConfig& config) {
  absl::StatusOr<std::unique_ptr<mysql::MysqlStore>> store = mysql::OpenMysqlStore(config);
  if (!store.ok()) {
    ADD_FAILURE() << "test store: " << store.status();
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::BuildAndStart(config, *std::move(store));
  if (!server.ok()) {
    ADD_FAILURE() << "hub did not start: " << server.status();
    return nullptr;
  }
  return *std::move(server);
}

ClientFiles DevClient(const std::string& agency_id) {
  const std::string certs = CertsDir();
  return {certs + "/ca.crt", absl::StrCat(certs, "/agencies/", agency_id, ".crt"),
          absl::StrCat(certs, "/agencies/", agency_id, ".key")};
}

grpc::Status WhoAmI(int port, const ClientFiles& client, v1::WhoAmIResponse* response) {
  static std::atomic<int> next_channel_id{1000};
  client::HubChannelOptions options;
  options.target = absl::StrCat("localhost:", port);
  options.ca_file = client.ca;
  options.cert_file = client.cert;
  options.key_file = client.key;
  options.channel_id = next_channel_id++;  // a connection, and a handshake, of its own
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakeHubChannel(options);
  if (!channel.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, std::string(channel.status().message()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::WhoAmIResponse ignored;
  return v1::Directory::NewStub(*channel)->WhoAmI(&context, v1::WhoAmIRequest(),
                                                  response != nullptr ? response : &ignored);
}

bool Eventually(const std::function<bool()>& probe, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!probe()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return true;
}

}  // namespace cre::testing
