#include "policy/substitution.h"

#include <gtest/gtest.h>

namespace coffer::policy {
namespace {

TEST(SubstitutionTest, FindsCofferAndSconeSpellings) {
  FoundReferences f = FindSecretReferences(
      "a $$COFFER::k:hex$$ b $$SCONE::c.crt$$ $$SCONE::d:privatekey$$ "
      "$$SCONE::e$$ $$COFFER::x:crt:der$$");
  ASSERT_TRUE(f.errors.empty());
  ASSERT_EQ(f.references.size(), 5u);
  EXPECT_EQ(f.references[0].name, "k");
  EXPECT_EQ(f.references[0].format, SecretFormat::kHex);
  EXPECT_EQ(f.references[0].offset, 2u);
  EXPECT_EQ(f.references[1].name, "c");
  EXPECT_EQ(f.references[1].format, SecretFormat::kCrt);
  EXPECT_EQ(f.references[2].format, SecretFormat::kKey);
  EXPECT_EQ(f.references[3].format, SecretFormat::kDefault);
  EXPECT_EQ(f.references[4].format, SecretFormat::kDer);
}

TEST(SubstitutionTest, ReportsMalformedReferences) {
  FoundReferences f =
      FindSecretReferences("$$COFFER::$$ $$COFFER::a:bogus$$ $$SCONE::open");
  ASSERT_EQ(f.errors.size(), 3u);
  EXPECT_EQ(f.errors[0].message, "secret substitution names no secret");
  EXPECT_EQ(f.errors[1].message.substr(0, 24), "unknown format \"bogus\" i");
  EXPECT_EQ(f.errors[2].message, "secret substitution is not closed with $$");
}

TEST(SubstitutionTest, SubstitutesEveryReference) {
  StatusOr<std::string> out = SubstituteSecrets(
      "1;$$COFFER::k:hex$$;$$SCONE::n$$!", [](const SecretReference& ref) {
        return StatusOr<std::string>(ref.name + "/" +
                                     std::string(FormatName(ref.format)));
      });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "1;k/hex;n/default!");
  StatusOr<std::string> failed = SubstituteSecrets(
      "$$COFFER::k$$", [](const SecretReference&) -> StatusOr<std::string> {
        return NotFoundError("secret \"k\" is not available");
      });
  EXPECT_EQ(failed.status().message(), "secret \"k\" is not available");
}

}  // namespace
}  // namespace coffer::policy
