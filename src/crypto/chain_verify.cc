#include "crypto/chain_verify.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>

#include "crypto/openssl_errors.h"
#include "crypto/openssl_handles.h"
#include "crypto/x509_name.h"

namespace coffer::crypto {
namespace {

std::string SubjectOf(const X509* certificate) {
  if (certificate == nullptr) return "no certificate";
  return internal::DistinguishedName(X509_get_subject_name(certificate));
}

}  // namespace
Status VerifyChain(const Certificate& leaf,
                   std::span<const Certificate> intermediates,
                   std::span<const Certificate> trusted_roots,
                   std::chrono::system_clock::time_point now,
                   std::optional<CertificatePurpose> purpose,
                   std::span<const Crl> crls) {
  const std::string context = "certificate chain of \"" + leaf.subject() + "\"";
  if (trusted_roots.empty()) {
    return InvalidArgumentError(context +
                                " cannot be verified: no trusted roots given");
  }
  internal::ClearOpenSslErrors();
  const auto fail = [&context](std::string_view step) {
    return InternalError(context + ": " + std::string(step) + ": " +
                         internal::TakeOpenSslError());
  };

  // The store, the stacks and the context are declared in this order so
  // that the context, which borrows the others, is destroyed first.
  internal::X509StorePtr store(X509_STORE_new());
  if (store == nullptr) return fail("allocating a store");
  for (const Certificate& root : trusted_roots) {
    // The store takes its own reference.
    if (X509_STORE_add_cert(store.get(), root.native()) != 1) {
      return fail("adding a trusted root");
    }
  }
  internal::X509StackPtr untrusted(sk_X509_new_null());
  if (untrusted == nullptr) return fail("allocating a stack");
  for (const Certificate& intermediate : intermediates) {
    if (X509_add_cert(untrusted.get(), intermediate.native(),
                      X509_ADD_FLAG_UP_REF) != 1) {
      return fail("adding an intermediate");
    }
  }
  internal::X509CrlStackPtr crl_stack(sk_X509_CRL_new_null());
  if (crl_stack == nullptr) return fail("allocating a stack");
  for (const Crl& crl : crls) {
    X509_CRL_up_ref(crl.native());
    if (sk_X509_CRL_push(crl_stack.get(), crl.native()) <= 0) {
      X509_CRL_free(crl.native());
      return fail("adding a CRL");
    }
  }

  internal::X509StoreCtxPtr verify(X509_STORE_CTX_new());
  if (verify == nullptr ||
      X509_STORE_CTX_init(verify.get(), store.get(), leaf.native(),
                          untrusted.get()) != 1) {
    return fail("initialising verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(verify.get());
  // Sets X509_V_FLAG_USE_CHECK_TIME: all validity checks use `now`.
  X509_VERIFY_PARAM_set_time(
      param, std::chrono::system_clock::to_time_t(
                 std::chrono::floor<std::chrono::seconds>(now)));
  if (!crls.empty()) {
    // The context only borrows the stack (set0 here takes no ownership).
    X509_STORE_CTX_set0_crls(verify.get(), crl_stack.get());
    X509_VERIFY_PARAM_set_flags(
        param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  if (purpose.has_value() &&
      X509_STORE_CTX_set_purpose(verify.get(),
                                 *purpose == CertificatePurpose::kServerAuth
                                     ? X509_PURPOSE_SSL_SERVER
                                     : X509_PURPOSE_SSL_CLIENT) != 1) {
    return fail("setting the purpose");
  }

  const int verified = X509_verify_cert(verify.get());
  const int error = X509_STORE_CTX_get_error(verify.get());
  if (verified == 1) {
    internal::ClearOpenSslErrors();
    return OkStatus();
  }
  if (error == X509_V_OK) return fail("verification could not run");
  internal::ClearOpenSslErrors();
  const int depth = X509_STORE_CTX_get_error_depth(verify.get());
  return UnauthenticatedError(
      context + " does not verify: at depth " + std::to_string(depth) + " (\"" +
      SubjectOf(X509_STORE_CTX_get_current_cert(verify.get())) +
      "\"): " + X509_verify_cert_error_string(error));
}

}  // namespace coffer::crypto
