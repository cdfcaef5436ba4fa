#include "names.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>

namespace kube::codegen {
namespace {

constexpr std::string_view kReserved[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
    "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
    "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
    "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
    "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
    "while", "xor", "xor_eq",
    // Macros of the C library and common platforms.
    "major", "minor", "makedev", "errno", "assert", "NULL", "EOF", "stdin", "stdout", "stderr",
    "linux", "unix", "offsetof", "setjmp", "va_arg", "va_start", "va_end", "TRUE", "FALSE",
    // Names the generated code itself uses inside structs.
    "unknown_fields", "final", "override", "import", "module"};

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsReserved(std::string_view name) {
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

std::string FieldName(std::string_view json_name) {
  std::string out;
  for (size_t i = 0; i < json_name.size(); ++i) {
    char c = json_name[i];
    if (!IsIdentChar(c)) {
      out += '_';
      continue;
    }
    if (IsUpper(c)) {
      char prev = i > 0 ? json_name[i - 1] : '\0';
      char next = i + 1 < json_name.size() ? json_name[i + 1] : '\0';
      bool boundary = IsLower(prev) || IsDigit(prev) || (IsUpper(prev) && IsLower(next));
      if (boundary) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  // Collapse runs of '_' and trim them at both ends.
  std::string collapsed;
  for (char c : out) {
    if (c == '_' && (collapsed.empty() || collapsed.back() == '_')) continue;
    collapsed += c;
  }
  while (!collapsed.empty() && collapsed.back() == '_') collapsed.pop_back();
  if (collapsed.empty()) collapsed = "field";
  if (IsDigit(collapsed[0])) collapsed = "f_" + collapsed;
  if (IsReserved(collapsed)) collapsed += '_';
  return collapsed;
}

std::string TypeName(std::string_view json_name) {
  std::string out;
  bool upper_next = true;
  for (char c : json_name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper_next = true;
      continue;
    }
    if (upper_next && IsLower(c)) c = static_cast<char>(c - 'a' + 'A');
    upper_next = false;
    out += c;
  }
  if (out.empty()) return "Empty";
  if (IsDigit(out[0])) out = "T" + out;
  return out;
}

std::string EnumeratorName(std::string_view value) {
  std::string name = TypeName(value);
  if (name.size() > 1 && name[0] == 'T' && IsDigit(name[1])) name.erase(0, 1);
  return "k" + name;
}

std::string UniqueName(const std::string& base, std::string_view suffix,
                       std::set<std::string>* taken) {
  std::string name = base;
  for (int n = 2; taken->contains(name); ++n) {
    name = base + std::string(suffix) + std::to_string(n);
  }
  taken->insert(name);
  return name;
}

std::string CppString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace kube::codegen
