# src/cas/secrets: owned by the secrets piece; see src/cas/CMakeLists.txt
# The secrets engine: typed secret values and their sealed form, generation
# and keeping on update, formats for substitutions, exports.
add_library(coffer_cas_secrets
  secret_format.cc
  secret_values.cc
  secrets_engine.cc
)
target_link_libraries(coffer_cas_secrets
  PUBLIC coffer_common coffer_crypto coffer_policy
  PRIVATE nlohmann_json::nlohmann_json)

coffer_test(cas_secrets_test
  SOURCES secret_format_test.cc secret_values_test.cc secrets_engine_test.cc
  LIBS coffer_cas_secrets)
