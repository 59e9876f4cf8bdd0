#include "server/inbox_service.h"

#include "server/call_trace.h"
#include "server/subscription.h"

namespace cre {
namespace {

// A stream refused before it starts.
class RefusedStream : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* InboxService::Subscribe(grpc::CallbackServerContext* context,
                                                                   const grpc::ByteBuffer* raw_request) {
  absl::StatusOr<CallContext> call = CallContextOf(*context, *edge_.registry);
  if (!call.ok()) return new RefusedStream(call.status());
  call->trace = CallTraceOf(*context);
  v1::SubscribeRequest request;
  if (absl::Status parsed = ParseRequest(*raw_request, &request); !parsed.ok()) {
    return new RefusedStream(edge_.api.inbox->RefuseUnreadableSubscribe(*call, parsed));
  }
  absl::StatusOr<AdmittedStream> admitted = edge_.api.inbox->Subscribe(*call, request);
  if (!admitted.ok()) return new RefusedStream(admitted.status());
  return Subscription::Start(dispatcher_.get(), *std::move(admitted));
}

}  // namespace cre
