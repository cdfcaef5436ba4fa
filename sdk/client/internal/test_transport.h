// ScriptedTransport: a Transport whose responses come from a test's function, for unit
// tests of the client layer. Streamed bodies are delivered in chunks of a chosen size
// to exercise incremental decoding. Records every request.
//
// Thread-safety: thread-safe.
#ifndef KUBECPP_CLIENT_INTERNAL_TEST_TRANSPORT_H_
#define KUBECPP_CLIENT_INTERNAL_TEST_TRANSPORT_H_

#include <algorithm>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "kubecpp/transport/transport.h"

namespace kube::client::internal {

class ScriptedTransport final : public transport::Transport {
 public:
  // Return a Status to simulate a transport failure.
  using Script = std::function<Result<transport::Response>(const transport::Request&)>;

  explicit ScriptedTransport(Script script, size_t chunk_size = 64)
      : script_(std::move(script)), chunk_size_(chunk_size) {}

  Result<transport::Response> Send(const transport::Request& request,
                                   std::stop_token /*stop*/) override {
    Record(request);
    return script_(request);
  }

  Result<transport::Response> Stream(const transport::Request& request,
                                     const transport::ChunkHandler& on_chunk,
                                     std::stop_token stop) override {
    Record(request);
    auto response = script_(request);
    if (!response || response->status_code < 200 || response->status_code >= 300) {
      return response;
    }
    std::string body = std::move(response->body);
    response->body.clear();
    for (size_t i = 0; i < body.size() && !stop.stop_requested(); i += chunk_size_) {
      if (!on_chunk(std::string_view(body).substr(i, chunk_size_))) break;
    }
    return response;
  }

  std::vector<transport::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Record(const transport::Request& request) {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
  }

  Script script_;
  const size_t chunk_size_;
  mutable std::mutex mu_;
  std::vector<transport::Request> requests_;  // GUARDED_BY(mu_)
};

inline transport::Response JsonResponse(int code, std::string body,
                                        transport::Headers headers = {}) {
  return transport::Response{code, std::move(headers), std::move(body)};
}

}  // namespace kube::client::internal

#endif  // KUBECPP_CLIENT_INTERNAL_TEST_TRANSPORT_H_
