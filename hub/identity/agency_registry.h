// The agency registry: the agencies the hub knows, looked up by the identity
// their client certificate carries.
//
// An agency's identity is the URI SAN urn:cre:agency:<id> of its client
// certificate. Nothing else identifies a caller: not a request field, not
// the certificate's common name.
//
//   CRE_ASSIGN_OR_RETURN(AgencyRegistry registry, AgencyRegistry::Create(proto));
//   const cre::v1::Agency* caller = registry.FindByIdentityUri(uri);
#ifndef CRE_HUB_IDENTITY_AGENCY_REGISTRY_H_
#define CRE_HUB_IDENTITY_AGENCY_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "cre/v1/agency.pb.h"

namespace cre {

// The scheme every agency identity URI starts with.
inline constexpr absl::string_view kAgencyUriPrefix = "urn:cre:agency:";

// urn:cre:agency:<id> for `agency_id`.
std::string AgencyIdentityUri(absl::string_view agency_id);

// An ONS local authority code: a capital letter and eight digits, e.g.
// E06000015 (Derby City Council).
bool IsOnsCode(absl::string_view code);

// The agency id in an identity URI, or nullopt if `uri` is not one.
absl::optional<std::string> AgencyIdFromUri(absl::string_view uri);

class AgencyRegistry {
 public:
  // Checks every entry: ids well formed and unique, a role, a display name,
  // and an ONS code for other local authorities. INVALID_ARGUMENT names the
  // entry and the field.
  static absl::StatusOr<AgencyRegistry> Create(const v1::AgencyRegistry& proto);

  // The agency with this id, or nullptr.
  const v1::Agency* FindById(absl::string_view id) const;
  // The agency whose identity URI this is, or nullptr.
  const v1::Agency* FindByIdentityUri(absl::string_view uri) const;

  // In registry order.
  const std::vector<v1::Agency>& agencies() const { return agencies_; }

 private:
  AgencyRegistry() = default;

  std::vector<v1::Agency> agencies_;
  absl::flat_hash_map<std::string, size_t> index_by_id_;
};

}  // namespace cre

#endif  // CRE_HUB_IDENTITY_AGENCY_REGISTRY_H_
