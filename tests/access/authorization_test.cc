// The method table's names agree with the protos: the path that names a call
// in the call log, the audit chain and the rate limits is the method's own.
#include "access/authorization.h"

#include <string>

#include "absl/strings/str_split.h"
#include "cre/v1/directory.pb.h"
#include "cre/v1/inbox.pb.h"
#include "cre/v1/oversight.pb.h"
#include "cre/v1/referrals.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "service/rate_limiter.h"

namespace cre {
namespace {

TEST(AuthorizationTest, EveryMethodsPathNamesAMethodTheProtosDeclare) {
  // Linked so that their descriptors are in the generated pool.
  (void)v1::WhoAmIRequest::descriptor();
  (void)v1::SubscribeRequest::descriptor();
  (void)v1::ListOpenActionsRequest::descriptor();
  (void)v1::GetCaseRequest::descriptor();
  for (Method method : AllMethods()) {
    const std::string path = MethodPath(method);
    const std::vector<std::string> parts = absl::StrSplit(path, '/');
    ASSERT_EQ(parts.size(), 3u) << path;
    EXPECT_EQ(parts[0], "") << path;
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(parts[1]);
    ASSERT_NE(service, nullptr) << path;
    EXPECT_NE(service->FindMethodByName(parts[2]), nullptr) << path;
    EXPECT_EQ(parts[2], MethodName(method));
  }
}

TEST(AuthorizationTest, EveryMethodHasARateLimitClassOfItsOwn) {
  for (Method method : AllMethods()) {
    EXPECT_NE(ClassifyMethod(MethodPath(method)), CallClass::kOther) << MethodPath(method);
  }
}

}  // namespace
}  // namespace cre
