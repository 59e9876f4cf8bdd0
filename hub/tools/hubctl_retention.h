// hubctl retention: the retention schedule run on demand, its status, and
// legal holds (docs/data-protection.md, "Retention"). Each returns hubctl's
// exit status; hubctl.cc's command table calls them.
#ifndef CRE_HUB_TOOLS_HUBCTL_RETENTION_H_
#define CRE_HUB_TOOLS_HUBCTL_RETENTION_H_

#include <string>

namespace cre::tools {

// Purges what is due (or, with `dry_run`, prints what would be, writing
// nothing), and prints the counts per class.
int RetentionRun(const std::string& config_path, bool dry_run);
// Per class: the policy, records kept and held, due now, purged so far, and
// the oldest kept record's age and due date; then the legal holds.
int RetentionStatus(const std::string& config_path);
// Places (`hold`) or releases a legal hold on a case, with the reason.
int RetentionHold(const std::string& config_path, const std::string& case_id, const std::string& reason,
                  bool hold);

}  // namespace cre::tools

#endif  // CRE_HUB_TOOLS_HUBCTL_RETENTION_H_
