// The one catch-all every export goes through: whatever happens inside the
// core (it should already return an envelope), JS receives an envelope and
// the module stays usable. Nothing crosses that JS must .delete().
#pragma once

#include <string>
#include <string_view>

namespace carecircle::wasm {

inline constexpr std::string_view kUnexpectedEnvelope =
    R"({"error":{"code":"internal.unexpected","message":"系统内部错误，请稍后重试","path":""},"ok":false})";

template <typename Fn>
std::string guarded(Fn&& fn, const std::string& request) {
  try {
    return fn(std::string_view(request));
  } catch (...) {
    return std::string(kUnexpectedEnvelope);
  }
}

}  // namespace carecircle::wasm
