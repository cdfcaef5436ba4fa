// ASCII string helpers shared by kubecpp's modules (HTTP header names, resource
// names, file contents). Locale-independent on purpose. Private to kubecpp.
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CORE_INTERNAL_STRINGS_H_
#define KUBECPP_CORE_INTERNAL_STRINGS_H_

#include <algorithm>
#include <string>
#include <string_view>

namespace kube::internal {

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

// `s` without leading and trailing spaces, tabs, CRs and LFs.
inline std::string TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(kSpace);
  return std::string(s.substr(begin, end - begin + 1));
}

}  // namespace kube::internal

#endif  // KUBECPP_CORE_INTERNAL_STRINGS_H_
