// The pathway's command line, run by hubctl: `hubctl pathway ...` and
// `hubctl calendar ...`. Output goes to `out` only when the command
// succeeds; errors go to `err` and give hubctl's exit codes: 1 when the
// command failed (a file cannot be read, the case is invalid), 2 when the
// command line is wrong (a bad flag, word or value, named in the message).
// The help text is hubctl's (hub/tools/hubctl.cc), which checks the words
// against its table before it calls these.
//
//   hubctl pathway evaluate --case case.json --at 2026-03-31T09:00:00+01:00
//   hubctl calendar holidays 2027
//   hubctl calendar add-working-days 2026-05-22 2        # 2026-05-27 (Wednesday 27 May 2026)
//   hubctl calendar add-working-hours 2026-03-27T15:00:00Z 48
//       # 2026-03-31T15:00:00+01:00 (before 15:00 on Tuesday 31 March 2026)
#ifndef CRE_HUB_PATHWAY_CLI_H_
#define CRE_HUB_PATHWAY_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace cre::pathway {

// args: what follows "hubctl pathway" / "hubctl calendar". Returns the exit code.
int RunPathwayCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cre::pathway

#endif  // CRE_HUB_PATHWAY_CLI_H_
