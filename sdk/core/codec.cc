#include "kubecpp/core/codec.h"

#include "kubecpp/core/internal/base64.h"

namespace kube::codec {

Status InvalidStatus(std::string_view kind, std::string_view group, const std::string& name,
                     std::vector<StatusCause> causes) {
  std::string message = std::string(kind) + " \"" + name + "\" is invalid: ";
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i) message += ", ";
    message +=
        causes[i].field.empty() ? causes[i].message : causes[i].field + ": " + causes[i].message;
  }
  StatusDetails details;
  details.name = name;
  details.group = std::string(group);
  details.kind = std::string(kind);
  details.causes = std::move(causes);
  return InvalidError(std::move(message)).set_details(std::move(details));
}

Json EncBytes(const std::string& v) { return Json(internal::Base64Encode(v)); }

// Stricter than internal::Base64Decode, as Go's encoding/json is for []byte: padding is
// required and only line breaks are skipped.
Status DecBytes(const Json& in, std::string* path, std::string* out) {
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (in.is_null()) return Status();
  if (!in.is_string()) return JsonTypeError(*path, "string", in);
  const std::string& text = in.get_ref<const std::string&>();
  std::string bytes;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0, digits = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const char* pos = c == '\0' ? nullptr : std::char_traits<char>::find(kBase64, 64, c);
    if (pos == nullptr || pad > 0) return BadRequestError(*path + ": illegal base64 data");
    acc = (acc << 6) | static_cast<uint32_t>(pos - kBase64);
    bits += 6;
    ++digits;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if ((digits + pad) % 4 != 0 || pad > 2) return BadRequestError(*path + ": illegal base64 data");
  *out = std::move(bytes);
  return Status();
}

}  // namespace kube::codec
