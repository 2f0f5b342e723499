// Errors as values. Every failure that crosses a public API of the core is an
// Error with a stable code ("<module>.<reason>", pinned by tests), a plain
// Chinese message fit to show a patient, and a JSON-pointer-like path to the
// offending input ("" when the whole request is at fault).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace carecircle {

struct Error {
  std::string code;     // stable id, e.g. "input.bad_json", "streak.future_timestamp"
  std::string message;  // Simplified Chinese, for people
  std::string path;     // e.g. "/checkIns/3/atMs"; empty when not tied to one field
};

// A value or an Error. "Not eligible" or "streak broken" are results with
// reasons, never Errors: an Error means the request itself could not be served.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit on purpose

  bool ok() const { return std::holds_alternative<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace carecircle
