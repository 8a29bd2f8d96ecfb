# src/cas/audit: the append-only, hash-chained, signed audit log
# (audit_log.h) and its independent verifier (audit_verify.h).
add_library(coffer_cas_audit
  audit_log.cc
  audit_verify.cc
)
target_link_libraries(coffer_cas_audit
  PUBLIC coffer_common coffer_crypto
  PRIVATE nlohmann_json::nlohmann_json)

coffer_test(cas_audit_test
  SOURCES audit_log_test.cc
  LIBS coffer_cas_audit nlohmann_json::nlohmann_json)
