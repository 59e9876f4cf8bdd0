// The real cre-hub binary, as an operator runs it: it starts from a config
// file, answers over mTLS (health, reflection, the directory), writes one
// structured log line per call, serves /metrics, and stops cleanly on
// SIGTERM.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/hub_channel.h"
#include "cre/v1/directory.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "support/hub_process.h"
#include "support/test_environment.h"
#include "support/test_hub.h"


namespace cre {
namespace {

using ::testing::HasSubstr;

// Asks the reflection service to list services. The request is the wire
// form of ServerReflectionRequest{list_services: ""} (field 7, empty string);
// gRPC ships the service but not the proto for clients.
std::string ReflectionListServices(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](int expected) { return cq.Next(&tag, &ok) && ok && tag == reinterpret_cast<void*>(expected); };
  call->StartCall(reinterpret_cast<void*>(1));
  if (!step(1)) return "";
  const char request[] = {0x3a, 0x00};
  grpc::Slice slice(request, sizeof(request));
  grpc::ByteBuffer buffer(&slice, 1);
  call->Write(buffer, reinterpret_cast<void*>(2));
  if (!step(2)) return "";
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  if (!step(3)) return "";
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  std::vector<grpc::Slice> slices;
  response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

// GET /metrics on 127.0.0.1:`port`, the whole response as the listener
// sends it (one request a connection, closed after the response).
std::string FetchMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string response;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

TEST(HubProcessTest, ServesLogsEachCallAndStopsCleanlyOnSigterm) {
  testing::TestDatabase db(testing::TestDatabase::Migrate::kNo);  // the hub migrates it
  v1::HubConfig config = testing::TestHubConfig(db);
  config.set_migrate_on_start(true);
  config.mutable_metrics()->set_listen_address("127.0.0.1:0");
  const std::string config_path = testing::WriteHubConfigFile(config, "hub_process_test.textproto");

  testing::HubProcess hub(config_path, ::testing::TempDir() + "hub_process_test.log");
  const int port = hub.WaitForPort(absl::Seconds(30));
  ASSERT_GT(port, 0) << hub.Log();

  // A call from a registered agency, over real mTLS.
  const std::string certs = testing::CertsDir();
  auto channel_for = [&](const std::string& cert, const std::string& key) {
    client::HubChannelOptions options{absl::StrCat("localhost:", port), certs + "/ca.crt",
                                      certs + "/" + cert, certs + "/" + key};
    return *client::MakeHubChannel(options);
  };
  auto csc = channel_for("agencies/derby-csc.crt", "agencies/derby-csc.key");
  {
    grpc::ClientContext context;
    v1::WhoAmIResponse response;
    grpc::Status status = v1::Directory::NewStub(csc)->WhoAmI(&context, {}, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.agency().id(), "derby-csc");
  }
  {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(grpc::health::v1::Health::NewStub(csc)->Check(&context, {}, &response).ok());
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  const std::string services = ReflectionListServices(csc);
  EXPECT_THAT(services, HasSubstr("cre.v1.Directory"));
  EXPECT_THAT(services, HasSubstr("grpc.health.v1.Health"));
  {
    grpc::ClientContext context;
    v1::WhoAmIResponse response;
    auto stranger = channel_for("test/unknown.crt", "test/unknown.key");
    EXPECT_EQ(v1::Directory::NewStub(stranger)->WhoAmI(&context, {}, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  // /metrics, on the port the log names.
  {
    const std::string started = hub.Log();
    const size_t at = started.find("/metrics (port ");
    ASSERT_NE(at, std::string::npos) << started;
    int metrics_port = 0;
    const size_t digits = at + std::string("/metrics (port ").size();
    ASSERT_TRUE(absl::SimpleAtoi(started.substr(digits, started.find(')', digits) - digits), &metrics_port));
    const std::string metrics = FetchMetrics(metrics_port);
    EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200 OK"));
    EXPECT_THAT(metrics, HasSubstr("cre_grpc_server_handled_total{method=\"/cre.v1.Directory/WhoAmI\",code=\"OK\"} 1\n"));
    EXPECT_THAT(metrics, HasSubstr("cre_grpc_server_unauthenticated_total 1\n"));
    EXPECT_THAT(metrics, HasSubstr("cre_database_up 1\n"));
  }

  EXPECT_EQ(hub.StopWith(SIGTERM), 0) << hub.Log();
  const std::string log = hub.Log();
  EXPECT_THAT(log, ::testing::ContainsRegex("migrations: [1-9][0-9]* applied"));
  EXPECT_THAT(log, ::testing::ContainsRegex(
                       R"(call \{"agency":"derby-csc","method":"/cre.v1.Directory/WhoAmI",)"
                       R"("code":"OK","duration_ms":[0-9.e-]+,"peer":"ipv4:127.0.0.1:[0-9]+")"));
  // Later calls on the same connection carry the same identity.
  EXPECT_THAT(log, HasSubstr(
                       R"("agency":"derby-csc","method":"/grpc.health.v1.Health/Check","code":"OK")"));
  EXPECT_THAT(log, HasSubstr(R"("agency":"derby-csc","method":"/grpc.reflection.v1alpha.)"));
  EXPECT_THAT(log, ::testing::ContainsRegex(
                       R"(call \{"agency":"",.*"code":"UNAUTHENTICATED".*not-registered)"));
  EXPECT_THAT(log, HasSubstr("stopped"));
}

TEST(HubProcessTest, BadConfigStopsStartUpNamingTheField) {
  const std::string config_path = ::testing::TempDir() + "bad_hub.textproto";
  std::ofstream(config_path) << "local_authority { code: \"E06000015\" }\n";
  testing::HubProcess hub(config_path, ::testing::TempDir() + "bad_hub.log");
  int status = -1;
  for (int i = 0; i < 100 && status < 0; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    if (hub.Log().find("cannot start") != std::string::npos) status = hub.StopWith(0);
  }
  EXPECT_THAT(hub.Log(), HasSubstr("listen_address: required"));
}

}  // namespace
}  // namespace cre
