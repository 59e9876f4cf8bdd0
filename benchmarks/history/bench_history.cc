// bench_history: fills a schema with years of a hub's history
// (history_generator.h; docs/benchmarks.md, "National-scale history").
//
//   bench_history --host 127.0.0.1 --port P --user cre_hub --password_file F --schema S
//     --field_key_file K --registry_file R --children N --messages M [--threads T] [--seed X]
//
// Prints progress every ~10 s, then exactly "history: N children, M messages
// in T s". Exit status 0 also when S holds that generation already.
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "cppconn/exception.h"
#include "google/protobuf/text_format.h"
#include "history_generator.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "MariaDB host");
ABSL_FLAG(int, port, 3306, "MariaDB port");
ABSL_FLAG(std::string, user, "cre_hub", "MariaDB user");
ABSL_FLAG(std::string, password_file, "", "file holding the user's password");
ABSL_FLAG(std::string, schema, "", "schema to fill (migrated first)");
ABSL_FLAG(std::string, field_key_file, "", "the hub's field key ring");
ABSL_FLAG(std::string, registry_file, "", "the agency registry (cre.v1.AgencyRegistry, text)");
ABSL_FLAG(int64_t, children, 0, "children, each with one case");
ABSL_FLAG(int64_t, messages, 0, "messages in all (on the cases, and Operation Liberty reports on none)");
ABSL_FLAG(int, threads, 2, "connections writing at once (the audit chain has one more)");
ABSL_FLAG(int64_t, seed, 1, "seed of the generated content");

namespace cre::history {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<v1::AgencyRegistry> LoadRegistry(const std::string& path) {
  CRE_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  v1::AgencyRegistry registry;
  if (!google::protobuf::TextFormat::ParseFromString(text, &registry)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a cre.v1.AgencyRegistry"));
  }
  return registry;
}

absl::Status Run() {
  for (const auto& [flag, value] : {std::pair<const char*, std::string>{"password_file", absl::GetFlag(FLAGS_password_file)},
                                    {"schema", absl::GetFlag(FLAGS_schema)},
                                    {"field_key_file", absl::GetFlag(FLAGS_field_key_file)},
                                    {"registry_file", absl::GetFlag(FLAGS_registry_file)}}) {
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  HistoryOptions options;
  options.settings.host = absl::GetFlag(FLAGS_host);
  options.settings.port = absl::GetFlag(FLAGS_port);
  options.settings.user = absl::GetFlag(FLAGS_user);
  CRE_ASSIGN_OR_RETURN(const std::string password, ReadFile(absl::GetFlag(FLAGS_password_file)));
  options.settings.password = std::string(absl::StripTrailingAsciiWhitespace(password));
  options.settings.schema = absl::GetFlag(FLAGS_schema);
  // One INSERT of a thousand rows into a large table may take a while.
  options.settings.read_write_timeout_seconds = 3600;
  CRE_ASSIGN_OR_RETURN(crypto::KeyRing ring, crypto::KeyRing::Load(absl::GetFlag(FLAGS_field_key_file)));
  options.cipher = std::make_shared<const crypto::FieldCipher>(std::move(ring));
  CRE_ASSIGN_OR_RETURN(options.registry, LoadRegistry(absl::GetFlag(FLAGS_registry_file)));
  options.children = absl::GetFlag(FLAGS_children);
  options.messages = absl::GetFlag(FLAGS_messages);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.log = &std::cout;
  CRE_ASSIGN_OR_RETURN(const HistoryResult result, GenerateHistory(options));
  if (result.already) {
    std::cout << "history: " << options.settings.schema << " already holds " << options.children << " children and "
              << options.messages << " messages; nothing to do" << std::endl;
    return absl::OkStatus();
  }
  std::cout << absl::StrFormat("history: %d children, %d messages in %.0f s", options.children, options.messages,
                               result.seconds)
            << std::endl;
  return absl::OkStatus();
}

}  // namespace
}  // namespace cre::history

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  try {
    absl::Status status = cre::history::Run();
    if (!status.ok()) {
      std::cerr << "bench_history: " << status << std::endl;
      return 1;
    }
  } catch (const sql::SQLException& e) {
    std::cerr << "bench_history: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
