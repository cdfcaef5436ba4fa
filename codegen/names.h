// Naming rules of kube-codegen: JSON names to C++ identifiers.
//
// Field names become snake_case ("resourceVersion" -> "resource_version", "podIP" ->
// "pod_ip"); characters that cannot appear in an identifier become '_' and are
// collapsed ("x-foo" -> "x_foo", "$ref" -> "ref"); a name that is a C++ keyword or a
// macro of the C library gets a trailing '_' ("namespace" -> "namespace_"); a leading
// digit gets an "f_" prefix. Type names are PascalCase. Collisions are resolved by the
// caller with UniqueName().
//
// Thread-safety: stateless functions; thread-safe.
#ifndef KUBECPP_CODEGEN_NAMES_H_
#define KUBECPP_CODEGEN_NAMES_H_

#include <set>
#include <string>
#include <string_view>

namespace kube::codegen {

// True for C++20 keywords, alternative tokens and names the C library defines as
// macros (major, minor, errno, ...).
bool IsReserved(std::string_view name);

// "resourceVersion" -> "resource_version"; escaped as described above.
std::string FieldName(std::string_view json_name);

// "resourceVersion" -> "ResourceVersion", "x-foo" -> "XFoo", "" -> "Empty".
std::string TypeName(std::string_view json_name);

// "OnFailure" -> "kOnFailure", "25%" -> "k25", "" -> "kEmpty".
std::string EnumeratorName(std::string_view value);

// `base`, or `base` + suffix + N (N = 2, 3, ...) when that is taken; the result is
// added to `taken`.
std::string UniqueName(const std::string& base, std::string_view suffix,
                       std::set<std::string>* taken);

// A C++ string literal (with quotes) holding `text`.
std::string CppString(std::string_view text);

}  // namespace kube::codegen

#endif  // KUBECPP_CODEGEN_NAMES_H_
