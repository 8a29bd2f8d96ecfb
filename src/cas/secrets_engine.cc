#include "cas/secrets_engine.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "crypto/certificate.h"
#include "crypto/certificate_issuer.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/random.h"

namespace coffer::cas {
namespace {

using policy::Secret;
using policy::SecretKind;
using Usage = crypto::CertificateSpec::Usage;
using TimePoint = std::chrono::system_clock::time_point;

// X.520's upper bound for a commonName.
constexpr size_t kMaxCommonNameSize = 64;

std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  quoted += text;
  quoted += '"';
  return quoted;
}

std::string Context(const Secret& secret) {
  return "secret " + Quote(secret.name);
}

bool IsCertificate(SecretKind kind) {
  return kind == SecretKind::kX509 || kind == SecretKind::kX509Ca;
}

bool HasGeneratedValue(SecretKind kind) {
  return kind == SecretKind::kAscii || kind == SecretKind::kBinary ||
         kind == SecretKind::kPrivateKey || IsCertificate(kind);
}

crypto::KeyType ToCryptoKeyType(policy::KeyType type) {
  switch (type) {
    case policy::KeyType::kP256: return crypto::KeyType::kP256;
    case policy::KeyType::kP384: return crypto::KeyType::kP384;
    case policy::KeyType::kEd25519: return crypto::KeyType::kEd25519;
    case policy::KeyType::kRsa2048: return crypto::KeyType::kRsa2048;
    case policy::KeyType::kRsa3072: return crypto::KeyType::kRsa3072;
  }
  return crypto::KeyType::kP256;
}

Usage LeafUsage(const std::optional<policy::Endpoint>& endpoint) {
  if (!endpoint) return Usage::kServerAndClient;
  switch (*endpoint) {
    case policy::Endpoint::kServer: return Usage::kServer;
    case policy::Endpoint::kClient: return Usage::kClient;
    case policy::Endpoint::kServerAndClient: return Usage::kServerAndClient;
  }
  return Usage::kServerAndClient;
}

std::string_view UsageName(Usage usage) {
  switch (usage) {
    case Usage::kServer: return "server";
    case Usage::kClient: return "client";
    case Usage::kServerAndClient: return "server,client";
    case Usage::kSigning: return "signing";
    case Usage::kCa: return "ca";
  }
  return "unknown";
}

// The SHA-256 of length-prefixed fields, so that no two different field
// lists give the same input. "v1" versions the field list itself.
class Fingerprint {
 public:
  Fingerprint() { Add("v1"); }
  Fingerprint& Add(std::string_view field) {
    text_ += std::to_string(field.size());
    text_ += ':';
    text_ += field;
    return *this;
  }
  Fingerprint& AddList(const std::vector<std::string>& fields) {
    Add(std::to_string(fields.size()));
    for (const std::string& field : fields) Add(field);
    return *this;
  }
  std::string Hex() const { return HexEncode(crypto::Sha256(AsBytes(text_))); }

 private:
  std::string text_;
};

// The secrets that get a value, each after the secrets its `private_key`
// and `issuer` name (an iterative depth-first search: issuer chains in a
// hostile file may be long). Imported secrets come along as links only.
class DependencyOrder {
 public:
  explicit DependencyOrder(const policy::Session& session) : session_(session) {
    for (const Secret& secret : session.secrets) {
      by_name_.emplace(secret.name, &secret);
    }
  }

  const Secret* Find(std::string_view name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }

  StatusOr<std::vector<const Secret*>> Compute() const {
    enum class State { kNew, kOnPath, kDone };
    std::unordered_map<const Secret*, State> state;
    std::vector<const Secret*> order;
    for (const Secret& root : session_.secrets) {
      if (!HasGeneratedValue(root.kind) || state[&root] != State::kNew) {
        continue;
      }
      // Each entry: a secret and how many of its links were followed.
      std::vector<std::pair<const Secret*, int>> path = {{&root, 0}};
      state[&root] = State::kOnPath;
      while (!path.empty()) {
        const Secret* at = path.back().first;
        // Only certificates use their links.
        const int next = IsCertificate(at->kind) ? path.back().second++ : 2;
        const std::optional<std::string>* link = next == 0   ? &at->private_key
                                                 : next == 1 ? &at->issuer
                                                             : nullptr;
        if (link == nullptr) {
          state[at] = State::kDone;
          order.push_back(at);
          path.pop_back();
          continue;
        }
        if (!link->has_value()) continue;
        const Secret* target = Find(**link);
        if (target == nullptr) {
          return InvalidArgumentError(
              Context(*at) + ": " + (next == 0 ? "private_key " : "issuer ") +
              Quote(**link) + " is not a secret of this session");
        }
        if (!HasGeneratedValue(target->kind)) continue;  // reported later
        if (state[target] == State::kOnPath) {
          return InvalidArgumentError(Context(*at) +
                                      ": its issuers form a cycle");
        }
        if (state[target] == State::kNew) {
          state[target] = State::kOnPath;
          path.emplace_back(target, 0);
        }
      }
    }
    return order;
  }

 private:
  const policy::Session& session_;
  std::unordered_map<std::string_view, const Secret*> by_name_;
};

class Engine {
 public:
  Engine(const policy::Session& session, const SecretValues* previous,
         TimePoint now)
      : secrets_(session), previous_(previous), now_(now) {}

  StatusOr<SecretValues> Run() {
    COFFER_ASSIGN_OR_RETURN(std::vector<const Secret*> order,
                            secrets_.Compute());
    for (const Secret* secret : order) {
      COFFER_ASSIGN_OR_RETURN(SecretValue value, Make(*secret));
      values_.Set(secret->name, std::move(value));
    }
    return std::move(values_);
  }

 private:
  StatusOr<SecretValue> Make(const Secret& secret) {
    switch (secret.kind) {
      case SecretKind::kAscii:
      case SecretKind::kBinary: return MakeText(secret);
      case SecretKind::kPrivateKey: return MakePrivateKey(secret);
      case SecretKind::kX509Ca:
      case SecretKind::kX509: return MakeCertificate(secret);
      case SecretKind::kImported:
      case SecretKind::kUnimplemented:
      case SecretKind::kUnknown: break;
    }
    return InternalError(Context(secret) + " of kind " +
                         std::string(policy::SecretKindName(secret.kind)) +
                         " gets no value");
  }

  // The previous revision's value of a secret with this name and kind.
  const SecretValue* Previous(const Secret& secret) const {
    if (previous_ == nullptr) return nullptr;
    const SecretValue* value = previous_->Find(secret.name);
    return value != nullptr && value->kind == secret.kind ? value : nullptr;
  }

  StatusOr<SecretValue> MakeText(const Secret& secret) {
    SecretValue made;
    made.kind = secret.kind;
    const std::string_view kind = policy::SecretKindName(secret.kind);
    if (secret.value) {
      made.value = crypto::SecretBytes(AsBytes(*secret.value));
      made.spec_fingerprint = Fingerprint().Add(kind).Add("explicit").Hex();
      return made;
    }
    made.spec_fingerprint = Fingerprint()
                                .Add(kind)
                                .Add("generated")
                                .Add(std::to_string(secret.size))
                                .Hex();
    if (const SecretValue* kept = Previous(secret);
        kept != nullptr && kept->spec_fingerprint == made.spec_fingerprint) {
      return kept->Clone();
    }
    StatusOr<crypto::SecretBytes> random =
        secret.kind == SecretKind::kAscii
            ? crypto::RandomAsciiSecret(secret.size)
            : crypto::RandomSecret(secret.size);
    if (!random.ok()) return random.status().WithContext(Context(secret));
    made.value = std::move(random).value();
    return made;
  }

  // The previous revision's key of `secret`, if the policy keeps it: with
  // `migrate: true` and of the same type. A kept key that does not parse is
  // kDataLoss.
  StatusOr<std::optional<crypto::PrivateKey>> KeptKey(
      const Secret& secret, crypto::KeyType type) const {
    const SecretValue* previous = Previous(secret);
    if (!secret.migrate || previous == nullptr) return std::nullopt;
    StatusOr<crypto::PrivateKey> key =
        crypto::PrivateKey::FromDer(previous->value.span());
    if (!key.ok()) {
      return DataLossError(Context(secret) +
                           ": the private key to migrate from the previous "
                           "revision is corrupt");
    }
    if (key->type() != type) return std::nullopt;
    return std::optional<crypto::PrivateKey>(std::move(key).value());
  }

  StatusOr<crypto::PrivateKey> OwnKey(const Secret& secret) const {
    const crypto::KeyType type = ToCryptoKeyType(secret.key_type);
    COFFER_ASSIGN_OR_RETURN(std::optional<crypto::PrivateKey> kept,
                            KeptKey(secret, type));
    if (kept) return std::move(*kept);
    StatusOr<crypto::PrivateKey> key = crypto::PrivateKey::Generate(type);
    if (!key.ok()) return key.status().WithContext(Context(secret));
    return key;
  }

  StatusOr<SecretValue> MakePrivateKey(const Secret& secret) {
    COFFER_ASSIGN_OR_RETURN(crypto::PrivateKey key, OwnKey(secret));
    SecretValue made;
    made.kind = secret.kind;
    made.value = key.ToDer();
    made.spec_fingerprint = Fingerprint()
                                .Add(policy::SecretKindName(secret.kind))
                                .Add(policy::KeyTypeName(secret.key_type))
                                .Hex();
    return made;
  }

  // The value of the secret that `secret`'s `field` names, made earlier.
  StatusOr<const SecretValue*> Linked(const Secret& secret,
                                      std::string_view field,
                                      const std::string& target,
                                      SecretKind wanted) const {
    const std::string context =
        Context(secret) + ": " + std::string(field) + " " + Quote(target);
    const Secret* linked = secrets_.Find(target);
    if (linked == nullptr) {
      return InvalidArgumentError(context + " is not a secret of this session");
    }
    if (linked->kind == SecretKind::kImported) {
      return UnimplementedError(context +
                                " is imported; Coffer issues certificates only "
                                "with keys and CAs of the same session");
    }
    if (linked->kind != wanted) {
      return InvalidArgumentError(
          context + " is not " + std::string(policy::SecretKindName(wanted)) +
          " (it is " + std::string(policy::SecretKindName(linked->kind)) + ")");
    }
    const SecretValue* value = values_.Find(target);
    if (value == nullptr) {
      return InternalError(context + " has no value yet");
    }
    return value;
  }

  crypto::CertificateSpec Spec(const Secret& secret) const {
    crypto::CertificateSpec spec;
    spec.common_name = secret.common_name.value_or(secret.name.substr(
        0, std::min(secret.name.size(), kMaxCommonNameSize)));
    spec.dns_names = secret.dns_names;
    spec.ip_addresses = secret.ip_addresses;
    spec.usage = secret.kind == SecretKind::kX509Ca
                     ? Usage::kCa
                     : LeafUsage(secret.endpoint);
    spec.not_before = now_ - kCertificateBackdate;
    spec.valid_for = secret.valid_for + kCertificateBackdate;
    return spec;
  }

  // The previous certificate, if it was made from `fingerprint` and is
  // still valid at `now`.
  const SecretValue* KeptCertificate(const Secret& secret,
                                     const std::string& fingerprint) const {
    const SecretValue* previous = Previous(secret);
    if (previous == nullptr || previous->spec_fingerprint != fingerprint) {
      return nullptr;
    }
    // A certificate that does not parse is re-issued: it holds nothing that
    // cannot be made again.
    StatusOr<crypto::Certificate> certificate =
        crypto::Certificate::FromPem(previous->certificate_pem);
    if (!certificate.ok() || IsDueForRenewal(*certificate, now_)) {
      return nullptr;
    }
    return previous;
  }

  StatusOr<crypto::Certificate> Issue(const Secret& secret,
                                      const SecretValue* issuer,
                                      const crypto::PrivateKey& key,
                                      const crypto::CertificateSpec& spec) {
    if (issuer == nullptr) {
      return secret.kind == SecretKind::kX509Ca
                 ? crypto::MakeSelfSignedCa(key, spec)
                 : crypto::MakeSelfSignedLeaf(key, spec);
    }
    StatusOr<crypto::Certificate> issuer_certificate =
        crypto::Certificate::FromPem(issuer->certificate_pem);
    StatusOr<crypto::PrivateKey> issuer_key =
        crypto::PrivateKey::FromDer(issuer->value.span());
    if (!issuer_certificate.ok() || !issuer_key.ok()) {
      return DataLossError("the value of issuer " + Quote(*secret.issuer) +
                           " is corrupt");
    }
    return crypto::IssueCertificate(*issuer_certificate, *issuer_key,
                                    key.public_key(), spec);
  }

  StatusOr<SecretValue> MakeCertificate(const Secret& secret) {
    // The subject key: a private-key secret's, or the certificate's own.
    std::optional<crypto::PrivateKey> key;
    std::string key_source;
    if (secret.private_key) {
      COFFER_ASSIGN_OR_RETURN(const SecretValue* linked,
                              Linked(secret, "private_key", *secret.private_key,
                                     SecretKind::kPrivateKey));
      StatusOr<crypto::PrivateKey> parsed =
          crypto::PrivateKey::FromDer(linked->value.span());
      if (!parsed.ok()) {
        return DataLossError(Context(secret) + ": the value of private_key " +
                             Quote(*secret.private_key) + " is corrupt");
      }
      key = std::move(parsed).value();
      key_source = "private_key:" + *secret.private_key;
    } else {
      COFFER_ASSIGN_OR_RETURN(key, OwnKey(secret));
      key_source = "own:" + std::string(policy::KeyTypeName(secret.key_type));
    }
    const SecretValue* issuer = nullptr;
    if (secret.issuer) {
      COFFER_ASSIGN_OR_RETURN(issuer, Linked(secret, "issuer", *secret.issuer,
                                             SecretKind::kX509Ca));
    }

    const crypto::CertificateSpec spec = Spec(secret);
    SecretValue made;
    made.kind = secret.kind;
    made.value = key->ToDer();
    made.chain_pem =
        issuer == nullptr ? "" : issuer->certificate_pem + issuer->chain_pem;
    made.spec_fingerprint =
        Fingerprint()
            .Add(policy::SecretKindName(secret.kind))
            .Add(spec.common_name)
            .AddList(spec.dns_names)
            .AddList(spec.ip_addresses)
            .Add(UsageName(spec.usage))
            .Add(std::to_string(secret.valid_for.count()))
            .Add(key_source)
            .Add(secret.issuer.value_or(""))
            .Add(HexEncode(crypto::Sha256(key->PublicKeyDer())))
            .Add(issuer == nullptr ? "self-signed"
                                   : HexEncode(crypto::Sha256(
                                         AsBytes(issuer->certificate_pem))))
            .Hex();
    if (const SecretValue* kept =
            KeptCertificate(secret, made.spec_fingerprint)) {
      made.certificate_pem = kept->certificate_pem;
      return made;
    }
    StatusOr<crypto::Certificate> certificate =
        Issue(secret, issuer, *key, spec);
    if (!certificate.ok()) {
      return certificate.status().WithContext(Context(secret));
    }
    made.certificate_pem = certificate->ToPem();
    return made;
  }

  DependencyOrder secrets_;
  const SecretValues* previous_;
  TimePoint now_;
  SecretValues values_;
};

}  // namespace

StatusOr<SecretValues> GenerateSecrets(const policy::Session& session,
                                       const SecretValues* previous,
                                       TimePoint now) {
  return Engine(session, previous, now).Run();
}

namespace {

std::chrono::system_clock::time_point RenewalTime(
    const crypto::Certificate& certificate) {
  const auto lifetime = certificate.not_after() - certificate.not_before();
  return certificate.not_before() + lifetime * 2 / 3;
}

}  // namespace

bool IsDueForRenewal(const crypto::Certificate& certificate,
                     std::chrono::system_clock::time_point now) {
  return now >= RenewalTime(certificate);
}

std::chrono::system_clock::time_point NextRenewal(const SecretValues& values) {
  auto first = std::chrono::system_clock::time_point::max();
  for (const auto& [name, value] : values) {
    if (!value.HasCertificate()) continue;
    StatusOr<crypto::Certificate> certificate =
        crypto::Certificate::FromPem(value.certificate_pem);
    if (!certificate.ok()) return std::chrono::system_clock::time_point::min();
    first = std::min(first, RenewalTime(*certificate));
  }
  return first;
}

bool CertificatesDue(const SecretValues& values,
                     std::chrono::system_clock::time_point now) {
  return now >= NextRenewal(values);
}

}  // namespace coffer::cas
