#include "identity/agency_registry.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cre {
namespace {

// Lower-case letters, digits and inner hyphens, at most 64 characters: safe
// in a URI, a file name and a database key alike.
bool IsWellFormedAgencyId(absl::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

absl::Status CheckEntry(const v1::Agency& agency, const std::string& where) {
  if (!IsWellFormedAgencyId(agency.id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".id: \"", agency.id(),
        "\" is not an agency id (lower-case letters, digits and '-', at most 64)"));
  }
  if (agency.role() == v1::AGENCY_ROLE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".role: required"));
  }
  if (agency.display_name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".display_name: required"));
  }
  const bool needs_code = agency.role() == v1::OTHER_LOCAL_AUTHORITY;
  if ((needs_code || !agency.local_authority_code().empty()) &&
      !IsOnsCode(agency.local_authority_code())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".local_authority_code: \"", agency.local_authority_code(),
                     "\" is not an ONS code such as E06000015"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsOnsCode(absl::string_view code) {
  if (code.size() != 9 || !absl::ascii_isupper(code[0])) return false;
  for (char c : code.substr(1)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

std::string AgencyIdentityUri(absl::string_view agency_id) {
  return absl::StrCat(kAgencyUriPrefix, agency_id);
}

absl::optional<std::string> AgencyIdFromUri(absl::string_view uri) {
  if (!absl::ConsumePrefix(&uri, kAgencyUriPrefix) || !IsWellFormedAgencyId(uri)) {
    return absl::nullopt;
  }
  return std::string(uri);
}

absl::StatusOr<AgencyRegistry> AgencyRegistry::Create(const v1::AgencyRegistry& proto) {
  AgencyRegistry registry;
  for (int i = 0; i < proto.agencies_size(); ++i) {
    const v1::Agency& agency = proto.agencies(i);
    const std::string where = absl::StrCat("agencies[", i, "]");
    if (absl::Status status = CheckEntry(agency, where); !status.ok()) return status;
    if (!registry.index_by_id_.emplace(agency.id(), registry.agencies_.size()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".id: \"", agency.id(), "\" is registered twice"));
    }
    registry.agencies_.push_back(agency);
  }
  if (registry.agencies_.empty()) {
    return absl::InvalidArgumentError("agencies: the registry is empty");
  }
  return registry;
}

const v1::Agency* AgencyRegistry::FindById(absl::string_view id) const {
  auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &agencies_[it->second];
}

const v1::Agency* AgencyRegistry::FindByIdentityUri(absl::string_view uri) const {
  absl::optional<std::string> id = AgencyIdFromUri(uri);
  return id ? FindById(*id) : nullptr;
}

}  // namespace cre
