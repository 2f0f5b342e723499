// The JSON boundary shared by every module's `*_json` adapter.
//
// Requests are JSON text; replies are one envelope, always valid JSON:
//   {"ok":true,"value":{...}}  or  {"ok":false,"error":{"code","message","path"}}
// Object keys are emitted sorted (nlohmann's default std::map), so the same
// request gives the same bytes natively and in WebAssembly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace carecircle::json_io {

using Json = nlohmann::json;

// The largest integer a JavaScript number holds exactly (2^53 - 1): the upper
// bound for ids, sequence numbers and instants that travel through JS.
inline constexpr std::int64_t kMaxJsonSafeInt = 9'007'199'254'740'991;

// Checked before parsing so that no hostile input can exhaust memory or the
// (small, in wasm) stack of nlohmann's recursive parser.
struct Limits {
  std::size_t maxBytes = 8u << 20;  // 8 MiB of request text
  std::size_t maxDepth = 32;        // nesting of objects/arrays
};

// Parses `text` under `limits`. Errors: input.too_large, input.too_deep,
// input.bad_json (not JSON, or invalid UTF-8), input.wrong_type (not an object).
Result<Json> parseRequest(std::string_view text, const Limits& limits = {});

// Thrown only inside a module's decoder and caught by runEntry(); never
// escapes a public function.
struct InputError {
  Error error;
};

[[noreturn]] void fail(std::string code, std::string message, std::string path);

// Field readers for decoders. `path` is the path of `object`; each reader
// reports the field's own path. Absent optional fields leave `out` untouched,
// which is how C++ member initialisers stay the single source of defaults.
const Json& requireObject(const Json& value, const std::string& path);
const Json& requireArray(const Json& value, const std::string& path, std::size_t maxItems);
bool readInt(const Json& object, const char* key, const std::string& path, std::int64_t min,
             std::int64_t max, std::int64_t& out, bool required = false);
bool readString(const Json& object, const char* key, const std::string& path, std::size_t maxBytes,
                std::string& out, bool required = false);
bool readBool(const Json& object, const char* key, const std::string& path, bool& out);
// input.unknown_field for any key of `object` not in `allowed`: a typo in a
// campaign ("perPersonLimt") must not silently fall back to a default.
void rejectUnknownKeys(const Json& object, const std::string& path,
                       std::initializer_list<std::string_view> allowed);
std::string childPath(const std::string& path, std::string_view key);
std::string childPath(const std::string& path, std::size_t index);

std::string okEnvelope(const Json& value);
std::string errorEnvelope(const Error& error);

// Runs one JSON entry point: parse under limits, call `body`, wrap the result.
// Catches everything (InputError, std::bad_alloc, any std::exception, ...) so
// that no input can make an export throw or abort.
std::string runEntry(std::string_view text, const Limits& limits,
                     const std::function<Json(const Json&)>& body);

}  // namespace carecircle::json_io
