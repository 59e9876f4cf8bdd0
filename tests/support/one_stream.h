// The streams of the accepting process as a store sees them (StreamOffer,
// store/store.h): for the store tests, one stream of the PRU's with `room`
// free slots.
#ifndef CRE_TESTS_SUPPORT_ONE_STREAM_H_
#define CRE_TESTS_SUPPORT_ONE_STREAM_H_

#include <string>
#include <utility>

#include "absl/time/time.h"
#include "store/store.h"

namespace cre::testing {

class OneStream : public StreamOffer {
 public:
  OneStream(std::string owner, int room) : owner_(std::move(owner)), room_(room) {}
  std::string Reserve(const std::string& recipient) override {
    if (recipient != "pru" || room_ == 0) return "";
    --room_;
    return owner_;
  }
  void Unreserve(const std::string& owner) override {
    if (owner == owner_) ++room_;
  }
  absl::Duration lease() const override { return absl::Seconds(30); }

 private:
  std::string owner_;
  int room_;
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_ONE_STREAM_H_
