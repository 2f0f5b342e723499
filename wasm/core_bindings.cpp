// In every module of the core: coreVersion, and the buffers the JSON exports
// (json_export.hpp) take and return.
#include <cstdlib>
#include <cstring>

#include "common/version.hpp"
#include "json_export.hpp"

namespace carecircle::wasm {

namespace {
// [byte count][bytes] of the catch-all envelope, for when no buffer can be had.
struct StaticReply {
  std::uint32_t size;
  char bytes[kUnexpectedEnvelope.size()];
};
constexpr StaticReply makeStaticReply() {
  StaticReply reply{};
  reply.size = static_cast<std::uint32_t>(kUnexpectedEnvelope.size());
  for (std::size_t i = 0; i < kUnexpectedEnvelope.size(); ++i) reply.bytes[i] = kUnexpectedEnvelope[i];
  return reply;
}
constexpr StaticReply kStaticReply = makeStaticReply();
const StaticReply& staticReply() { return kStaticReply; }
}  // namespace

const char* outOfMemoryReply() {
  return reinterpret_cast<const char*>(&staticReply());
}

const char* packReply(std::string_view reply) noexcept {
  const auto size = static_cast<std::uint32_t>(reply.size());
  auto* buffer = static_cast<char*>(std::malloc(sizeof size + reply.size()));
  if (buffer == nullptr) return outOfMemoryReply();
  std::memcpy(buffer, &size, sizeof size);
  std::memcpy(buffer + sizeof size, reply.data(), reply.size());
  return buffer;
}

}  // namespace carecircle::wasm

extern "C" {

// A buffer of `size` bytes for a request (0 when there is no memory left).
EMSCRIPTEN_KEEPALIVE char* carecircle_json_alloc(std::size_t size) {
  return static_cast<char*>(std::malloc(size == 0 ? 1 : size));
}

// Frees a request buffer or a reply (the static reply is left alone).
EMSCRIPTEN_KEEPALIVE void carecircle_json_free(const char* buffer) {
  if (buffer != nullptr && buffer != carecircle::wasm::outOfMemoryReply()) {
    std::free(const_cast<char*>(buffer));
  }
}

}  // extern "C"

// coreVersion() takes no request (json-exports.js: carecircle_value_<name>).
extern "C" EMSCRIPTEN_KEEPALIVE const char* carecircle_value_coreVersion() {
  try {
    return carecircle::wasm::packReply(carecircle::coreVersion());
  } catch (...) {
    return carecircle::wasm::packReply(carecircle::wasm::kUnexpectedEnvelope);
  }
}
