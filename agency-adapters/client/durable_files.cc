#include "client/durable_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cre::client {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  const int error = errno;
  std::string message = absl::StrCat(what, " ", path, ": ", strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// A rename or an unlink is durable only once the folder's entry is on disk.
absl::Status SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open folder", dir);
  const int synced = fsync(fd);
  close(fd);
  return synced == 0 ? absl::OkStatus() : ErrnoError("cannot fsync folder", dir);
}

absl::Status WriteAllAndSync(int fd, absl::string_view content, const std::string& path) {
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot write", path);
    done += static_cast<size_t>(n);
  }
  return fsync(fd) == 0 ? absl::OkStatus() : ErrnoError("cannot fsync", path);
}

}  // namespace

absl::Status MakeDirectories(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty folder name");
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError("cannot create folder", prefix);
    if (slash == std::string::npos) break;
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a folder"));
  }
  return absl::OkStatus();
}

absl::Status WriteFileDurably(const std::string& path, absl::string_view content) {
  const std::string dir = DirectoryOf(path);
  const std::string name = path.substr(path.rfind('/') + 1);
  // A hidden temporary name: folder watchers and ListFiles skip it.
  const std::string temp = absl::StrCat(dir, "/.", name, ".", getpid(), ".tmp");
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", temp);
  absl::Status written = WriteAllAndSync(fd, content, temp);
  if (close(fd) != 0 && written.ok()) written = ErrnoError("cannot close", temp);
  if (written.ok() && rename(temp.c_str(), path.c_str()) != 0) written = ErrnoError("cannot rename to", path);
  if (!written.ok()) {
    unlink(temp.c_str());
    return written;
  }
  return SyncDirectory(dir);
}

absl::Status RemoveFileDurably(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("cannot remove", path);
  return SyncDirectory(DirectoryOf(path));
}

absl::Status RenameDurably(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) return ErrnoError(absl::StrCat("cannot rename ", from, " to"), to);
  absl::Status synced = SyncDirectory(DirectoryOf(to));
  if (!synced.ok()) return synced;
  return DirectoryOf(from) == DirectoryOf(to) ? absl::OkStatus() : SyncDirectory(DirectoryOf(from));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir, absl::string_view suffix) {
  DIR* folder = opendir(dir.c_str());
  if (folder == nullptr) return ErrnoError("cannot list folder", dir);
  std::vector<std::string> names;
  while (const dirent* entry = readdir(folder)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.' || !absl::EndsWith(name, suffix)) continue;
    struct stat info;
    if (stat(absl::StrCat(dir, "/", name).c_str(), &info) == 0 && S_ISREG(info.st_mode)) names.push_back(name);
  }
  closedir(folder);
  std::sort(names.begin(), names.end());
  return names;
}

bool FileExists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

std::string SafeFileName(absl::string_view name) {
  std::string safe(name);
  for (char& c : safe) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (safe.empty() || safe[0] == '.') safe.insert(0, "_");
  return safe;
}

}  // namespace cre::client
