// The console's front end (HTML, scripts, styles, images): every file of a
// directory read into memory at start-up and served by exact path.
//
//   CRE_ASSIGN_OR_RETURN(StaticFiles files, StaticFiles::Load("web/console"));
//   ... in the handler:
//   if (absl::optional<HttpResponse> file = files.Serve(request)) return respond(*std::move(file));
//
// Nothing on disk is touched after Load, so a request cannot reach a file
// that was not there at start-up, and no path a client sends is ever given
// to the file system. A browser revalidates each file (Cache-Control
// no-cache) with its ETag, and gets 304 while it has not changed.
#ifndef CRE_HUB_WEB_STATIC_FILES_H_
#define CRE_HUB_WEB_STATIC_FILES_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "web/https_server.h"

namespace cre::web {

class StaticFiles {
 public:
  // Every regular file under `dir`, at any depth, as "/" + its path relative
  // to `dir`. Skipped: names starting with "." (.git, editor files), and
  // symbolic links whose target is not a regular file inside `dir`.
  // INVALID_ARGUMENT if `dir` is not a directory, a file cannot be read, or
  // the files hold more than 64 MiB (a front end is far smaller).
  static absl::StatusOr<StaticFiles> Load(const std::string& dir);

  // For GET or HEAD of a loaded path ("/" is "/index.html"): 200 with the
  // file, its Content-Type, ETag and Cache-Control no-cache, or 304 without
  // a body if If-None-Match names its ETag. Anything else (another method, a
  // path not loaded, or one with "..", a NUL, a backslash or no leading "/"):
  // nullopt, for the caller's other routes or its 404.
  absl::optional<HttpResponse> Serve(const HttpRequest& request) const;

 private:
  struct File {
    std::string content_type;
    std::string etag;  // quoted, as sent
    std::string body;
  };

  StaticFiles() = default;

  absl::flat_hash_map<std::string, File> files_;
};

}  // namespace cre::web

#endif  // CRE_HUB_WEB_STATIC_FILES_H_
