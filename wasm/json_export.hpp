// JSON exports without Embind: a plain C function per export, taking the
// request as UTF-8 bytes and returning the reply as a malloc'd buffer that JS
// frees. wasm/json-exports.js (--post-js) turns every such function into
// Module.<name>(text) → text, the same call Embind gives, so the JS side
// (web/core.js, Node, the tests) cannot tell them apart. A module whose
// binding files all use these needs no Embind runtime, which keeps it and its
// glue smaller (the patient's module, wasm/CMakeLists.txt).
//
// ABI of CARECIRCLE_JSON_EXPORT(name, fn):
//   const char* carecircle_json_<name>(const char* request, size_t size)
// The reply is [uint32 little-endian byte count][UTF-8 bytes], allocated with
// malloc (free it with carecircle_json_free); the request's bytes belong to
// the caller. Every reply goes through guarded() (guard.hpp): whatever
// happens inside the core, JS gets an envelope.
#pragma once

#include <emscripten/emscripten.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "guard.hpp"

namespace carecircle::wasm {

// The catch-all envelope as a static reply, for when not even a reply's
// buffer can be allocated; never freed.
const char* outOfMemoryReply();

// Copies the reply into a fresh [size][bytes] buffer (the static reply above
// when malloc fails). Does not throw.
const char* packReply(std::string_view reply) noexcept;

// The core's reply to the request, or the catch-all envelope (guard.hpp)
// whatever the core throws.
template <typename Fn>
const char* jsonExport(Fn&& fn, const char* request, std::size_t size) noexcept {
  try {
    return packReply(fn(std::string_view(request, size)));
  } catch (...) {
    return packReply(kUnexpectedEnvelope);
  }
}

}  // namespace carecircle::wasm

#define CARECIRCLE_JSON_EXPORT(name, fn)                                                   \
  extern "C" EMSCRIPTEN_KEEPALIVE const char* carecircle_json_##name(const char* request, \
                                                                    std::size_t size) {   \
    return ::carecircle::wasm::jsonExport(fn, request, size);                               \
  }
