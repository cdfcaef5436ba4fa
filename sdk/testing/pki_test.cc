#include "kubecpp/testing/pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace kube::testing {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

X509Ptr ParseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

PkeyPtr ParseKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

// Verifies `leaf` against a store holding only `ca`, for `purpose`.
bool Verifies(const std::string& leaf_pem, const std::string& ca_pem,
              int purpose = X509_PURPOSE_SSL_SERVER) {
  X509Ptr leaf = ParseCert(leaf_pem);
  X509Ptr ca = ParseCert(ca_pem);
  if (!leaf || !ca) return false;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return ok;
}

// All subject entries of type `nid`.
std::vector<std::string> SubjectEntries(X509* cert, int nid) {
  std::vector<std::string> out;
  X509_NAME* name = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
  }
  return out;
}

CertificateRequest ServerRequest() {
  CertificateRequest request;
  request.common_name = "apiserver";
  request.dns_names = {"localhost", "kubernetes.default.svc"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  return request;
}

TEST(Pki, CaIsSelfSignedCaCertificate) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  X509Ptr cert = ParseCert(ca->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(SubjectEntries(cert.get(), NID_commonName), std::vector<std::string>{"test-ca"});
  EXPECT_TRUE(Verifies(ca->cert_pem, ca->cert_pem, X509_PURPOSE_ANY));
}

TEST(Pki, PemsParseBackAndKeyMatchesCertificate) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  auto leaf = IssueCertificate(*ca, ServerRequest());
  ASSERT_TRUE(leaf.ok()) << leaf.error();
  for (const KeyPair* pair : {&*ca, &*leaf}) {
    X509Ptr cert = ParseCert(pair->cert_pem);
    PkeyPtr key = ParseKey(pair->key_pem);
    ASSERT_TRUE(cert);
    ASSERT_TRUE(key);
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
    EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
    EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 256);
    EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  }
}

TEST(Pki, LeafVerifiesAgainstItsCa) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  auto leaf = IssueCertificate(*ca, ServerRequest());
  ASSERT_TRUE(leaf.ok()) << leaf.error();
  EXPECT_TRUE(Verifies(leaf->cert_pem, ca->cert_pem, X509_PURPOSE_SSL_SERVER));
  // A server certificate is not a client certificate.
  EXPECT_FALSE(Verifies(leaf->cert_pem, ca->cert_pem, X509_PURPOSE_SSL_CLIENT));
}

TEST(Pki, LeafDoesNotVerifyAgainstAnotherCa) {
  auto ca = GenerateCa("test-ca");
  auto other = GenerateCa("test-ca");  // same name, different key
  ASSERT_TRUE(ca.ok() && other.ok());
  auto leaf = IssueCertificate(*ca, ServerRequest());
  ASSERT_TRUE(leaf.ok()) << leaf.error();
  EXPECT_FALSE(Verifies(leaf->cert_pem, other->cert_pem));
}

TEST(Pki, ServerCertificateCarriesSubjectAltNames) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  auto leaf = IssueCertificate(*ca, ServerRequest());
  ASSERT_TRUE(leaf.ok()) << leaf.error();
  X509Ptr cert = ParseCert(leaf->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "kubernetes.default.svc", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_ip_asc(cert.get(), "10.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(SubjectEntries(cert.get(), NID_commonName), std::vector<std::string>{"apiserver"});
}

TEST(Pki, ClientCertificateCarriesCommonNameAndOrganizations) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  CertificateRequest request;
  request.common_name = "jane";
  request.organizations = {"system:masters", "devs"};
  request.server = false;
  auto leaf = IssueCertificate(*ca, request);
  ASSERT_TRUE(leaf.ok()) << leaf.error();
  X509Ptr cert = ParseCert(leaf->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(SubjectEntries(cert.get(), NID_commonName), std::vector<std::string>{"jane"});
  EXPECT_EQ(SubjectEntries(cert.get(), NID_organizationName),
            (std::vector<std::string>{"system:masters", "devs"}));
  EXPECT_TRUE(Verifies(leaf->cert_pem, ca->cert_pem, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(Verifies(leaf->cert_pem, ca->cert_pem, X509_PURPOSE_SSL_SERVER));
}

TEST(Pki, SerialsDiffer) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  auto a = IssueCertificate(*ca, ServerRequest());
  auto b = IssueCertificate(*ca, ServerRequest());
  ASSERT_TRUE(a.ok() && b.ok());
  X509Ptr ca_a = ParseCert(a->cert_pem);
  X509Ptr ca_b = ParseCert(b->cert_pem);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(ca_a.get()), X509_get0_serialNumber(ca_b.get())), 0);
}

TEST(Pki, RejectsBadInput) {
  auto ca = GenerateCa("test-ca");
  ASSERT_TRUE(ca.ok()) << ca.error();
  CertificateRequest bad_ip = ServerRequest();
  bad_ip.ip_addresses = {"not-an-ip"};
  auto leaf = IssueCertificate(*ca, bad_ip);
  ASSERT_FALSE(leaf.ok());
  EXPECT_EQ(leaf.error().code(), Code::kBadRequest);

  KeyPair garbage{"not a pem", ca->key_pem};
  auto from_garbage = IssueCertificate(garbage, ServerRequest());
  ASSERT_FALSE(from_garbage.ok());
  EXPECT_EQ(from_garbage.error().code(), Code::kBadRequest);
}

}  // namespace
}  // namespace kube::testing
