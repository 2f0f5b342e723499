// evaluateEligibilityBatch: the eligibility batch over many patients (staff
// work; linked into the staff module, wasm/CMakeLists.txt).
//
// The request is a JSON text of up to 32 MiB. Embind's std::string would copy
// it into the module's memory one character at a time in JS (and scan the
// reply byte by byte on the way back); here the engine's TextEncoder writes
// the text's UTF-8 straight into the module's memory (encodeInto) and its
// TextDecoder reads the reply, each in one native call. For any text
// JSON.stringify writes, the core sees the same bytes as through std::string
// (a lone surrogate, which JSON.stringify escapes, becomes U+FFFD here as in
// Node's own UTF-8, where Embind wrote a malformed sequence). A Uint8Array is
// taken as the UTF-8 bytes themselves, as std::string took it; anything else
// is a TypeError, as with Embind.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "eligibility/eligibility_json.hpp"

namespace {

using emscripten::val;

// A text longer than this is refused by the core (input.too_large, 32 MiB);
// encoding stops a few bytes past it so that the core still sees it as too
// large, without a buffer of three bytes per character of any length.
constexpr std::size_t kEncodeCap = (32u << 20) + 4;

constexpr char kInternal[] =
    R"({"error":{"code":"internal.unexpected","message":"系统内部错误，请稍后重试","path":""},"ok":false})";

val toText(std::string_view reply) {
  static const val decoder = val::global("TextDecoder").new_();
  return decoder.call<val>(
      "decode", val(emscripten::typed_memory_view(
                    reply.size(), reinterpret_cast<const unsigned char*>(reply.data()))));
}

val evaluateEligibilityBatch(const val& request) {
  const bool text = request.isString();
  if (!text && !request.instanceof (val::global("Uint8Array"))) {
    val::global("TypeError")
        .new_(val("evaluateEligibilityBatch: Cannot pass non-string to std::string"))
        .throw_();
  }
  try {
    std::size_t size = 0;
    std::unique_ptr<char[]> bytes;
    if (text) {
      static const val encoder = val::global("TextEncoder").new_();
      const std::size_t units = request["length"].as<std::size_t>();
      const std::size_t capacity = units > kEncodeCap / 3 ? kEncodeCap : units * 3;
      bytes.reset(new char[capacity + 1]);
      const val done =
          encoder.call<val>("encodeInto", request,
                            val(emscripten::typed_memory_view(
                                capacity, reinterpret_cast<unsigned char*>(bytes.get()))));
      size = done["written"].as<std::size_t>();
    } else {
      size = request["length"].as<std::size_t>();
      bytes.reset(new char[size + 1]);
      val(emscripten::typed_memory_view(size, reinterpret_cast<unsigned char*>(bytes.get())))
          .call<void>("set", request);
    }
    std::string reply =
        carecircle::evaluateEligibilityBatchJson(std::string_view(bytes.get(), size));
    bytes.reset();
    return toText(reply);
  } catch (...) {
    return val(kInternal);
  }
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_eligibility_batch) {
  emscripten::function("evaluateEligibilityBatch", &evaluateEligibilityBatch);
}
