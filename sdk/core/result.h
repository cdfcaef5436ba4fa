// Result<T>: a value or the Status explaining why there is none.
//
// Shaped like C++23 std::expected<T, Status> (has_value, value, error, operator*,
// operator->, value_or) so code can move to std::expected later without changes at
// call sites. A Result is built implicitly from a T (success) or from a non-OK
// Status (failure):
//
//   Result<Quantity> Parse(std::string_view s) {
//     if (s.empty()) return BadRequestError("empty quantity");
//     return Quantity(...);
//   }
//   auto q = Parse("1Gi");
//   if (!q) return q.error();
//   Use(*q);
//
// Thread-safety: value type; thread-compatible.
#ifndef KUBECPP_CORE_RESULT_H_
#define KUBECPP_CORE_RESULT_H_

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "kubecpp/core/status.h"

namespace kube {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>,
                "Result<Status> is ambiguous; return Status instead");
  static_assert(!std::is_reference_v<T>, "Result<T&> is not supported");

 public:
  using value_type = T;
  using error_type = Status;

  // REQUIRES: !status.ok().
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(data_).ok() && "Result built from an OK Status has no value");
  }
  template <typename U = T, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                        !std::is_same_v<std::decay_t<U>, Status> &&
                                                        !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : data_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT

  bool has_value() const { return data_.index() == 0; }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value().
  T& value() & { return checked(), std::get<0>(data_); }
  const T& value() const& { return checked(), std::get<0>(data_); }
  T&& value() && { return checked(), std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(data_) : static_cast<T>(std::forward<U>(fallback));
  }

  // The failure. REQUIRES: !has_value().
  const Status& error() const& {
    assert(!has_value());
    return std::get<1>(data_);
  }
  Status&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(data_));
  }
  // OK when there is a value, the failure otherwise.
  Status status() const { return has_value() ? Status() : std::get<1>(data_); }

 private:
  void checked() const { assert(has_value() && "Result::value() on an error"); }

  std::variant<T, Status> data_;
};

// Result<void>: success with no value, or a failure.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  using error_type = Status;

  Result() = default;
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool has_value() const { return status_.ok(); }
  bool ok() const { return status_.ok(); }
  explicit operator bool() const { return status_.ok(); }
  void value() const { assert(has_value()); }
  const Status& error() const { return status_; }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

}  // namespace kube

// Evaluates `expr` (a Status or Result); returns its failure from the enclosing
// function when it failed.
#define KUBE_RETURN_IF_ERROR(expr)                                                  \
  do {                                                                              \
    if (auto kube_status_ = ::kube::internal::ToStatus(expr); !kube_status_.ok()) { \
      return kube_status_;                                                          \
    }                                                                               \
  } while (false)

namespace kube::internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace kube::internal

#endif  // KUBECPP_CORE_RESULT_H_
