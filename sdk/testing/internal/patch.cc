#include "kubecpp/testing/internal/patch.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace kube::testing::internal {
namespace {

// ---------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------

Status PatchRejected() { return InvalidError(std::string(kPatchRejectedMessage)); }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// The name Go's encoding/json gives a JSON value's type in "cannot unmarshal" errors.
std::string_view GoJsonTypeName(const Json& j) {
  if (j.is_object()) return "object";
  if (j.is_array()) return "array";
  if (j.is_string()) return "string";
  if (j.is_boolean()) return "bool";
  if (j.is_number()) return "number";
  return "null";
}

// A value formatted as Go's %v formats the decoded interface{} (used in upstream's
// strategic-merge-patch messages): map[k:v ...] with sorted keys, [a b], bare strings.
std::string GoFormat(const Json& j) {
  if (j.is_object()) {
    std::string out = "map[";
    bool first = true;
    for (const auto& [key, value] : j.items()) {
      if (!first) out += " ";
      first = false;
      out += key + ":" + GoFormat(value);
    }
    return out + "]";
  }
  if (j.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out += " ";
      out += GoFormat(j[i]);
    }
    return out + "]";
  }
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "<nil>";
  return j.dump();
}

// ---------------------------------------------------------------------------------
// JSON Patch (RFC 6902)
// ---------------------------------------------------------------------------------

using Tokens = std::vector<std::string>;

// Splits a JSON pointer into unescaped reference tokens. "" is the whole document.
std::optional<Tokens> ParsePointer(std::string_view pointer) {
  Tokens tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return std::nullopt;
  std::size_t pos = 1;
  while (true) {
    std::size_t end = pointer.find('/', pos);
    std::string_view raw =
        pointer.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return std::nullopt;
      token += raw[i + 1] == '0' ? '~' : '/';
      ++i;
    }
    tokens.push_back(std::move(token));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return tokens;
}

// The array position `token` designates in an array of `size` elements. With
// `for_add`, "-" and `size` itself (the end) are valid too. Negative indices count
// from the end, as evanphx/json-patch (SupportNegativeIndices) allows.
std::optional<std::size_t> ArrayIndex(std::string_view token, std::size_t size, bool for_add) {
  if (token == "-") return for_add ? std::optional<std::size_t>(size) : std::nullopt;
  bool negative = !token.empty() && token.front() == '-';
  std::string_view digits = negative ? token.substr(1) : token;
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  const std::int64_t limit = static_cast<std::int64_t>(size) + (for_add ? 1 : 0);
  if (negative) value = limit - value;
  if (value < 0 || value >= limit) return std::nullopt;
  return static_cast<std::size_t>(value);
}

// The node `n` tokens down from `doc`, or nullptr when there is none.
Json* Walk(Json& doc, const Tokens& tokens, std::size_t n) {
  Json* node = &doc;
  for (std::size_t i = 0; i < n; ++i) {
    if (node->is_object()) {
      auto it = node->find(tokens[i]);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      std::optional<std::size_t> index = ArrayIndex(tokens[i], node->size(), false);
      if (!index) return nullptr;
      node = &(*node)[*index];
    } else {
      return nullptr;
    }
  }
  return node;
}

// One operation being applied; on failure `detail` explains it (evanphx wording).
class JsonPatchOp {
 public:
  JsonPatchOp(const Json& op, std::string* detail) : op_(op), detail_(detail) {}

  bool Apply(Json& doc) {
    auto kind_it = op_.find("op");
    std::string kind =
        kind_it != op_.end() && kind_it->is_string() ? kind_it->get<std::string>() : "unknown";
    kind_ = kind;
    if (kind == "add") return Add(doc);
    if (kind == "remove") return Remove(doc);
    if (kind == "replace") return Replace(doc);
    if (kind == "move") return Move(doc);
    if (kind == "copy") return Copy(doc);
    if (kind == "test") return Test(doc);
    return Fail("Unexpected kind: " + kind);
  }

 private:
  bool Fail(std::string detail) {
    *detail_ = std::move(detail);
    return false;
  }

  // Reads the pointer in member `member` ("path" or "from").
  bool ReadPointer(std::string_view member, Tokens* tokens, std::string* text) {
    auto it = op_.find(member);
    if (it == op_.end() || !it->is_string()) {
      return Fail(kind_ + " operation failed to decode " + std::string(member));
    }
    *text = it->get<std::string>();
    std::optional<Tokens> parsed = ParsePointer(*text);
    if (!parsed) return Fail(kind_ + " operation has an invalid JSON pointer: " + *text);
    *tokens = *std::move(parsed);
    return true;
  }

  bool ReadValue(const Json** value) {
    auto it = op_.find("value");
    if (it == op_.end()) return Fail(kind_ + " operation, missing value field");
    *value = &*it;
    return true;
  }

  bool AddAt(Json& doc, const Tokens& tokens, const std::string& path, Json value) {
    if (tokens.empty()) {
      doc = std::move(value);
      return true;
    }
    Json* parent = Walk(doc, tokens, tokens.size() - 1);
    if (parent == nullptr || (!parent->is_object() && !parent->is_array())) {
      return Fail(kind_ + " operation does not apply: doc is missing path: \"" + path + "\"");
    }
    const std::string& key = tokens.back();
    if (parent->is_object()) {
      (*parent)[key] = std::move(value);
      return true;
    }
    std::optional<std::size_t> index = ArrayIndex(key, parent->size(), true);
    if (!index)
      return Fail("Unable to access invalid index: " + key + ": invalid index referenced");
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
    return true;
  }

  bool RemoveAt(Json& doc, const Tokens& tokens, const std::string& path) {
    Json* parent = tokens.empty() ? nullptr : Walk(doc, tokens, tokens.size() - 1);
    if (parent == nullptr || (!parent->is_object() && !parent->is_array())) {
      return Fail(kind_ + " operation does not apply: doc is missing path: \"" + path + "\"");
    }
    const std::string& key = tokens.back();
    if (parent->is_object()) {
      if (parent->erase(key) == 0) {
        return Fail("error in remove for path: '" + path +
                    "': Unable to remove nonexistent key: " + key + ": missing value");
      }
      return true;
    }
    std::optional<std::size_t> index = ArrayIndex(key, parent->size(), false);
    if (!index)
      return Fail("Unable to access invalid index: " + key + ": invalid index referenced");
    parent->erase(*index);
    return true;
  }

  bool Add(Json& doc) {
    Tokens tokens;
    std::string path;
    const Json* value = nullptr;
    if (!ReadPointer("path", &tokens, &path) || !ReadValue(&value)) return false;
    return AddAt(doc, tokens, path, *value);
  }

  bool Remove(Json& doc) {
    Tokens tokens;
    std::string path;
    if (!ReadPointer("path", &tokens, &path)) return false;
    return RemoveAt(doc, tokens, path);
  }

  bool Replace(Json& doc) {
    Tokens tokens;
    std::string path;
    const Json* value = nullptr;
    if (!ReadPointer("path", &tokens, &path) || !ReadValue(&value)) return false;
    Json* target = Walk(doc, tokens, tokens.size());
    if (target == nullptr) {
      return Fail("replace operation does not apply: doc is missing key: " + path +
                  ": missing value");
    }
    *target = *value;
    return true;
  }

  bool Move(Json& doc) {
    Tokens from;
    Tokens to;
    std::string from_text;
    std::string to_text;
    if (!ReadPointer("from", &from, &from_text) || !ReadPointer("path", &to, &to_text)) {
      return false;
    }
    if (from == to) {
      if (Walk(doc, from, from.size()) == nullptr) {
        return Fail("move operation does not apply: doc is missing from path: " + from_text);
      }
      return true;
    }
    if (from.size() < to.size() && std::equal(from.begin(), from.end(), to.begin())) {
      return Fail("move operation does not apply: from " + from_text + " is a prefix of path " +
                  to_text);
    }
    Json* source = Walk(doc, from, from.size());
    if (source == nullptr) {
      return Fail("move operation does not apply: doc is missing from path: " + from_text);
    }
    Json value = std::move(*source);
    if (!RemoveAt(doc, from, from_text)) return false;
    return AddAt(doc, to, to_text, std::move(value));
  }

  bool Copy(Json& doc) {
    Tokens from;
    Tokens to;
    std::string from_text;
    std::string to_text;
    if (!ReadPointer("from", &from, &from_text) || !ReadPointer("path", &to, &to_text)) {
      return false;
    }
    Json* source = Walk(doc, from, from.size());
    if (source == nullptr) {
      return Fail("copy operation does not apply: doc is missing from path: " + from_text);
    }
    return AddAt(doc, to, to_text, *source);
  }

  bool Test(Json& doc) {
    Tokens tokens;
    std::string path;
    const Json* value = nullptr;
    if (!ReadPointer("path", &tokens, &path) || !ReadValue(&value)) return false;
    Json* target = Walk(doc, tokens, tokens.size());
    if (target == nullptr || *target != *value) {
      return Fail("testing value " + path + " failed: test failed");
    }
    return true;
  }

  const Json& op_;
  std::string* detail_;
  std::string kind_;
};

// ---------------------------------------------------------------------------------
// JSON merge patch (RFC 7386)
// ---------------------------------------------------------------------------------

Json MergePatchValue(const Json* target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json result = target != nullptr && target->is_object() ? *target : Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    auto it = result.find(key);
    Json merged = MergePatchValue(it != result.end() ? &*it : nullptr, value);
    result[key] = std::move(merged);
  }
  return result;
}

// ---------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kRetainKeysDirective = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";
constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder/";

// Upstream mergepatch error texts.
constexpr std::string_view kBadRetainKeys = "invalid patch format of retainKeys";
constexpr std::string_view kBadPrimitiveList = "invalid patch format of primitive list";
constexpr std::string_view kBadSetElementOrder = "invalid patch format of setElementOrder list";

enum class MapOutcome { kKeep, kDelete };

PatchStrategy StrategyOf(const PatchField* field) {
  return field != nullptr ? field->strategy : PatchStrategy::kDefault;
}
const PatchSchema* SchemaOf(const PatchField* field) {
  return field != nullptr ? field->schema.get() : nullptr;
}
std::string MergeKeyOf(const PatchField* field) {
  return field != nullptr ? field->merge_key : std::string();
}

Status NoMergeKeyError(const Json& element, std::string_view merge_key) {
  return BadRequestError("map: " + GoFormat(element) +
                         " does not contain declared merge key: " + std::string(merge_key));
}

Status BadPatchTypeError(const Json& directive, const Json& map) {
  return BadRequestError("unknown patch type: " + GoFormat(directive) +
                         " in map: " + GoFormat(map));
}

// What identifies a list element when ordering: its merge-key value for lists of
// objects, the element itself for scalars. nullptr when the key is missing.
const Json* IdentityOf(const Json& element, const std::string& merge_key) {
  if (merge_key.empty()) return &element;
  if (!element.is_object()) return nullptr;
  auto it = element.find(merge_key);
  return it != element.end() ? &*it : nullptr;
}

// Position of the element identified by `identity` in `list`, or -1.
std::ptrdiff_t IndexOf(const std::vector<Json>& list, const Json& identity,
                       const std::string& merge_key) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json* other = IdentityOf(list[i], merge_key);
    if (other != nullptr && *other == identity) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

// Orders a merged list as upstream's normalizeElementOrder does: the elements named
// by `patch_order` come in that order, the others ("server-only") keep their order in
// `server_order`, and the two runs are interleaved so that a server-only element stays
// in front of a patch element it preceded on the server.
// REQUIRES: every element of `merged` has its merge key.
std::vector<Json> NormalizeOrder(std::vector<Json> merged, const std::vector<Json>& patch_order,
                                 const std::vector<Json>& server_order,
                                 const std::string& merge_key) {
  std::vector<Json> patch_items;
  std::vector<Json> server_only;
  for (Json& item : merged) {
    const Json* id = IdentityOf(item, merge_key);
    if (IndexOf(patch_order, *id, merge_key) >= 0) {
      patch_items.push_back(std::move(item));
    } else {
      server_only.push_back(std::move(item));
    }
  }
  auto sort_by = [&merge_key](std::vector<Json>& items, const std::vector<Json>& order) {
    std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
      std::ptrdiff_t ia = IndexOf(order, *IdentityOf(a, merge_key), merge_key);
      std::ptrdiff_t ib = IndexOf(order, *IdentityOf(b, merge_key), merge_key);
      if (ia < 0) return false;  // unknown elements keep their place at the end
      return ib < 0 || ia < ib;
    });
  };
  sort_by(patch_items, patch_order);
  sort_by(server_only, server_order);

  std::vector<Json> out;
  out.reserve(patch_items.size() + server_only.size());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < server_only.size() && j < patch_items.size()) {
    std::ptrdiff_t li = IndexOf(server_order, *IdentityOf(server_only[i], merge_key), merge_key);
    std::ptrdiff_t ri = IndexOf(server_order, *IdentityOf(patch_items[j], merge_key), merge_key);
    if (li >= 0 && ri >= 0 && li < ri) {
      out.push_back(std::move(server_only[i++]));
    } else {
      out.push_back(std::move(patch_items[j++]));
    }
  }
  while (i < server_only.size()) out.push_back(std::move(server_only[i++]));
  while (j < patch_items.size()) out.push_back(std::move(patch_items[j++]));
  return out;
}

class StrategicMerger {
 public:
  // Merges `patch` into the object `original`. kDelete means the patch asked for the
  // map to go away (`$patch: delete`).
  Status MergeMap(Json& original, const Json& patch, const PatchSchema* schema,
                  MapOutcome* outcome) {
    *outcome = MapOutcome::kKeep;
    if (auto directive = patch.find(kDirectiveMarker); directive != patch.end()) {
      if (*directive == "replace") {
        Json rest = patch;
        rest.erase(std::string(kDirectiveMarker));
        Json replaced = Json::object();
        MapOutcome ignored;
        KUBE_RETURN_IF_ERROR(MergeMap(replaced, rest, schema, &ignored));
        original = std::move(replaced);
        return Status();
      }
      if (*directive == "delete") {
        original = Json::object();
        *outcome = MapOutcome::kDelete;
        return Status();
      }
      return BadPatchTypeError(*directive, patch);
    }

    KUBE_RETURN_IF_ERROR(ApplyRetainKeys(original, patch));

    std::set<std::string, std::less<>> ordered;
    KUBE_RETURN_IF_ERROR(ApplySetElementOrder(original, patch, schema, &ordered));

    std::vector<std::pair<std::string, const Json*>> delete_lists;
    for (const auto& [key, value] : patch.items()) {
      if (key == kRetainKeysDirective || StartsWith(key, kSetElementOrderPrefix) ||
          ordered.count(key) > 0) {
        continue;
      }
      if (StartsWith(key, kDeleteFromPrimitiveListPrefix)) {
        if (!value.is_array()) return BadRequestError(std::string(kBadPrimitiveList));
        delete_lists.emplace_back(key.substr(kDeleteFromPrimitiveListPrefix.size()), &value);
        continue;
      }
      if (value.is_null()) {
        original.erase(key);
        continue;
      }
      const PatchField* field = schema != nullptr ? schema->Find(key) : nullptr;
      auto it = original.find(key);
      if (it != original.end() && it->is_object() && value.is_object() &&
          StrategyOf(field) != PatchStrategy::kReplace) {
        MapOutcome child;
        KUBE_RETURN_IF_ERROR(MergeMap(*it, value, SchemaOf(field), &child));
        if (child == MapOutcome::kDelete) original.erase(key);
        continue;
      }
      if (it != original.end() && it->is_array() && value.is_array()) {
        Json merged;
        KUBE_RETURN_IF_ERROR(MergeList(*it, value, field, &merged));
        *it = std::move(merged);
        continue;
      }
      // Absent, null, of another type, or a scalar: the (cleaned) patch value wins.
      std::optional<Json> fresh;
      KUBE_RETURN_IF_ERROR(Fresh(value, field, &fresh));
      if (fresh) {
        original[key] = *std::move(fresh);
      } else {
        original.erase(key);
      }
    }

    for (const auto& [name, values] : delete_lists) {
      auto it = original.find(name);
      if (it == original.end() || !it->is_array()) continue;
      Json kept = Json::array();
      for (const Json& element : *it) {
        if (std::find(values->begin(), values->end(), element) == values->end()) {
          kept.push_back(element);
        }
      }
      *it = std::move(kept);
    }
    return Status();
  }

 private:
  // The value a patch value takes where the original has nothing to merge with:
  // the patch applied to an empty container, so directives and nulls never leak into
  // the object. nullopt when the value deletes itself (`$patch: delete`).
  Status Fresh(const Json& value, const PatchField* field, std::optional<Json>* out) {
    if (value.is_object()) {
      Json map = Json::object();
      MapOutcome outcome;
      KUBE_RETURN_IF_ERROR(MergeMap(map, value, SchemaOf(field), &outcome));
      if (outcome == MapOutcome::kDelete) {
        out->reset();
      } else {
        *out = std::move(map);
      }
      return Status();
    }
    if (value.is_array()) {
      Json merged;
      KUBE_RETURN_IF_ERROR(MergeList(Json::array(), value, field, &merged));
      *out = std::move(merged);
      return Status();
    }
    *out = value;
    return Status();
  }

  // `$retainKeys`: drops the original's keys the list does not name, after checking
  // that the patch only sets keys the list names.
  Status ApplyRetainKeys(Json& original, const Json& patch) {
    auto retain = patch.find(kRetainKeysDirective);
    if (retain == patch.end()) return Status();
    if (!retain->is_array()) return BadRequestError(std::string(kBadRetainKeys));
    std::set<std::string, std::less<>> keep;
    for (const Json& name : *retain) {
      if (name.is_string()) keep.insert(name.get<std::string>());
    }
    for (const auto& [key, value] : patch.items()) {
      if (value.is_null() || key == kRetainKeysDirective ||
          StartsWith(key, kDeleteFromPrimitiveListPrefix) ||
          StartsWith(key, kSetElementOrderPrefix)) {
        continue;
      }
      if (keep.count(key) == 0) return BadRequestError(std::string(kBadRetainKeys));
    }
    for (auto it = original.begin(); it != original.end();) {
      if (keep.count(it.key()) == 0) {
        it = original.erase(it);
      } else {
        ++it;
      }
    }
    return Status();
  }

  // `$setElementOrder/<field>`: merges <field> now and orders the result by the
  // directive's list. Adds the fields it handled to `*ordered`.
  Status ApplySetElementOrder(Json& original, const Json& patch, const PatchSchema* schema,
                              std::set<std::string, std::less<>>* ordered) {
    for (const auto& [key, order] : patch.items()) {
      if (!StartsWith(key, kSetElementOrderPrefix)) continue;
      if (!order.is_array()) return BadRequestError(std::string(kBadSetElementOrder));
      std::string name = key.substr(kSetElementOrderPrefix.size());
      const PatchField* field = schema != nullptr ? schema->Find(name) : nullptr;
      auto orig_it = original.find(name);
      auto patch_it = patch.find(name);
      bool has_original = orig_it != original.end() && orig_it->is_array();
      bool has_patch = patch_it != patch.end() && patch_it->is_array();
      if ((orig_it != original.end() && !has_original && !orig_it->is_null()) ||
          (patch_it != patch.end() && !has_patch)) {
        continue;  // not a list on one side: the regular merge decides
      }
      if (!has_original && !has_patch) continue;
      const std::string merge_key = MergeKeyOf(field);
      const bool merging = StrategyOf(field) == PatchStrategy::kMerge;
      if (merging && has_patch) {
        KUBE_RETURN_IF_ERROR(ValidateAgainstOrder(*patch_it, order, merge_key));
      }

      Json merged;
      if (has_patch) {
        KUBE_RETURN_IF_ERROR(
            MergeList(has_original ? *orig_it : Json::array(), *patch_it, field, &merged));
      } else {
        merged = *orig_it;
      }
      if (merging) {
        std::vector<Json> server_order;
        if (has_original) server_order.assign(orig_it->begin(), orig_it->end());
        std::vector<Json> patch_order(order.begin(), order.end());
        std::vector<Json> items(merged.begin(), merged.end());
        for (const Json& item : items) {
          if (IdentityOf(item, merge_key) == nullptr) return NoMergeKeyError(item, merge_key);
        }
        for (const Json& item : patch_order) {
          if (IdentityOf(item, merge_key) == nullptr) return NoMergeKeyError(item, merge_key);
        }
        merged = NormalizeOrder(std::move(items), patch_order, server_order, merge_key);
      }
      original[name] = std::move(merged);
      ordered->insert(name);
    }
    return Status();
  }

  // Upstream's validatePatchWithSetOrderList: the patch's (non-directive) elements
  // appear in the order list, in the same relative order.
  Status ValidateAgainstOrder(const Json& patch_list, const Json& order,
                              const std::string& merge_key) {
    std::vector<const Json*> items;
    for (const Json& item : patch_list) {
      if (item.is_object() && item.contains(kDirectiveMarker)) continue;
      items.push_back(&item);
    }
    std::size_t p = 0;
    std::size_t o = 0;
    while (p < items.size() && o < order.size()) {
      const Json* left = IdentityOf(*items[p], merge_key);
      const Json* right = IdentityOf(order[o], merge_key);
      if (left == nullptr) return NoMergeKeyError(*items[p], merge_key);
      if (right == nullptr) return NoMergeKeyError(order[o], merge_key);
      if (*left == *right) ++p;
      ++o;
    }
    if (p < items.size()) {
      return BadRequestError("The order in patch list:\n" + GoFormat(patch_list) +
                             "\n doesn't match " + std::string(kSetElementOrderPrefix) +
                             " list:\n" + GoFormat(order) + "\n");
    }
    return Status();
  }

  // Merges two lists under `field`'s strategy into `*out`.
  Status MergeList(const Json& original, const Json& patch, const PatchField* field, Json* out) {
    if (StrategyOf(field) != PatchStrategy::kMerge) {
      // Atomic list: the patch's list, with directives stripped from its objects.
      Json result = Json::array();
      for (const Json& element : patch) {
        if (element.is_object()) {
          Json map = Json::object();
          MapOutcome ignored;
          KUBE_RETURN_IF_ERROR(MergeMap(map, element, SchemaOf(field), &ignored));
          result.push_back(std::move(map));
        } else {
          result.push_back(element);
        }
      }
      *out = std::move(result);
      return Status();
    }
    if (original.empty() && patch.empty()) {
      *out = original;
      return Status();
    }
    // All elements share one JSON type, which is not a list.
    std::optional<Json::value_t> kind;
    for (const Json* list : {&original, &patch}) {
      for (const Json& element : *list) {
        if (element.is_array()) return PatchRejected();  // lists of lists are not supported
        Json::value_t t = element.is_number() ? Json::value_t::number_float : element.type();
        if (kind && *kind != t) {
          return BadRequestError("list element types are not identical: [" + GoFormat(original) +
                                 " " + GoFormat(patch) + "]");
        }
        kind = t;
      }
    }
    if (kind != Json::value_t::object) return MergeScalarList(original, patch, out);
    return MergeObjectList(original, patch, field, out);
  }

  // A merge list of scalars is a set: union, patch order for the patch's elements.
  Status MergeScalarList(const Json& original, const Json& patch, Json* out) {
    std::vector<Json> merged;
    for (const Json* list : {&original, &patch}) {
      for (const Json& element : *list) {
        if (std::find(merged.begin(), merged.end(), element) == merged.end()) {
          merged.push_back(element);
        }
      }
    }
    std::vector<Json> patch_order(patch.begin(), patch.end());
    std::vector<Json> server_order(original.begin(), original.end());
    *out = NormalizeOrder(std::move(merged), patch_order, server_order, "");
    return Status();
  }

  // A merge list of objects: elements matched by merge key are merged, new ones added
  // (ordered by NormalizeOrder); `$patch: delete` elements remove, `$patch: replace`
  // replaces the list.
  Status MergeObjectList(const Json& original, const Json& patch, const PatchField* field,
                         Json* out) {
    const std::string merge_key = MergeKeyOf(field);
    if (merge_key.empty()) {
      return BadRequestError("cannot merge lists without merge key for type map");
    }
    std::vector<Json> base(original.begin(), original.end());
    std::vector<const Json*> plain;
    bool replace = false;
    for (const Json& element : patch) {
      auto directive = element.find(kDirectiveMarker);
      if (directive == element.end()) {
        plain.push_back(&element);
      } else if (*directive == "delete") {
        auto key = element.find(merge_key);
        if (key == element.end()) return NoMergeKeyError(element, merge_key);
        for (const Json& item : base) {
          if (!item.is_object()) return BadRequestError("value for key is not a map.");
        }
        base.erase(std::remove_if(base.begin(), base.end(),
                                  [&](const Json& item) {
                                    auto it = item.find(merge_key);
                                    return it != item.end() && *it == *key;
                                  }),
                   base.end());
      } else if (*directive == "replace") {
        replace = true;
      } else if (*directive == "merge") {
        return BadRequestError("merging lists cannot yet be specified in the patch");
      } else {
        return BadPatchTypeError(*directive, element);
      }
    }
    if (replace) {
      base.clear();
      for (const Json* element : plain) {
        std::optional<Json> fresh;
        // For an object, Fresh merges with SchemaOf(field): the element struct's schema.
        KUBE_RETURN_IF_ERROR(Fresh(*element, field, &fresh));
        if (fresh) base.push_back(*std::move(fresh));
      }
      plain.clear();
    }
    const std::vector<Json> server_order = base;

    for (const Json* element : plain) {
      auto key = element->find(merge_key);
      if (key == element->end()) return NoMergeKeyError(*element, merge_key);
      bool found = false;
      for (Json& item : base) {
        if (!item.is_object()) return BadRequestError("value for key is not a map.");
        auto it = item.find(merge_key);
        if (it != item.end() && *it == *key) {
          MapOutcome ignored;
          KUBE_RETURN_IF_ERROR(MergeMap(item, *element, SchemaOf(field), &ignored));
          found = true;
          break;
        }
      }
      if (!found) {
        Json map = Json::object();
        MapOutcome ignored;
        KUBE_RETURN_IF_ERROR(MergeMap(map, *element, SchemaOf(field), &ignored));
        base.push_back(std::move(map));
      }
    }
    for (const Json& item : base) {
      if (IdentityOf(item, merge_key) == nullptr) return NoMergeKeyError(item, merge_key);
    }
    std::vector<Json> patch_order;
    for (const Json* element : plain) patch_order.push_back(*element);
    *out = NormalizeOrder(std::move(base), patch_order, server_order, merge_key);
    return Status();
  }
};

// ---------------------------------------------------------------------------------
// Built-in schemas
// ---------------------------------------------------------------------------------

using SchemaPtr = std::shared_ptr<const PatchSchema>;

SchemaPtr MakeSchema(std::initializer_list<std::pair<std::string, PatchField>> fields) {
  auto schema = std::make_shared<PatchSchema>();
  for (const auto& [name, field] : fields) schema->Set(name, field);
  return schema;
}

PatchField Struct(SchemaPtr schema) {
  PatchField field;
  field.schema = std::move(schema);
  return field;
}

PatchField RetainKeysStruct(SchemaPtr schema = nullptr) {
  PatchField field;
  field.retain_keys = true;
  field.schema = std::move(schema);
  return field;
}

PatchField MergeByKey(std::string key, SchemaPtr element = nullptr, bool retain_keys = false) {
  PatchField field;
  field.strategy = PatchStrategy::kMerge;
  field.merge_key = std::move(key);
  field.retain_keys = retain_keys;
  field.schema = std::move(element);
  return field;
}

PatchField MergeAsSet() {
  PatchField field;
  field.strategy = PatchStrategy::kMerge;
  return field;
}

struct BuiltinSchemas {
  std::map<std::string, SchemaPtr, std::less<>> by_kind;  // "group/Kind"
  SchemaPtr metadata_only;
};

// Tags from k8s.io/api core/v1, apps/v1, batch/v1 and apimachinery meta/v1 types.go.
BuiltinSchemas BuildBuiltinSchemas() {
  // metav1.ObjectMeta.
  SchemaPtr object_meta = MakeSchema({
      {"finalizers", MergeAsSet()},
      {"ownerReferences", MergeByKey("uid")},
  });
  SchemaPtr with_conditions = MakeSchema({{"conditions", MergeByKey("type")}});

  // core/v1 Container (EphemeralContainerCommon carries the same tags).
  SchemaPtr container = MakeSchema({
      {"ports", MergeByKey("containerPort")},
      {"env", MergeByKey("name")},
      {"volumeMounts", MergeByKey("mountPath")},
      {"volumeDevices", MergeByKey("devicePath")},
  });
  SchemaPtr pod_spec = MakeSchema({
      {"volumes", MergeByKey("name", nullptr, /*retain_keys=*/true)},
      {"initContainers", MergeByKey("name", container)},
      {"containers", MergeByKey("name", container)},
      {"ephemeralContainers", MergeByKey("name", container)},
      {"imagePullSecrets", MergeByKey("name")},
      {"hostAliases", MergeByKey("ip")},
      {"topologySpreadConstraints", MergeByKey("topologyKey")},
      {"schedulingGates", MergeByKey("name")},
      {"resourceClaims", MergeByKey("name", nullptr, /*retain_keys=*/true)},
  });
  SchemaPtr pod_status = MakeSchema({
      {"conditions", MergeByKey("type")},
      {"podIPs", MergeByKey("ip")},
      {"hostIPs", MergeByKey("ip")},
      {"resourceClaimStatuses", MergeByKey("name", nullptr, /*retain_keys=*/true)},
  });
  SchemaPtr pod_template_spec = MakeSchema({
      {"metadata", Struct(object_meta)},
      {"spec", Struct(pod_spec)},
  });
  auto object = [&](SchemaPtr spec, SchemaPtr status) {
    return MakeSchema({
        {"metadata", Struct(object_meta)},
        {"spec", Struct(std::move(spec))},
        {"status", Struct(std::move(status))},
    });
  };
  SchemaPtr templated_spec = MakeSchema({{"template", Struct(pod_template_spec)}});

  BuiltinSchemas out;
  out.metadata_only = MakeSchema({{"metadata", Struct(object_meta)}});
  out.by_kind["/Pod"] = object(pod_spec, pod_status);
  out.by_kind["/PodTemplate"] = MakeSchema({
      {"metadata", Struct(object_meta)},
      {"template", Struct(pod_template_spec)},
  });
  out.by_kind["/ReplicationController"] = object(templated_spec, with_conditions);
  out.by_kind["/Service"] = object(MakeSchema({{"ports", MergeByKey("port")}}), with_conditions);
  out.by_kind["/Node"] =
      object(MakeSchema({{"podCIDRs", MergeAsSet()}}), MakeSchema({
                                                           {"conditions", MergeByKey("type")},
                                                           {"addresses", MergeByKey("type")},
                                                       }));
  out.by_kind["/Namespace"] = object(nullptr, with_conditions);
  out.by_kind["/PersistentVolumeClaim"] = object(nullptr, with_conditions);
  out.by_kind["apps/Deployment"] = object(MakeSchema({
                                              {"template", Struct(pod_template_spec)},
                                              {"strategy", RetainKeysStruct()},
                                          }),
                                          with_conditions);
  out.by_kind["apps/ReplicaSet"] = object(templated_spec, with_conditions);
  out.by_kind["apps/StatefulSet"] = object(templated_spec, with_conditions);
  out.by_kind["apps/DaemonSet"] = object(templated_spec, with_conditions);
  out.by_kind["batch/Job"] = object(templated_spec, with_conditions);
  out.by_kind["batch/CronJob"] =
      object(MakeSchema({{"jobTemplate", Struct(MakeSchema({
                                             {"metadata", Struct(object_meta)},
                                             {"spec", Struct(templated_spec)},
                                         }))}}),
             nullptr);
  return out;
}

bool IsBuiltinGroup(std::string_view group) {
  static constexpr std::string_view kGroups[] = {
      "",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "apps",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "internal.apiserver.k8s.io",
      "networking.k8s.io",
      "node.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "resource.k8s.io",
      "scheduling.k8s.io",
      "storage.k8s.io",
      "storagemigration.k8s.io",
  };
  return std::find(std::begin(kGroups), std::end(kGroups), group) != std::end(kGroups);
}

}  // namespace

// ---------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------

Result<Json> ApplyJsonPatch(const Json& doc, const Json& patch, std::string* failure_detail) {
  if (patch.is_null()) return doc;  // Go decodes `null` into an empty patch
  if (!patch.is_array()) {
    return BadRequestError("json: cannot unmarshal " + std::string(GoJsonTypeName(patch)) +
                           " into Go value of type jsonpatch.Patch");
  }
  for (const Json& op : patch) {
    if (!op.is_object() && !op.is_null()) {
      return BadRequestError("json: cannot unmarshal " + std::string(GoJsonTypeName(op)) +
                             " into Go value of type jsonpatch.Operation");
    }
  }
  Json out = doc;
  std::string detail;
  for (const Json& op : patch) {
    const Json empty = Json::object();
    JsonPatchOp step(op.is_null() ? empty : op, &detail);
    if (!step.Apply(out)) {
      if (failure_detail != nullptr) *failure_detail = detail;
      return PatchRejected();
    }
  }
  return out;
}

Result<Json> ApplyMergePatch(const Json& doc, const Json& patch) {
  return MergePatchValue(&doc, patch);
}

Json CreateMergePatch(const Json& original, const Json& modified) {
  if (!original.is_object() || !modified.is_object()) {
    return original == modified ? Json::object() : modified;
  }
  Json patch = Json::object();
  for (const auto& [key, value] : original.items()) {
    if (!modified.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : modified.items()) {
    auto it = original.find(key);
    if (it == original.end()) {
      patch[key] = value;
    } else if (*it != value) {
      patch[key] = it->is_object() && value.is_object() ? CreateMergePatch(*it, value) : value;
    }
  }
  return patch;
}

PatchSchema& PatchSchema::Set(std::string name, PatchField field) {
  fields_.insert_or_assign(std::move(name), std::move(field));
  return *this;
}

const PatchField* PatchSchema::Find(std::string_view name) const {
  auto it = fields_.find(name);
  return it != fields_.end() ? &it->second : nullptr;
}

Result<Json> ApplyStrategicMergePatch(const Json& doc, const Json& patch,
                                      const PatchSchema& schema) {
  if (!patch.is_object()) {
    return BadRequestError("json: cannot unmarshal " + std::string(GoJsonTypeName(patch)) +
                           " into Go value of type map[string]interface {}");
  }
  if (!doc.is_object()) return BadRequestError("invalid JSON document");
  Json out = doc;
  MapOutcome outcome;
  StrategicMerger merger;
  KUBE_RETURN_IF_ERROR(merger.MergeMap(out, patch, &schema, &outcome));
  return out;
}

const PatchSchema* BuiltinPatchSchema(std::string_view group, std::string_view kind) {
  static const BuiltinSchemas* const kSchemas = new BuiltinSchemas(BuildBuiltinSchemas());
  if (!IsBuiltinGroup(group)) return nullptr;
  std::string key = std::string(group) + "/" + std::string(kind);
  auto it = kSchemas->by_kind.find(key);
  return it != kSchemas->by_kind.end() ? it->second.get() : kSchemas->metadata_only.get();
}

}  // namespace kube::testing::internal
