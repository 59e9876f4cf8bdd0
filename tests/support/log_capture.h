// Keeps every line the hub logs through spdlog, for a test to read.
//
//   auto sink = std::make_shared<CapturingSink>();
//   spdlog::default_logger()->sinks().push_back(sink);
//   ... the code under test logs ...
//   EXPECT_THAT(sink->Lines(), Contains(HasSubstr("call")));
#ifndef CRE_TESTS_SUPPORT_LOG_CAPTURE_H_
#define CRE_TESTS_SUPPORT_LOG_CAPTURE_H_

#include <mutex>
#include <string>
#include <vector>

#include "spdlog/sinks/base_sink.h"

namespace cre::testing {

class CapturingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

}  // namespace cre::testing

#endif  // CRE_TESTS_SUPPORT_LOG_CAPTURE_H_
