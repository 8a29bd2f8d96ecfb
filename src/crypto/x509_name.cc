#include "crypto/x509_name.h"

#include "crypto/memory_bio.h"
#include "crypto/openssl_errors.h"

namespace coffer::crypto::internal {

std::string DistinguishedName(const X509_NAME* name) {
  BioPtr bio = WritableBio(/*secure=*/false);
  if (bio == nullptr ||
      X509_NAME_print_ex(bio.get(), name, 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    DieBecauseLibcryptoFailed("print a distinguished name");
  }
  return BioText(bio.get());
}

}  // namespace coffer::crypto::internal
