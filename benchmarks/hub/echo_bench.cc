// See echo_bench.h.
#include "echo_bench.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <vector>

#include "echo.grpc.pb.h"
#include "load.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace cre::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The same TLS terms as the hub's: client certificate required and verified.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerTls(const Pki& pki) {
  absl::StatusOr<std::string> ca = ReadFile(pki.CaFile());
  absl::StatusOr<std::string> cert = ReadFile(pki.ServerCertFile());
  absl::StatusOr<std::string> key = ReadFile(pki.ServerKeyFile());
  if (!ca.ok()) return ca.status();
  if (!cert.ok()) return cert.status();
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *ca;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace

// The callback API, as the hub's own services use.
struct EchoServer::Service : public cre::bench::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoMessage* request,
                                 EchoMessage* response) override {
    *response = *request;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(const std::string& address, const Pki& pki) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls = ServerTls(pki);
  if (!tls.ok()) return tls.status();
  auto service = std::make_unique<Service>();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, *tls, &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return absl::UnavailableError("echo server: cannot listen on " + address);
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(service), std::move(server)));
}

EchoServer::EchoServer(std::unique_ptr<Service> service, std::unique_ptr<grpc::Server> server)
    : service_(std::move(service)), server_(std::move(server)) {}

EchoServer::~EchoServer() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2)); }

Throughput RunEchoLoad(const std::string& target, const Pki& pki, const std::string& agency, int concurrency,
                       int channels, absl::Duration duration, LatencySample* latency) {
  std::vector<std::unique_ptr<cre::bench::Echo::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    stubs.push_back(cre::bench::Echo::NewStub(*client::MakeHubChannel(pki.For(target, agency, 1000 + c))));
  }
  // About the size of a submission of the hub test.
  const std::string payload(300, 'x');
  std::atomic<int64_t> next_stub{0};
  return RunClosedLoop(concurrency, duration, [&](int64_t scheduled, Done done) {
    struct Call {
      grpc::ClientContext context;
      EchoMessage request, response;
    };
    auto* call = new Call;
    call->request.set_payload(payload);
    auto& stub = stubs[next_stub.fetch_add(1) % stubs.size()];
    stub->async()->Echo(&call->context, &call->request, &call->response,
                        [call, scheduled, latency, done](grpc::Status status) {
                          if (status.ok()) latency->Add(NowNanos() - scheduled);
                          delete call;
                          done(status.ok());
                        });
  });
}

}  // namespace cre::bench
