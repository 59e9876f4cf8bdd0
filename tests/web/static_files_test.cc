// StaticFiles: the front end served from memory by exact path, with content
// types and ETags, and nothing outside its directory.
#include "web/static_files.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "web/http_headers.h"

namespace cre::web {
namespace {

namespace fs = std::filesystem;

using ::testing::HasSubstr;

void WriteFile(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  const std::string* value = FindHeader(response, name);
  return value == nullptr ? "(absent)" : *value;
}

HttpRequest Get(const std::string& path) {
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  return request;
}

// A front end in a fresh directory, beside a secret it must never serve.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "static_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ / "site";
    WriteFile(base_ / "secret.txt", "the hub's key");
    WriteFile(root_ / "index.html", "<!doctype html><title>console</title>");
    WriteFile(root_ / "app.js", "console.log(1);");
    WriteFile(root_ / "css" / "site.css", "body{}");
    WriteFile(root_ / "img" / "logo.svg", "<svg/>");
    WriteFile(root_ / "img" / "logo.PNG", "\x89PNG");
    WriteFile(root_ / "data.json", "{}");
    WriteFile(root_ / "favicon.ico", "ico");
    WriteFile(root_ / "fonts" / "a.woff2", "wOF2");
    WriteFile(root_ / "robots.txt", "User-agent: *");
    WriteFile(root_ / "blob.bin", "bytes");
    WriteFile(root_ / ".env", "PASSWORD=x");
    WriteFile(root_ / ".git" / "config", "[core]");
    fs::create_symlink(base_ / "secret.txt", root_ / "outside.txt");
    fs::create_symlink("/etc/hostname", root_ / "hostname.txt");
    fs::create_symlink(base_, root_ / "up");  // a directory outside, by a link
    fs::create_symlink(root_ / "app.js", root_ / "alias.js");
  }

  void TearDown() override { fs::remove_all(base_); }

  StaticFiles Load() {
    absl::StatusOr<StaticFiles> files = StaticFiles::Load(root_.string());
    EXPECT_TRUE(files.ok()) << files.status();
    return *std::move(files);
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, TheRootServesIndexHtml) {
  const StaticFiles files = Load();
  const absl::optional<HttpResponse> root = files.Serve(Get("/"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, "<!doctype html><title>console</title>");
  EXPECT_EQ(HeaderOf(*root, "Content-Type"), "text/html; charset=utf-8");
  const absl::optional<HttpResponse> index = files.Serve(Get("/index.html"));
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->body, root->body);
}

TEST_F(StaticFilesTest, ContentTypesFollowTheExtension) {
  const StaticFiles files = Load();
  const std::pair<std::string, std::string> expected[] = {
      {"/app.js", "text/javascript; charset=utf-8"},
      {"/css/site.css", "text/css; charset=utf-8"},
      {"/img/logo.svg", "image/svg+xml"},
      {"/img/logo.PNG", "image/png"},
      {"/data.json", "application/json"},
      {"/favicon.ico", "image/x-icon"},
      {"/fonts/a.woff2", "font/woff2"},
      {"/robots.txt", "text/plain; charset=utf-8"},
      {"/blob.bin", "application/octet-stream"},
  };
  for (const auto& [path, type] : expected) {
    SCOPED_TRACE(path);
    const absl::optional<HttpResponse> response = files.Serve(Get(path));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(HeaderOf(*response, "Content-Type"), type);
    EXPECT_EQ(HeaderOf(*response, "Cache-Control"), "no-cache");
  }
}

TEST_F(StaticFilesTest, HeadIsServedAsGet) {
  const StaticFiles files = Load();
  HttpRequest head = Get("/app.js");
  head.method = "HEAD";
  const absl::optional<HttpResponse> response = files.Serve(head);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(StaticFilesTest, OtherMethodsAndUnknownPathsAreNotServed) {
  const StaticFiles files = Load();
  HttpRequest post = Get("/index.html");
  post.method = "POST";
  EXPECT_FALSE(files.Serve(post).has_value());
  EXPECT_FALSE(files.Serve(Get("/missing.html")).has_value());
  EXPECT_FALSE(files.Serve(Get("/css")).has_value());
  EXPECT_FALSE(files.Serve(Get("/css/")).has_value());
}

TEST_F(StaticFilesTest, TraversalIsRefused) {
  const StaticFiles files = Load();
  const std::string refused[] = {
      "/../secret.txt",     "/css/../index.html", "/..",
      "/%2e%2e/secret.txt", "index.html",         "",
      "\\index.html",       "/css\\site.css",     std::string("/index.html\0.js", 15),
      "//index.html",       "/./index.html",      "/up/secret.txt",
  };
  for (const std::string& path : refused) {
    SCOPED_TRACE(path);
    EXPECT_FALSE(files.Serve(Get(path)).has_value());
  }
}

TEST_F(StaticFilesTest, LinksOutsideTheDirectoryAndHiddenFilesAreNotLoaded) {
  const StaticFiles files = Load();
  EXPECT_FALSE(files.Serve(Get("/outside.txt")).has_value());
  EXPECT_FALSE(files.Serve(Get("/hostname.txt")).has_value());
  EXPECT_FALSE(files.Serve(Get("/.env")).has_value());
  EXPECT_FALSE(files.Serve(Get("/.git/config")).has_value());
  // A link to a file inside is the file.
  const absl::optional<HttpResponse> alias = files.Serve(Get("/alias.js"));
  ASSERT_TRUE(alias.has_value());
  EXPECT_EQ(alias->body, "console.log(1);");
}

TEST_F(StaticFilesTest, FilesAreReadOnceAtLoad) {
  const StaticFiles files = Load();
  WriteFile(root_ / "app.js", "changed");
  WriteFile(root_ / "new.js", "new");
  EXPECT_EQ(files.Serve(Get("/app.js"))->body, "console.log(1);");
  EXPECT_FALSE(files.Serve(Get("/new.js")).has_value());
}

TEST_F(StaticFilesTest, AnETagThatMatchesGives304) {
  const StaticFiles files = Load();
  const absl::optional<HttpResponse> first = files.Serve(Get("/app.js"));
  ASSERT_TRUE(first.has_value());
  const std::string etag = HeaderOf(*first, "ETag");
  ASSERT_EQ(etag.size(), 34u);  // 32 hex digits, quoted
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_NE(etag, HeaderOf(*files.Serve(Get("/index.html")), "ETag"));

  for (const std::string& if_none_match : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    SCOPED_TRACE(if_none_match);
    HttpRequest again = Get("/app.js");
    again.headers["if-none-match"] = if_none_match;
    const absl::optional<HttpResponse> revalidated = files.Serve(again);
    ASSERT_TRUE(revalidated.has_value());
    EXPECT_EQ(revalidated->status, 304);
    EXPECT_EQ(revalidated->body, "");
    EXPECT_EQ(HeaderOf(*revalidated, "ETag"), etag);
    EXPECT_EQ(HeaderOf(*revalidated, "Cache-Control"), "no-cache");
  }

  HttpRequest stale = Get("/app.js");
  stale.headers["if-none-match"] = "\"0123\"";
  const absl::optional<HttpResponse> fresh = files.Serve(stale);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->status, 200);
  EXPECT_EQ(fresh->body, "console.log(1);");
}

TEST_F(StaticFilesTest, ADirectoryThatIsNotOneIsRefused) {
  const absl::StatusOr<StaticFiles> missing = StaticFiles::Load((base_ / "nowhere").string());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("nowhere"));
  const absl::StatusOr<StaticFiles> file = StaticFiles::Load((root_ / "app.js").string());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cre::web
