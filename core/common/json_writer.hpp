// A small streaming JSON writer for replies: the text nlohmann's
// dump(-1, ' ', false, error_handler_t::replace) would give for the same
// values, written straight into one string instead of through a DOM.
//
// Same bytes as that dump, which is what every golden fixture pins:
//  - compact: no space or newline anywhere;
//  - strings: '"' and '\\' escaped, \b \f \n \r \t, other bytes below 0x20
//    as \u00xx (lower-case hex), everything else as it is (UTF-8 is not
//    escaped); a string that is not valid UTF-8 is written by nlohmann itself,
//    whose replace handler puts U+FFFD in place of the bad bytes;
//  - integers in decimal, true/false/null.
// The writer does not sort keys: a caller writes each object's keys in
// ascending byte order, as nlohmann's std::map-backed objects come out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/json_io.hpp"

namespace carecircle {

class JsonWriter {
 public:
  JsonWriter() = default;
  explicit JsonWriter(std::string prefix) : out_(std::move(prefix)) {}

  void beginObject();
  void endObject();
  void beginArray();
  void endArray();
  // An object key; the next call writes its value.
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(const std::string& text) { value(std::string_view(text)); }
  void value(std::int64_t number);
  void value(int number) { value(static_cast<std::int64_t>(number)); }
  void value(bool flag);
  void null();
  // Text that is already JSON (one complete value), written as it is.
  void raw(std::string_view json);

  // key + value in one call.
  template <typename T>
  void field(std::string_view name, const T& v) {
    key(name);
    value(v);
  }
  void nullField(std::string_view name) {
    key(name);
    null();
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  void string(std::string_view text);

  std::string out_;
  bool needComma_ = false;
};

namespace json_io {

// runEntry() for a body that writes the reply's value itself:
// {"ok":true,"value":<what body wrote>}, the same envelope and the same
// catch-all (InputError, std::bad_alloc, anything else) as runEntry().
std::string runEntryWriting(std::string_view text, const Limits& limits,
                            const std::function<void(const Json&, JsonWriter&)>& body);

// Wraps a reply's value that `body` writes, catching as runEntry() does.
// For an entry point that decodes its request its own way.
std::string writeEnvelope(const std::function<void(JsonWriter&)>& body);

}  // namespace json_io
}  // namespace carecircle
