#include "web/static_files.h"

#include <openssl/sha.h>

#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/files.h"

namespace cre::web {
namespace {

namespace fs = std::filesystem;

// A front end is a few hundred KiB; a directory holding more was most likely
// given by mistake (a home directory, a build tree).
constexpr uintmax_t kMaxTotalBytes = 64 << 20;

struct ContentType {
  const char* extension;
  const char* type;
};

constexpr ContentType kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

// With X-Content-Type-Options nosniff, a browser will not run or style with
// a file of this type: an unknown file is only ever downloaded.
constexpr char kUnknownType[] = "application/octet-stream";

std::string ContentTypeOf(const fs::path& file) {
  const std::string extension = absl::AsciiStrToLower(file.extension().string());
  for (const ContentType& entry : kContentTypes) {
    if (extension == entry.extension) return entry.type;
  }
  return kUnknownType;
}

// A strong validator: the first 128 bits of the content's SHA-256, in hex.
std::string ETagOf(const std::string& body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  const std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return absl::StrCat("\"", hex.substr(0, 32), "\"");
}

bool InsideDir(const fs::path& canonical_file, const fs::path& canonical_dir) {
  const fs::path relative = canonical_file.lexically_relative(canonical_dir);
  return !relative.empty() && *relative.begin() != "..";
}

// A regular file, or a symbolic link to one inside `root`. What a link
// points to outside the directory (a key, /etc/passwd) is never served.
bool ShouldLoad(const fs::directory_entry& entry, const fs::path& root) {
  std::error_code error;
  if (!entry.is_symlink(error)) return entry.is_regular_file(error);
  const fs::path target = fs::canonical(entry.path(), error);
  return !error && InsideDir(target, root) && fs::is_regular_file(target, error);
}

bool IsServablePath(const std::string& path) {
  return absl::StartsWith(path, "/") && !absl::StrContains(path, "..") &&
         path.find('\0') == std::string::npos && path.find('\\') == std::string::npos;
}

// If-None-Match is a list of entity tags, or "*"; it compares weakly, so
// W/"x" matches "x".
bool MatchesAny(absl::string_view if_none_match, absl::string_view etag) {
  for (absl::string_view candidate : absl::StrSplit(if_none_match, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    absl::ConsumePrefix(&candidate, "W/");
    if (candidate == "*" || candidate == etag) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<StaticFiles> StaticFiles::Load(const std::string& dir) {
  std::error_code error;
  const fs::path root = fs::canonical(dir, error);
  if (error || !fs::is_directory(root, error)) {
    return absl::InvalidArgumentError(absl::StrCat("static files: ", dir, " is not a directory"));
  }
  StaticFiles files;
  uintmax_t total_bytes = 0;
  fs::recursive_directory_iterator it(root, error), end;
  for (; !error && it != end; it.increment(error)) {
    const fs::directory_entry& entry = *it;
    if (absl::StartsWith(entry.path().filename().string(), ".")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!ShouldLoad(entry, root)) continue;
    absl::StatusOr<std::string> body = ReadFile(entry.path().string());
    if (!body.ok())
      return absl::InvalidArgumentError(absl::StrCat("static files: ", body.status().message()));
    total_bytes += body->size();
    if (total_bytes > kMaxTotalBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("static files: ", dir, " holds more than ", kMaxTotalBytes >> 20, " MiB"));
    }
    File file{ContentTypeOf(entry.path()), ETagOf(*body), *std::move(body)};
    files.files_.emplace("/" + entry.path().lexically_relative(root).generic_string(), std::move(file));
  }
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat("static files: cannot list ", dir, ": ", error.message()));
  }
  return files;
}

absl::optional<HttpResponse> StaticFiles::Serve(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") return absl::nullopt;
  if (!IsServablePath(request.path)) return absl::nullopt;
  const auto found = files_.find(request.path == "/" ? "/index.html" : request.path);
  if (found == files_.end()) return absl::nullopt;
  const File& file = found->second;

  HttpResponse response;
  response.headers = {{"ETag", file.etag}, {"Cache-Control", "no-cache"}};
  const auto if_none_match = request.headers.find("if-none-match");
  if (if_none_match != request.headers.end() && MatchesAny(if_none_match->second, file.etag)) {
    response.status = 304;
    return response;
  }
  response.headers.emplace_back("Content-Type", file.content_type);
  response.body = file.body;
  return response;
}

}  // namespace cre::web
