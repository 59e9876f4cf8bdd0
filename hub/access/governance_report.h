// The paperwork a data protection officer signs: the record of processing
// activities (UK GDPR Article 30(1)) and the register of information-sharing
// agreements in use, printed from the hub's config (`hubctl governance
// report`, docs/data-protection.md). Pure: the config and today's date in,
// Markdown out, so that the record is always the one the hub runs with.
//
//   std::cout << GovernanceReport(config, absl::CivilDay(2026, 12, 5));
//
// What the council must say and the config leaves unset (the DPO's contact,
// say) is printed as unset and listed again at the end under "To complete",
// rather than refused: the report is how an officer finds out what is
// missing.
#ifndef CRE_HUB_ACCESS_GOVERNANCE_REPORT_H_
#define CRE_HUB_ACCESS_GOVERNANCE_REPORT_H_

#include <string>

#include "absl/time/civil_time.h"
#include "cre/v1/config.pb.h"

namespace cre {

// `config` as LoadHubConfig completes it (the registry read in, the
// governance config completed); `today` in the authority's time zone, for
// the agreements past their review date.
std::string GovernanceReport(const v1::HubConfig& config, absl::CivilDay today);

}  // namespace cre

#endif  // CRE_HUB_ACCESS_GOVERNANCE_REPORT_H_
