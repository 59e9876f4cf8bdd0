// The ids the hub mints (common/ids.h): version 7 UUIDs, the time first.
#include "common/ids.h"

#include <cstdint>
#include <set>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"

namespace cre {
namespace {

// The Unix milliseconds in an id's first 48 bits.
int64_t MillisOf(const std::string& id) {
  return static_cast<int64_t>(std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16));
}

TEST(IdsTest, AnIdIsAVersion7UuidThatLeadsWithTheTimeItWasMade) {
  const int64_t before = absl::ToUnixMillis(absl::Now());
  const std::string id = NewUuid();
  const int64_t after = absl::ToUnixMillis(absl::Now());
  ASSERT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '7') << id;  // the version
  // The variant: the two high bits of the ninth byte are 10.
  EXPECT_THAT(std::string(1, id[19]), ::testing::AnyOf("8", "9", "a", "b")) << id;
  EXPECT_GE(MillisOf(id), before);
  EXPECT_LE(MillisOf(id), after);
}

TEST(IdsTest, IdsOfLaterMillisecondsSortAfterAndNoneRepeats) {
  std::set<std::string> seen;
  std::string earlier = NewUuid();
  for (int i = 0; i < 20000; ++i) {
    const std::string id = NewUuid();
    EXPECT_TRUE(seen.insert(id).second) << id;
    if (MillisOf(id) > MillisOf(earlier)) {
      EXPECT_GT(id, earlier);  // as a database sorts them: the text
      earlier = id;
    }
  }
}

TEST(IdsTest, IsUuidTakesOnlyTheCanonicalLowerCaseForm) {
  EXPECT_TRUE(IsUuid("0193a5b2-7c1d-7e3f-8a4b-0123456789ab"));
  EXPECT_TRUE(IsUuid("3b2ec32a-b74a-4f3b-9dfb-d271986dfd95"));  // version 4, as the hub's ids were before
  EXPECT_FALSE(IsUuid("0193A5B2-7C1D-7E3F-8A4B-0123456789AB"));
  EXPECT_FALSE(IsUuid("0193a5b27c1d7e3f8a4b0123456789ab"));
  EXPECT_FALSE(IsUuid(""));
}

}  // namespace
}  // namespace cre
