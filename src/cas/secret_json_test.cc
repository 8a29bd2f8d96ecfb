// The resolved configuration and the provisioning reply keep secrets in
// wiping types (STYLE.md point 5): checked on the types at compile time,
// and on what a test failure message would print.
#include "cas/secret_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cas/provisioning.h"
#include "common/encoding.h"

namespace coffer::cas {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Whatever a substitution can reach is SecretBytes.
static_assert(std::is_same_v<decltype(Configuration::command),
                             std::vector<crypto::SecretBytes>>);
static_assert(
    std::is_same_v<decltype(Configuration::environment),
                   std::vector<std::pair<std::string, crypto::SecretBytes>>>);
static_assert(
    std::is_same_v<decltype(ProvisionedFile::content), crypto::SecretBytes>);

// Every buffer of a SecretJson comes from the wiping allocator.
static_assert(std::is_same_v<SecretJson::string_t::allocator_type,
                             WipingAllocator<char>>);
static_assert(std::is_same_v<SecretJson::array_t::allocator_type,
                             WipingAllocator<SecretJson>>);
static_assert(
    std::is_same_v<SecretJson::object_t::allocator_type,
                   WipingAllocator<std::pair<const SecretString, SecretJson>>>);
static_assert(
    std::is_same_v<decltype(std::declval<SecretJson>().dump()), SecretString>);

crypto::SecretBytes Secret(std::string_view text) {
  return crypto::SecretBytes(AsBytes(text));
}

TEST(ResolvedConfigurationTest, PrintsNoSecretValue) {
  Configuration configuration;
  configuration.command.push_back(Secret("--key=hunter2hunter2"));
  configuration.environment.emplace_back("PASSWORD", Secret("hunter2hunter2"));
  configuration.files.push_back(ProvisionedFile{
      .path = "/run/keys", .content = Secret("hunter2hunter2")});

  // What gtest would put in a failure message, and what a log line of the
  // values would hold.
  const std::string printed =
      ::testing::PrintToString(configuration.command) +
      ::testing::PrintToString(configuration.environment) +
      configuration.files[0].content.ToString();
  EXPECT_THAT(printed, Not(HasSubstr("hunter2")));
  EXPECT_THAT(printed, HasSubstr("[secret 20 bytes]"));
  EXPECT_THAT(printed, HasSubstr("PASSWORD"));
  EXPECT_THAT(printed, HasSubstr("[secret 14 bytes]"));
}

TEST(SecretJsonTest, CarriesSecretBytesAsJsonStrings) {
  const crypto::SecretBytes secret = Secret("p\"w\\\n");
  const SecretJson reply{
      {"environment", SecretJson::array({SecretJson::array(
                          {"PASSWORD", SecretJsonString(secret)})})},
      {"pwd", std::string("/data")}};
  const SecretString text = reply.dump();
  EXPECT_EQ(std::string_view(text),
            R"({"environment":[["PASSWORD","p\"w\\\n"]],"pwd":"/data"})");

  const SecretJson parsed = SecretJson::parse(text, nullptr, false);
  ASSERT_TRUE(parsed.is_object());
  EXPECT_EQ(std::string_view(
                parsed["environment"][0][1].get_ref<const SecretString&>()),
            "p\"w\\\n");
  EXPECT_EQ(parsed["pwd"].get<std::string>(), "/data");
}

TEST(SecretJsonTest, AnswersThatAreNotJsonAreDiscarded) {
  EXPECT_TRUE(SecretJson::parse("{\"a\":", nullptr, false).is_discarded());
}

}  // namespace
}  // namespace coffer::cas
