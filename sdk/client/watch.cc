#include "kubecpp/client/watch.h"

#include <utility>

#include "kubecpp/core/json.h"

namespace kube::client {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

Result<WatchEvent> DecodeWatchEvent(std::string_view json_text) {
  auto json = ParseJson(json_text);
  if (!json) return std::move(json).error().Annotate("decoding watch event");
  if (!json->is_object()) return BadRequestError("decoding watch event: not a JSON object");
  auto type = json->find("type");
  auto object = json->find("object");
  if (type == json->end() || !type->is_string() || object == json->end()) {
    return BadRequestError("decoding watch event: missing type or object");
  }
  WatchEvent event;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    event.type = EventType::kAdded;
  } else if (t == "MODIFIED") {
    event.type = EventType::kModified;
  } else if (t == "DELETED") {
    event.type = EventType::kDeleted;
  } else if (t == "BOOKMARK") {
    event.type = EventType::kBookmark;
  } else if (t == "ERROR") {
    event.type = EventType::kError;
    // A non-numeric code from a broken server or proxy must not throw.
    int code = 500;
    if (object->is_object()) {
      auto c = object->find("code");
      if (c != object->end() && c->is_number_integer()) code = c->get<int>();
    }
    event.error = Status::FromHttpResponse(code, object->dump());
    if (event.error.ok()) event.error = InternalError("watch ERROR event without a failure");
    return event;
  } else {
    return BadRequestError("decoding watch event: unknown type \"" + t + "\"");
  }
  auto obj = Unstructured::FromJson(std::move(*object));
  if (!obj) return std::move(obj).error().Annotate("decoding watch event object");
  event.object = std::move(*obj);
  return event;
}

bool WatchDecoder::Feed(std::string_view chunk) {
  if (!status_.ok()) return false;
  size_t start = 0;  // first byte of `chunk` not yet copied into buffer_
  for (size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (depth_ == 0) {
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        start = i + 1;
        continue;
      }
      if (c != '{') {
        status_ = BadRequestError(std::string("malformed watch stream: unexpected '") + c +
                                  "' between events");
        return false;
      }
    }
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        buffer_.append(chunk.substr(start, i + 1 - start));
        start = i + 1;
        auto event = DecodeWatchEvent(buffer_);
        buffer_.clear();
        if (!event) {
          status_ = std::move(event).error();
          return false;
        }
        if (!on_event_(std::move(*event))) return false;
      }
    }
  }
  if (depth_ > 0) buffer_.append(chunk.substr(start));  // an event continues in the next chunk
  return true;
}

}  // namespace kube::client
