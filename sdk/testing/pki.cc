#include "kubecpp/testing/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kube::testing {
namespace {

constexpr long kNotBeforeSeconds = -60L * 60;           // an hour ago
constexpr long kLifetimeSeconds = 365L * 24 * 60 * 60;  // a year

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using AsnOctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;

// The OpenSSL error queue as text, emptied.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Status SslError(const std::string& what) {
  return InternalError("pki: " + what + ": " + OpenSslErrors());
}

Result<PkeyPtr> NewKey() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return SslError("generating a P-256 key");
  return key;
}

Result<std::string> KeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return SslError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return SslError("writing the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> CertToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return SslError("BIO_new");
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return SslError("writing the certificate");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<PkeyPtr> KeyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return SslError("BIO_new_mem_buf");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return BadRequestError("pki: the CA private key PEM does not parse");
  }
  return key;
}

Result<X509Ptr> CertFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return SslError("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return BadRequestError("pki: the CA certificate PEM does not parse");
  }
  return cert;
}

// A certificate with version 3, a random 159-bit serial, the validity window, `key`'s
// public key, and a subject of CN (and O values).
Result<X509Ptr> NewCertificate(EVP_PKEY* key, const std::string& common_name,
                               const std::vector<std::string>& organizations) {
  X509Ptr cert(X509_new());
  if (!cert) return SslError("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return SslError("X509_set_version");

  BnPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return SslError("setting a random serial");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), kNotBeforeSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kLifetimeSeconds) == nullptr) {
    return SslError("setting the validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return SslError("X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_entry = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  for (const std::string& org : organizations) {
    if (!add_entry("O", org)) return SslError("adding subject O=" + org);
  }
  if (!common_name.empty() && !add_entry("CN", common_name)) {
    return SslError("adding subject CN=" + common_name);
  }
  return cert;
}

// Adds extension `nid` with the config-style `value` ("critical,CA:TRUE").
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return SslError(std::string("adding extension ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return Status();
}

// Adds subjectAltName from DNS names and IP addresses.
Status AddSubjectAltNames(X509* cert, const CertificateRequest& request) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return SslError("sk_GENERAL_NAME_new_null");
  for (const std::string& dns : request.dns_names) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    if (gn == nullptr || ia5 == nullptr ||
        ASN1_STRING_set(ia5, dns.data(), static_cast<int>(dns.size())) != 1) {
      GENERAL_NAME_free(gn);
      ASN1_IA5STRING_free(ia5);
      return SslError("building SAN DNS:" + dns);
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
      GENERAL_NAME_free(gn);
      return SslError("sk_GENERAL_NAME_push");
    }
  }
  for (const std::string& ip : request.ip_addresses) {
    AsnOctetPtr octets(a2i_IPADDRESS(ip.c_str()));
    if (!octets) {
      ERR_clear_error();
      return BadRequestError("pki: not an IP address: \"" + ip + "\"");
    }
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (gn == nullptr) return SslError("GENERAL_NAME_new");
    GENERAL_NAME_set0_value(gn, GEN_IPADD, octets.release());
    if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
      GENERAL_NAME_free(gn);
      return SslError("sk_GENERAL_NAME_push");
    }
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return Status();
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return SslError("adding subjectAltName");
  }
  return Status();
}

Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return SslError("signing the certificate");
  return Status();
}

Result<KeyPair> ToKeyPair(X509* cert, EVP_PKEY* key) {
  auto cert_pem = CertToPem(cert);
  if (!cert_pem) return cert_pem.error();
  auto key_pem = KeyToPem(key);
  if (!key_pem) return key_pem.error();
  return KeyPair{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace

Result<KeyPair> GenerateCa(const std::string& common_name) {
  auto key = NewKey();
  if (!key) return key.error();
  auto cert = NewCertificate(key->get(), common_name, {});
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) {
    return SslError("X509_set_issuer_name");
  }
  KUBE_RETURN_IF_ERROR(AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE"));
  KUBE_RETURN_IF_ERROR(
      AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"));
  KUBE_RETURN_IF_ERROR(AddExtension(c, c, NID_subject_key_identifier, "hash"));
  KUBE_RETURN_IF_ERROR(Sign(c, key->get()));
  return ToKeyPair(c, key->get());
}

Result<KeyPair> IssueCertificate(const KeyPair& ca, const CertificateRequest& request) {
  auto ca_cert = CertFromPem(ca.cert_pem);
  if (!ca_cert) return ca_cert.error();
  auto ca_key = KeyFromPem(ca.key_pem);
  if (!ca_key) return ca_key.error();
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1) {
    ERR_clear_error();
    return BadRequestError("pki: the CA private key does not match its certificate");
  }

  auto key = NewKey();
  if (!key) return key.error();
  auto cert = NewCertificate(key->get(), request.common_name, request.organizations);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get())) != 1) {
    return SslError("X509_set_issuer_name");
  }
  if (request.ca) {
    KUBE_RETURN_IF_ERROR(
        AddExtension(c, ca_cert->get(), NID_basic_constraints, "critical,CA:TRUE"));
    KUBE_RETURN_IF_ERROR(
        AddExtension(c, ca_cert->get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
    // Certificates it issues name it by this identifier (authorityKeyIdentifier).
    KUBE_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_subject_key_identifier, "hash"));
  } else {
    KUBE_RETURN_IF_ERROR(
        AddExtension(c, ca_cert->get(), NID_basic_constraints, "critical,CA:FALSE"));
    KUBE_RETURN_IF_ERROR(
        AddExtension(c, ca_cert->get(), NID_key_usage, "critical,digitalSignature"));
    KUBE_RETURN_IF_ERROR(AddExtension(c, ca_cert->get(), NID_ext_key_usage,
                                      request.server ? "serverAuth" : "clientAuth"));
  }
  KUBE_RETURN_IF_ERROR(
      AddExtension(c, ca_cert->get(), NID_authority_key_identifier, "keyid:always"));
  KUBE_RETURN_IF_ERROR(AddSubjectAltNames(c, request));
  KUBE_RETURN_IF_ERROR(Sign(c, ca_key->get()));
  return ToKeyPair(c, key->get());
}

}  // namespace kube::testing
