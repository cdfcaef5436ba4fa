#include "kubecpp/core/yaml.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace kube {
namespace {

bool In(std::string_view s, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), s) != options.end();
}

// Parses an integer in base 10/16/8/2 with optional sign and '_' separators, as
// go-yaml v2 does; nullopt when `s` is not an integer literal.
std::optional<Json> ResolveInt(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    i = 1;
  }
  int base = 10;
  std::string_view body = std::string_view(digits).substr(i);
  if (body.starts_with("0x")) {
    base = 16;
    body.remove_prefix(2);
  } else if (body.starts_with("0o")) {
    base = 8;
    body.remove_prefix(2);
  } else if (body.starts_with("0b")) {
    base = 2;
    body.remove_prefix(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;  // YAML 1.1 octal
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  for (char c : body) {
    int d = std::isdigit(static_cast<unsigned char>(c))    ? c - '0'
            : std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                           : 99;
    if (d >= base) return std::nullopt;
  }
  errno = 0;
  std::string text(body);
  unsigned long long magnitude = std::strtoull(text.c_str(), nullptr, base);
  if (errno == ERANGE) return std::nullopt;
  if (negative) {
    if (magnitude > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) {
      return std::nullopt;
    }
    return Json(magnitude == 0 ? int64_t{0} : -static_cast<int64_t>(magnitude - 1) - 1);
  }
  if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
    return Json(static_cast<int64_t>(magnitude));
  }
  return Json(static_cast<uint64_t>(magnitude));
}

// A YAML 1.1 float ("1.5", "-2e3", ".5", "1."); nullopt otherwise. .inf and .nan
// have no JSON form and stay strings.
std::optional<Json> ResolveFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool digits = false, dot = false, exp = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '_' && digits)) {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) ++i;
      if (i + 1 >= s.size()) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!digits || (!dot && !exp)) return std::nullopt;
  std::string text;
  for (char c : s) {
    if (c != '_') text += c;
  }
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return Json(v);
}

Json ResolvePlainScalar(const std::string& s) {
  if (In(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (In(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})) {
    return true;
  }
  if (In(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})) {
    return false;
  }
  if (auto i = ResolveInt(s)) return *i;
  if (auto f = ResolveFloat(s)) return *f;
  return s;
}

std::string Where(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

Status Convert(const YAML::Node& node, Json* out) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      *out = nullptr;
      return Status();
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
      if (node.Tag() == "?") {
        *out = ResolvePlainScalar(node.Scalar());
      } else if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") {
        *out = node.Scalar();
      } else if (node.Tag() == "tag:yaml.org,2002:int" || node.Tag() == "tag:yaml.org,2002:float" ||
                 node.Tag() == "tag:yaml.org,2002:bool" || node.Tag() == "tag:yaml.org,2002:null") {
        *out = ResolvePlainScalar(node.Scalar());
      } else {
        *out = node.Scalar();  // unknown tags: keep the text
      }
      return Status();
    case YAML::NodeType::Sequence: {
      *out = Json::array();
      for (const auto& item : node) {
        Json j;
        KUBE_RETURN_IF_ERROR(Convert(item, &j));
        out->push_back(std::move(j));
      }
      return Status();
    }
    case YAML::NodeType::Map: {
      *out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return BadRequestError("YAML " + Where(kv.first.Mark()) +
                                 ": mapping keys must be scalars");
        }
        Json value;
        KUBE_RETURN_IF_ERROR(Convert(kv.second, &value));
        (*out)[kv.first.Scalar()] = std::move(value);
      }
      return Status();
    }
  }
  return InternalError("unknown YAML node type");
}

}  // namespace

Result<std::vector<Json>> ParseYamlDocuments(std::string_view yaml) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return BadRequestError("invalid YAML at " + Where(e.mark) + ": " + e.msg);
  }
  std::vector<Json> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    Json j;
    try {
      if (Status s = Convert(docs[i], &j); !s.ok())
        return s.Annotate("document " + std::to_string(i));
    } catch (const YAML::Exception& e) {
      return BadRequestError("invalid YAML at " + Where(e.mark) + ": " + e.msg);
    }
    if (!j.is_null()) out.push_back(std::move(j));
  }
  return out;
}

Result<Json> YamlToJson(std::string_view yaml) {
  auto docs = ParseYamlDocuments(yaml);
  if (!docs) return std::move(docs).error();
  if (docs->size() > 1) {
    return BadRequestError("expected one YAML document, found " + std::to_string(docs->size()));
  }
  if (docs->empty()) return Json(nullptr);
  return std::move(docs->front());
}

namespace {

void Emit(YAML::Emitter& out, const Json& j) {
  switch (j.type()) {
    case Json::value_t::object:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [k, v] : j.items()) {
        out << YAML::Key;
        if (ResolvePlainScalar(k).is_string()) {
          out << k;
        } else {
          out << YAML::DoubleQuoted << k;
        }
        out << YAML::Value;
        Emit(out, v);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& v : j) Emit(out, v);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      // Quote anything that would read back as null, a bool or a number.
      if (!ResolvePlainScalar(s).is_string()) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      return;
    }
    case Json::value_t::null:
      out << YAML::Null;
      return;
    default:
      out << j.dump();  // numbers and booleans: JSON text is valid YAML
      return;
  }
}

}  // namespace

std::string JsonToYaml(const Json& json) {
  YAML::Emitter out;
  Emit(out, json);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

}  // namespace kube
