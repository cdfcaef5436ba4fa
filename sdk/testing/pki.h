// Test PKI: certificate authorities and certificates made on the fly with OpenSSL, so
// TLS tests use real certificates without files checked into the repository.
//
// Keys are ECDSA P-256; certificates are valid from an hour ago for a year.
//
// Thread-safety: thread-safe (no shared state).
#ifndef KUBECPP_TESTING_PKI_H_
#define KUBECPP_TESTING_PKI_H_

#include <string>
#include <vector>

#include "kubecpp/core/result.h"

namespace kube::testing {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed CA certificate with `common_name`.
[[nodiscard]] Result<KeyPair> GenerateCa(const std::string& common_name);

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> organizations;  // subject O values (Kubernetes groups)
  std::vector<std::string> dns_names;      // SAN DNS entries
  std::vector<std::string> ip_addresses;   // SAN IP entries ("127.0.0.1", "::1")
  bool server = true;                      // serverAuth; false: clientAuth
  bool ca = false;  // an intermediate CA (CA:TRUE, keyCertSign) instead of a leaf
};

// A certificate for `request`, signed by `ca`.
[[nodiscard]] Result<KeyPair> IssueCertificate(const KeyPair& ca,
                                               const CertificateRequest& request);

}  // namespace kube::testing

#endif  // KUBECPP_TESTING_PKI_H_
