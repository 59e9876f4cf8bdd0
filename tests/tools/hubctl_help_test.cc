// hubctl as a command-line tool: --help on every command, and unknown or
// missing words named with exit status 2. The real binary, no database: the
// commands come from `hubctl help --list`, so a command added to the table
// later is covered without a change here.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result Hubctl(const std::string& args) {
  const std::string err_path = ::testing::TempDir() + "/hubctl_help_test.stderr";
  FILE* pipe = popen(absl::StrCat(CRE_HUBCTL_BINARY, " ", args, " 2>", err_path).c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, ReadFile(err_path)};
}

// "migrate", "audit verify", ...: every row of hubctl's command table.
std::vector<std::string> Commands() {
  const Result listed = Hubctl("help --list");
  EXPECT_EQ(listed.code, 0) << listed.err;
  return absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
}

// The first words of the commands that have subcommands ("audit", ...).
std::set<std::string> Groups() {
  std::set<std::string> groups;
  for (const std::string& words : Commands()) {
    if (size_t space = words.find(' '); space != std::string::npos) groups.insert(words.substr(0, space));
  }
  return groups;
}

// "hubctl audit verify --config FILE [--anchor SEQ:HASH]", from its own help.
std::string UsageLine(const std::string& words) {
  const Result help = Hubctl(words + " --help");
  const std::string first = help.out.substr(0, help.out.find('\n'));
  return absl::StartsWith(first, "usage: ") ? first.substr(7) : "";
}

TEST(HubctlHelpTest, TheTableListsTheKnownCommands) {
  const std::vector<std::string> commands = Commands();
  for (const char* words : {"migrate", "deliveries dead", "deliveries requeue", "audit verify",
                            "audit export", "audit seal", "pathway evaluate", "calendar holidays",
                            "calendar add-working-days", "calendar add-working-hours"}) {
    EXPECT_THAT(commands, ::testing::Contains(words));
  }
}

TEST(HubctlHelpTest, EveryCommandPrintsItsUsageAndExitsZero) {
  for (const std::string& words : Commands()) {
    SCOPED_TRACE(words);
    for (const char* help : {"--help", "-h"}) {
      const Result r = Hubctl(words + " " + help);
      EXPECT_EQ(r.code, 0) << r.err;
      EXPECT_THAT(r.out, StartsWith("usage: hubctl " + words + " "));
      EXPECT_THAT(r.out, HasSubstr("exit status: 0 ok"));
      EXPECT_THAT(r.err, IsEmpty());
    }
    // Anywhere after the command words, whatever else is there; and no
    // config is read (the file does not exist).
    const Result late = Hubctl(words + " --config /nonexistent/hub.textproto --frm x --help");
    EXPECT_EQ(late.code, 0) << late.err;
    EXPECT_THAT(late.out, StartsWith("usage: hubctl " + words + " "));
    EXPECT_THAT(late.err, IsEmpty());
    // `hubctl help WORDS` prints the same.
    EXPECT_EQ(Hubctl("help " + words).out, Hubctl(words + " --help").out);
  }
}

TEST(HubctlHelpTest, EveryCommandWithSubcommandsListsThem) {
  for (const std::string& group : Groups()) {
    SCOPED_TRACE(group);
    const Result r = Hubctl(group + " --help");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.err, IsEmpty());
    for (const std::string& words : Commands()) {
      if (absl::StartsWith(words, group + " ")) {
        EXPECT_THAT(r.out, HasSubstr(UsageLine(words) + "\n"));
      }
    }
  }
}

TEST(HubctlHelpTest, TopLevelHelpHasEveryUsageLine) {
  for (const char* help : {"--help", "-h", "help"}) {
    const Result r = Hubctl(help);
    EXPECT_EQ(r.code, 0);
    EXPECT_THAT(r.err, IsEmpty());
    for (const std::string& words : Commands()) {
      const std::string usage = UsageLine(words);
      ASSERT_THAT(usage, StartsWith("hubctl " + words));
      EXPECT_THAT(r.out, HasSubstr("  " + usage + "\n")) << words;
    }
  }
}

// The README's hubctl section is `hubctl --help`, line for line.
TEST(HubctlHelpTest, ReadmeRepeatsTheHelp) {
  const std::string readme = ReadFile(std::string(CRE_TEST_SOURCE_ROOT) + "/README.md");
  const std::string start = "## hubctl\n\n```\n";
  const size_t begin = readme.find(start);
  ASSERT_NE(begin, std::string::npos);
  const size_t text = begin + start.size();
  const size_t end = readme.find("```\n", text);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(readme.substr(text, end - text), Hubctl("--help").out)
      << "update README.md's hubctl section with the output of hubctl --help";
}

TEST(HubctlHelpTest, NoCommandPrintsTheHelpToStderrAndExitsTwo) {
  const Result r = Hubctl("");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_EQ(r.err, Hubctl("--help").out);
}

TEST(HubctlHelpTest, UnknownCommandIsNamed) {
  for (const char* args : {"frobnicate", "frobnicate --help", "help frobnicate"}) {
    const Result r = Hubctl(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, HasSubstr("unknown command frobnicate; see hubctl --help"));
  }
  const Result flag = Hubctl("--frm migrate");
  EXPECT_EQ(flag.code, 2);
  EXPECT_THAT(flag.err, HasSubstr("unknown flag --frm"));
}

TEST(HubctlHelpTest, UnknownOrMissingSubcommandIsNamed) {
  ASSERT_THAT(Groups(), ::testing::Not(IsEmpty()));
  for (const std::string& group : Groups()) {
    SCOPED_TRACE(group);
    Result r = Hubctl(group + " frob --config x");
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, HasSubstr("unknown subcommand frob for \"" + group + "\""));
    EXPECT_THAT(r.err, HasSubstr("see hubctl " + group + " --help"));
    r = Hubctl(group);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.err, HasSubstr("missing subcommand for \"" + group + "\""));
  }
}

TEST(HubctlHelpTest, UnknownFlagIsNamedForEveryCommand) {
  for (const std::string& words : Commands()) {
    SCOPED_TRACE(words);
    for (const std::string flag : {"--frm", "--frm=2026-01-01T00:00:00Z", "-x"}) {
      const Result r = Hubctl(words + " --config /nonexistent/hub.textproto " + flag);
      EXPECT_EQ(r.code, 2) << r.err;
      EXPECT_THAT(r.out, IsEmpty());
      const std::string name = flag.substr(0, flag.find('='));
      // --config is itself unknown to the commands that take no config.
      EXPECT_THAT(r.err, ::testing::AnyOf(HasSubstr("unknown flag " + name + " for \"" + words + "\""),
                                          HasSubstr("unknown flag --config for \"" + words + "\"")));
      EXPECT_THAT(r.err, HasSubstr("; see hubctl " + words + " --help"));
    }
  }
  const Result r = Hubctl("audit export --frm 2026-01-01T00:00:00Z --config x");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "hubctl: unknown flag --frm for \"audit export\"; see hubctl audit export --help\n");
}

// Each command's help marks its required flags; leaving one out is a usage
// error that names it, found before any config is read.
TEST(HubctlHelpTest, MissingRequiredFlagIsNamed) {
  int checked = 0;
  for (const std::string& words : Commands()) {
    const std::vector<std::string> lines = absl::StrSplit(Hubctl(words + " --help").out, '\n');
    std::vector<std::string> required;
    for (const std::string& line : lines) {
      if (!absl::StartsWith(line, "  --") || !absl::EndsWith(line, "(required)")) continue;
      required.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    for (const std::string& flag : required) {
      SCOPED_TRACE(words + " " + flag);
      // Every other required flag given (each takes a value), this one not.
      std::string others;
      for (const std::string& other : required) {
        if (other != flag) absl::StrAppend(&others, " ", other, " x");
      }
      const Result r = Hubctl(words + others);
      EXPECT_EQ(r.code, 2);
      EXPECT_THAT(r.out, IsEmpty());
      EXPECT_THAT(r.err, HasSubstr("missing " + flag));
      EXPECT_THAT(r.err, HasSubstr("see hubctl " + words + " --help"));
      ++checked;
    }
  }
  EXPECT_GE(checked, 7);  // --config of six commands, --case of pathway evaluate
}

TEST(HubctlHelpTest, BadValuesAndWordsAreUsageErrors) {
  struct Case {
    const char* args;
    const char* named;
  };
  for (const Case& c : std::vector<Case>{
           {"deliveries dead --config /nonexistent/hub.textproto --limit 0", "--limit"},
           {"deliveries requeue --config /nonexistent/hub.textproto --reason r --all 7", "--all"},
           {"deliveries requeue --config /nonexistent/hub.textproto --reason r seven", "ID"},
           {"audit verify --config /nonexistent/hub.textproto --anchor 12", "--anchor"},
           {"audit export --config /nonexistent/hub.textproto --from yesterday", "--from"},
           {"audit export --config", "--config needs a value"},
           {"migrate --config /nonexistent/hub.textproto --status=yes", "--status takes no value"},
           {"pathway evaluate --case /nonexistent/case.json --at tomorrow", "--at"},
           {"calendar holidays", "YEAR"},
           {"calendar holidays 2027 2028", "unexpected argument 2028"},
           {"calendar add-working-days 2026-02-30 1", "DATE"},
           {"calendar add-working-hours 2026-03-27T15:00:00Z many", "N"},
       }) {
    SCOPED_TRACE(c.args);
    const Result r = Hubctl(c.args);
    EXPECT_EQ(r.code, 2);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, HasSubstr(c.named));
    EXPECT_THAT(r.err, HasSubstr("--help"));
  }
}

// Not usage errors: the operation was tried and failed.
TEST(HubctlHelpTest, FailedOperationsExitOne) {
  for (const char* args : {"audit verify --config /nonexistent/hub.textproto",
                           "migrate --config /nonexistent/hub.textproto",
                           "pathway evaluate --case /nonexistent/case.json"}) {
    SCOPED_TRACE(args);
    const Result r = Hubctl(args);
    EXPECT_EQ(r.code, 1);
    EXPECT_THAT(r.err, HasSubstr("/nonexistent/"));
    EXPECT_THAT(r.err, ::testing::Not(HasSubstr("--help")));
  }
  EXPECT_EQ(Hubctl("calendar add-working-days 2026-05-26 -2").out, "2026-05-21 (Thursday 21 May 2026)\n");
}

}  // namespace
