# src/cas/store: the sealed state store (SQLite). See store.h.
add_library(coffer_cas_store
  sqlite_handle.cc
  store.cc
)
target_link_libraries(coffer_cas_store PUBLIC coffer_common coffer_crypto SQLite::SQLite3)

coffer_test(cas_store_test SOURCES store_test.cc LIBS coffer_cas_store)
