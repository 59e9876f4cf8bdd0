// One agency's inbox stream open in this process, as the dispatcher sees it.
//
// The dispatcher (delivery/delivery_dispatcher.h) decides when a stream has
// work and hands it what a committed transaction leased to it; how the
// messages reach the agency is the transport's. gRPC's Inbox.Subscribe
// implements this in server/subscription.h.
#ifndef CRE_HUB_DELIVERY_INBOX_STREAM_H_
#define CRE_HUB_DELIVERY_INBOX_STREAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cre/v1/routed_message.pb.h"

namespace cre {

class InboxStream {
 public:
  virtual ~InboxStream() = default;

  virtual const std::string& agency_id() const = 0;
  // Unique to this stream of this process: what the store leases to it.
  virtual const std::string& lease_owner() const = 0;

  // There may be deliveries for this stream: claim them, off the caller's
  // thread.
  virtual void Wake() = 0;
  // The agency acknowledged these deliveries; claim more if `more_due`.
  virtual void Acknowledged(const std::vector<int64_t>& delivery_ids, bool more_due) = 0;

  // Room for one delivery leased in an accepting transaction: reserves it
  // and returns true, or false if the stream is full or ending. Each
  // reservation ends with HandOut (the store leased a delivery to this
  // stream) or Unreserve (it did not).
  virtual bool TryReserve() = 0;
  virtual void Unreserve() = 0;
  // After Unreserve, once the accepting transaction is over: claims again
  // if a claim may have left deliveries for want of the slot given back.
  virtual void GivenBack() = 0;
  // Sends `message`, leased to this stream by a committed transaction.
  virtual void HandOut(v1::RoutedMessage message) = 0;

  // Ends the stream with `status` (the hub is stopping).
  virtual void Finish(const absl::Status& status) = 0;
};

}  // namespace cre

#endif  // CRE_HUB_DELIVERY_INBOX_STREAM_H_
