// Result<T>: the value-or-error type every module returns for recoverable failures.
//
// An Error carries a stable machine code (mapped to HTTP statuses and MCP errors by the API
// layer) and a message a person can act on: say what was wrong and how to fix it, e.g.
// "port 70000 is out of range 1-65535". Exceptions never cross a module boundary; adapters
// catch library exceptions and turn them into Errors. Plain value types: thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ink {

// Stable error codes. The API maps them to HTTP statuses (see api/http_status.cc).
enum class ErrorCode {
  kInvalidArgument,   // 400: the caller sent something wrong; the message says what and how to fix
  kUnauthenticated,   // 401: missing or wrong credentials
  kPermissionDenied,  // 403
  kNotFound,          // 404
  kAlreadyExists,     // 409
  kFailedPrecondition,  // 409: the state does not allow it now (e.g. project not empty)
  kPayloadTooLarge,     // 413
  kUnavailable,         // 503: a dependency (podman, registry) is down; retry may work
  kDeadlineExceeded,    // 504
  kInternal,            // 500: a bug or an unexpected failure
};

// The lowercase snake_case name of a code, as shown in JSON errors ("invalid_argument").
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Error FailedPrecondition(std::string m) {
  return {ErrorCode::kFailedPrecondition, std::move(m)};
}
inline Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
inline Error Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
inline Error PermissionDenied(std::string m) {
  return {ErrorCode::kPermissionDenied, std::move(m)};
}

// Result<T> holds either a T or an Error. Result<void> holds nothing or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace ink

// Returns the error of `expr` (a Result) from the enclosing function if it failed.
#define INK_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    auto ink_status_ = (expr);                         \
    if (!ink_status_.ok()) return ink_status_.error(); \
  } while (0)
