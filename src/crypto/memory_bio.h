// Internal to src/crypto: moving bytes in and out of OpenSSL memory BIOs.
//
// PEM and DER encoders write into a BIO. For anything that may hold key
// material the BIO is a "secure memory" BIO, whose buffer OpenSSL wipes when
// it is freed, and the bytes are copied straight into a SecretBytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/encoding.h"
#include "crypto/openssl_handles.h"
#include "crypto/secret.h"

namespace coffer::crypto::internal {

// A read-only BIO over `data`; it borrows `data`, which must outlive it.
// Null only when OpenSSL cannot allocate.
BioPtr ReadOnlyBio(std::span<const uint8_t> data);

// A writable BIO; `secure` selects a buffer that is wiped on free.
BioPtr WritableBio(bool secure);

// Copies what was written into `bio`.
Bytes BioContents(BIO* bio);
std::string BioText(BIO* bio);
SecretBytes BioSecret(BIO* bio);

}  // namespace coffer::crypto::internal
