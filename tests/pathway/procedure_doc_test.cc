// docs/procedure.md states every rule the engine implements: each rule id of
// AllRules() has its row in "The rules", and each period of the policy is
// named there, so that a rule or a setting added later must be documented.
#include <fstream>
#include <sstream>
#include <string>

#include "cre/v1/policy.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "pathway/rules.h"
#include "test_support.h"

namespace cre::pathway {
namespace {

std::string ProcedureDoc() {
  std::ifstream in(testing::SourceRoot() + "/docs/procedure.md");
  EXPECT_TRUE(in) << "docs/procedure.md";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text of the "## <title>" section, up to the next "## ".
std::string Section(const std::string& doc, const std::string& title) {
  const size_t start = doc.find("\n## " + title + "\n");
  if (start == std::string::npos) return "";
  const size_t end = doc.find("\n## ", start + 1);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(ProcedureDocTest, EveryRuleHasItsRow) {
  const std::string rules = Section(ProcedureDoc(), "The rules");
  ASSERT_NE(rules, "") << "docs/procedure.md has no \"## The rules\" section";
  for (const RuleInfo& rule : AllRules()) {
    EXPECT_NE(rules.find(std::string("| `") + rule.id + "` |"), std::string::npos)
        << rule.id << " has no row in docs/procedure.md, The rules";
  }
}

TEST(ProcedureDocTest, EveryPolicySettingIsNamed) {
  const std::string doc = ProcedureDoc();
  const google::protobuf::Descriptor* policy = cre::v1::PathwayPolicy::descriptor();
  int periods = 0;
  for (int i = 0; i < policy->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = policy->field(i);
    if (field->message_type() == cre::v1::Period::descriptor()) ++periods;
    EXPECT_NE(doc.find("`" + field->name()), std::string::npos)
        << "policy field " << field->name() << " is not named in docs/procedure.md";
  }
  EXPECT_EQ(periods, kPeriodCount);
}

TEST(ProcedureDocTest, CitesItsSourcesAndTheEngineDoc) {
  const std::string doc = ProcedureDoc();
  for (const char* section :
       {"The procedure and its words", "Risk levels and recording", "Time", "The rules",
        "Actions evidenced by later steps", "Routing: who receives what",
        "Choices where the sources are silent or disagree", "Not implemented yet"}) {
    EXPECT_NE(Section(doc, section), "") << "no \"## " << section << "\"";
  }
  EXPECT_NE(doc.find("`000_ee3a76a7c1c0d66b.txt`"), std::string::npos);
  EXPECT_NE(doc.find("`004_d902b4e73809a6aa.txt`"), std::string::npos);
  EXPECT_NE(doc.find("(pathway.md#actions-evidenced-by-later-steps)"), std::string::npos);
}

}  // namespace
}  // namespace cre::pathway
