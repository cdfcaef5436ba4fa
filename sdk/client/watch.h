// Watch events and the incremental decoder of a watch stream.
//
// The apiserver sends a watch as a sequence of JSON objects
// {"type":"ADDED","object":{...}}. WatchDecoder finds object boundaries as bytes
// arrive, whatever the chunking (an event split across chunks, several in one), and
// decodes each into a WatchEvent. An ERROR event carries a Status: a 410 becomes
// kGone, which tells the caller to relist.
//
// Thread-safety: WatchEvent is a value type; WatchDecoder is single-threaded.
#ifndef KUBECPP_CLIENT_WATCH_H_
#define KUBECPP_CLIENT_WATCH_H_

#include <functional>
#include <string>
#include <string_view>

#include "kubecpp/core/result.h"
#include "kubecpp/core/unstructured.h"

namespace kube::client {

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
std::string_view EventTypeName(EventType type);

struct WatchEvent {
  EventType type = EventType::kAdded;
  // The object (for BOOKMARK only apiVersion, kind and metadata.resourceVersion, and
  // the annotation k8s.io/initial-events-end when initial events are complete).
  Unstructured object;
  // For kError: the Status the server sent (kGone for 410 Expired).
  Status error;
};

// Decodes one event from its JSON text. Errors: kBadRequest for malformed JSON or an
// unknown type.
[[nodiscard]] Result<WatchEvent> DecodeWatchEvent(std::string_view json_text);

class WatchDecoder {
 public:
  // Called once per complete event, in order. Return false to stop decoding.
  using EventHandler = std::function<bool(WatchEvent&&)>;

  explicit WatchDecoder(EventHandler on_event) : on_event_(std::move(on_event)) {}

  // Feeds the next bytes of the stream. Returns false when the handler asked to stop
  // or on malformed input (see status()); the caller should then close the stream.
  bool Feed(std::string_view chunk);
  // OK unless the stream was malformed.
  const Status& status() const { return status_; }
  // Bytes of an incomplete event held back.
  size_t pending() const { return buffer_.size(); }

 private:
  EventHandler on_event_;
  std::string buffer_;  // the current, incomplete object
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  Status status_;
};

}  // namespace kube::client

#endif  // KUBECPP_CLIENT_WATCH_H_
