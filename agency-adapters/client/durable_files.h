// Files that survive a crash or a power cut: what the spool and the output
// folders are made of. A file is written to a temporary name in the same
// folder, fsynced, renamed over its final name, and the folder fsynced, so a
// reader sees the old content or the new, never a torn file.
//
//   absl::Status written = WriteFileDurably("out/1234.json", json);
//   absl::StatusOr<std::string> text = ReadFile("out/1234.json");
#ifndef CRE_AGENCY_ADAPTERS_CLIENT_DURABLE_FILES_H_
#define CRE_AGENCY_ADAPTERS_CLIENT_DURABLE_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cre::client {

// Creates `path` and its parents (mode 700: what they hold is about
// children). OK if it exists.
absl::Status MakeDirectories(const std::string& path);

// Replaces `path` with `content` atomically and durably (see above).
absl::Status WriteFileDurably(const std::string& path, absl::string_view content);

// Removes `path` and fsyncs its folder; OK if it is already gone.
absl::Status RemoveFileDurably(const std::string& path);

// Renames `from` to `to` (same file system) and fsyncs both folders.
absl::Status RenameDurably(const std::string& from, const std::string& to);

// NOT_FOUND naming the path if it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Names (not paths) of the regular files in `dir` ending in `suffix` and
// not starting with "." (temporary files), sorted.
absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir, absl::string_view suffix);

bool FileExists(const std::string& path);

// `name` with every character outside [A-Za-z0-9._-] replaced by '_', so a
// hub-minted id or a user's file name can be used in a path safely.
std::string SafeFileName(absl::string_view name);

}  // namespace cre::client

#endif  // CRE_AGENCY_ADAPTERS_CLIENT_DURABLE_FILES_H_
