// unique_ptr owners for OpenSSL objects.
//
// Every OpenSSL object src/crypto creates is held by exactly one of these
// from the moment it is allocated, so early returns on errors never leak.
// Other parts use the wrapper classes (PrivateKey, Certificate, ...); only
// code that must hand objects to libssl itself (src/net) needs these.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace coffer::crypto::internal {

template <auto FreeFunction>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* object) const {
    FreeFunction(object);
  }
};

template <typename T, auto FreeFunction>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<FreeFunction>>;

using AsnIntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using AsnTimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using BigNumPtr = OpenSslPtr<BIGNUM, BN_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using EvpCipherCtxPtr = OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using EvpKdfCtxPtr = OpenSslPtr<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using EvpKdfPtr = OpenSslPtr<EVP_KDF, EVP_KDF_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using X509CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;

// Stacks free their elements too (the *_pop_free variants), so a stack owns
// what was pushed onto it.
inline void FreeGeneralNames(GENERAL_NAMES* names) {
  sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free);
}
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, FreeGeneralNames>;

inline void FreeX509Stack(STACK_OF(X509) * certificates) {
  sk_X509_pop_free(certificates, X509_free);
}
using X509StackPtr = OpenSslPtr<STACK_OF(X509), FreeX509Stack>;

inline void FreeCrlStack(STACK_OF(X509_CRL) * crls) {
  sk_X509_CRL_pop_free(crls, X509_CRL_free);
}
using X509CrlStackPtr = OpenSslPtr<STACK_OF(X509_CRL), FreeCrlStack>;

}  // namespace coffer::crypto::internal
