# src/cas client side: the owner's configuration directory, the CAS API
# client and the check of a CAS's evidence (client_config.h, cas_client.h,
# evidence_check.h). Used by the CLI now and by the runtime later.
find_package(Threads REQUIRED)

add_library(coffer_cas_client
  ${CMAKE_CURRENT_LIST_DIR}/cas_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/client_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/evidence_check.cc
)
target_link_libraries(coffer_cas_client
  PUBLIC coffer_net coffer_policy coffer_attest coffer_las coffer_crypto
         coffer_common
  PRIVATE nlohmann_json::nlohmann_json)

coffer_test(cas_client_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/cas_client_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/client_config_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/evidence_check_test.cc
    # A fake CAS on 127.0.0.1 with real TLS, and cached test keys.
    ${CMAKE_SOURCE_DIR}/src/net/test_support.cc
    ${CMAKE_SOURCE_DIR}/src/crypto/test_pki.cc
    # Temporary directories.
    ${CMAKE_SOURCE_DIR}/src/las/running_las.cc
    ${CMAKE_SOURCE_DIR}/src/las/test_util.cc
  LIBS coffer_cas_client OpenSSL::SSL Threads::Threads
       nlohmann_json::nlohmann_json)
