// hubctl's commands about one child: who looked at their record (`access
// list`) and everything the hub holds about them (`subject export`, for a
// subject access request). hubctl.cc's command table parses the flags and
// calls these; the rendering is here too, so that tests can check it
// without a database.
//
//   hubctl access list --config FILE --child ID --limit 20
//   hubctl subject export --config FILE --nhs-number "943 476 5919" --out /secure/sar-2026-117
#ifndef CRE_HUB_TOOLS_HUBCTL_SUBJECT_H_
#define CRE_HUB_TOOLS_HUBCTL_SUBJECT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "store/store.h"

namespace cre::hubctl {

// A command's flags as hubctl parsed them: "--config" -> value. Each returns
// hubctl's exit status (0 ok, 1 failed, 2 usage error), with errors on
// stderr naming what is wrong.
using Flags = std::map<std::string, std::string>;

// hubctl access list --config FILE (--case ID | --child ID) [--limit N]
int AccessList(const Flags& flags);
// hubctl subject export --config FILE (--child ID | --nhs-number N) --out DIR
int SubjectExport(const Flags& flags);

// An item of an export that may be third-party information, for a person to
// review before the export is disclosed: where it is (a JSON Pointer, RFC
// 6901, into the export's JSON) and why.
struct RedactionMark {
  std::string pointer;
  std::string reason;
};

// The export as JSON: the child, each case (the protobuf JSON mapping of
// GetCaseResponse, every message included), the access log, and
// "third_party": the RedactionMarks. Each case's pathway is as the caller
// set it in child.cases.
std::string SubjectExportJson(const ChildExport& child, absl::Time exported_at);
// The same as one self-contained HTML document (no script, no external
// resource, everything escaped), each third-party item marked in place.
std::string SubjectExportHtml(const ChildExport& child, absl::Time exported_at);
// The marks SubjectExportJson lists.
std::vector<RedactionMark> RedactionMarks(const ChildExport& child);

}  // namespace cre::hubctl

#endif  // CRE_HUB_TOOLS_HUBCTL_SUBJECT_H_
