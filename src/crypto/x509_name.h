// Internal to src/crypto: distinguished names as text.
#pragma once

#include <openssl/x509.h>

#include <string>

namespace coffer::crypto::internal {

// RFC 2253 form, most specific first ("CN=a,O=b,C=US"), with UTF-8 kept
// as is rather than escaped as \XX.
std::string DistinguishedName(const X509_NAME* name);

}  // namespace coffer::crypto::internal
