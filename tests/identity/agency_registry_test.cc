// The registry maps certificate identities to agencies, and refuses a
// registry that would make an identity ambiguous or malformed.
#include "identity/agency_registry.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cre {
namespace {

using ::testing::HasSubstr;

v1::AgencyRegistry Parse(const std::string& text) {
  v1::AgencyRegistry proto;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto)) << text;
  return proto;
}

constexpr char kTwoAgencies[] = R"pb(
  agencies { id: "derby-pru" display_name: "PRU" role: POLICE_REFERRAL_UNIT }
  agencies { id: "derbyshire-cc" display_name: "Derbyshire" role: OTHER_LOCAL_AUTHORITY
             local_authority_code: "E10000007" }
)pb";

TEST(AgencyIdentityUriTest, RoundTrips) {
  EXPECT_EQ(AgencyIdentityUri("derby-csc"), "urn:cre:agency:derby-csc");
  EXPECT_EQ(AgencyIdFromUri("urn:cre:agency:derby-csc"), "derby-csc");
}

TEST(AgencyIdentityUriTest, RejectsOtherUris) {
  EXPECT_EQ(AgencyIdFromUri("https://derby-csc"), absl::nullopt);
  EXPECT_EQ(AgencyIdFromUri("urn:cre:agency:"), absl::nullopt);
  EXPECT_EQ(AgencyIdFromUri("urn:cre:agency:Derby"), absl::nullopt);
  EXPECT_EQ(AgencyIdFromUri("urn:cre:agency:a/../b"), absl::nullopt);
  EXPECT_EQ(AgencyIdFromUri("URN:CRE:AGENCY:derby-csc"), absl::nullopt);
}

TEST(AgencyRegistryTest, FindsByIdAndIdentityUri) {
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(Parse(kTwoAgencies));
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_NE(registry->FindById("derby-pru"), nullptr);
  EXPECT_EQ(registry->FindById("derby-pru")->role(), v1::POLICE_REFERRAL_UNIT);
  const v1::Agency* host = registry->FindByIdentityUri("urn:cre:agency:derbyshire-cc");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->local_authority_code(), "E10000007");
  EXPECT_EQ(registry->FindByIdentityUri("urn:cre:agency:nobody"), nullptr);
  EXPECT_EQ(registry->agencies().size(), 2u);
}

struct BadRegistryCase {
  const char* name;
  const char* text;
  const char* message;
};

class BadRegistryTest : public ::testing::TestWithParam<BadRegistryCase> {};

TEST_P(BadRegistryTest, IsRefusedNamingTheField) {
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::Create(Parse(GetParam().text));
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Registries, BadRegistryTest,
    ::testing::Values(
        BadRegistryCase{"Empty", "", "registry is empty"},
        BadRegistryCase{"UpperCaseId",
                        R"pb(agencies { id: "Derby" display_name: "x" role: HEALTH })pb",
                        "agencies[0].id"},
        BadRegistryCase{"NoRole", R"pb(agencies { id: "a" display_name: "x" })pb",
                        "agencies[0].role: required"},
        BadRegistryCase{"NoName", R"pb(agencies { id: "a" role: HEALTH })pb",
                        "agencies[0].display_name: required"},
        BadRegistryCase{"Duplicate",
                        R"pb(agencies { id: "a" display_name: "x" role: HEALTH }
                             agencies { id: "a" display_name: "y" role: EDUCATION })pb",
                        "agencies[1].id: \"a\" is registered twice"},
        BadRegistryCase{"AuthorityWithoutCode",
                        R"pb(agencies { id: "a" display_name: "x" role: OTHER_LOCAL_AUTHORITY })pb",
                        "agencies[0].local_authority_code"},
        BadRegistryCase{"MalformedCode",
                        R"pb(agencies { id: "a" display_name: "x" role: HEALTH
                                        local_authority_code: "E0600001" })pb",
                        "agencies[0].local_authority_code"}),
    [](const ::testing::TestParamInfo<BadRegistryCase>& info) { return info.param.name; });

}  // namespace
}  // namespace cre
