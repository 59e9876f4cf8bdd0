// cre.v1.Inbox without a transport: admitting an agency's inbox stream, and
// its acknowledgements.
//
// A stream itself belongs to its transport (server/subscription.h on gRPC),
// which the delivery dispatcher feeds (delivery/delivery_dispatcher.h); this
// API decides whether it may open, on the same terms for any transport.
#ifndef CRE_HUB_SERVICE_INBOX_API_H_
#define CRE_HUB_SERVICE_INBOX_API_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cre/v1/inbox.pb.h"
#include "delivery/delivery_dispatcher.h"
#include "service/call_context.h"
#include "service/call_gate.h"

namespace cre {

// SubscribeRequest.max_in_flight when the request leaves it 0 (its ceiling:
// kMaxMaxInFlight, access/request_validation.h).
inline constexpr int kDefaultMaxInFlight = 16;

// A stream the API admitted: whose it is and how many deliveries it may
// hold unacknowledged. The transport keeps `counted` for as long as the
// stream is open; it counts against the agency's cap on open streams.
struct AdmittedStream {
  std::string agency_id;
  int max_in_flight = kDefaultMaxInFlight;
  std::unique_ptr<OpenStreamCount> counted;
  // The Subscribe call's trace, which the stream's log lines name.
  TraceContext trace;
};

class InboxApi {
 public:
  InboxApi(std::shared_ptr<const CallGate> gate, std::shared_ptr<DeliveryDispatcher> dispatcher)
      : gate_(std::move(gate)), dispatcher_(std::move(dispatcher)) {}

  // Whether `call`'s agency may open a stream now (its role, its rate of
  // opens and its cap on open streams), and with what terms. Answers at
  // once; a refusal is recorded.
  absl::StatusOr<AdmittedStream> Subscribe(const CallContext& call, const v1::SubscribeRequest& request) const;
  // The same refusal as any other for a request the transport could not
  // read.
  absl::Status RefuseUnreadableSubscribe(const CallContext& call, const absl::Status& why) const;

  // Commits the acknowledgement (grouped with other calls'), off the
  // caller's thread, and answers `done` after the commit.
  void Acknowledge(const CallContext& call, const v1::AcknowledgeRequest& request,
                   v1::AcknowledgeResponse* response, Done done);

 private:
  std::shared_ptr<const CallGate> gate_;
  std::shared_ptr<DeliveryDispatcher> dispatcher_;
};

}  // namespace cre

#endif  // CRE_HUB_SERVICE_INBOX_API_H_
