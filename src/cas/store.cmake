# src/cas/store: the sealed state store (SQLite). See store.h.
add_library(coffer_cas_store
  sqlite_handle.cc
  state_sealing.cc
  store.cc
)
target_link_libraries(coffer_cas_store PUBLIC coffer_common coffer_crypto SQLite::SQLite3)

coffer_test(cas_store_test SOURCES store_test.cc LIBS coffer_cas_store)

# The shared store on etcd (etcd_store.h) and its client, over HTTPS.
add_library(coffer_cas_etcd
  etcd_client.cc
  etcd_store.cc
)
target_link_libraries(coffer_cas_etcd
  PUBLIC coffer_cas_store coffer_net
  PRIVATE nlohmann_json::nlohmann_json)
