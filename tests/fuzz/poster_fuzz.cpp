// libFuzzer target for the poster module. Three ways in: the JSON entry
// points (any bytes); the raw text path — the input as a story is laid out by
// every template's text engine and must stay inside its box; and the referral
// code reader. Every successful SVG must hold no markup from the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "common/qr_native.hpp"
#include "poster/poster.hpp"
#include "poster/poster_json.hpp"
#include "poster/poster_text.hpp"
#include "referral/referral_code.hpp"
#include "referral/referral_code_json.hpp"

namespace {

// Beyond the envelope: a poster's SVG never carries markup from user text.
void checkEnvelope(const std::string& reply) {
  const nlohmann::json j = carecircle::fuzz::checkEnvelope(reply);
  if (j["ok"].get<bool>() && j["value"].contains("svg")) {
    const std::string svg = j["value"]["svg"].get<std::string>();
    if (svg.find("<script") != std::string::npos ||
        svg.find("<foreignObject") != std::string::npos) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::layoutPosterJson(text));
  checkEnvelope(carecircle::makeReferralCodeJson(text));
  checkEnvelope(carecircle::checkReferralCodeJson(text));

  // Raw bytes as text: normalized, fitted, never wider than the box.
  namespace poster = carecircle::poster;
  const std::string normalized = poster::normalizeText(text);
  const poster::TextBlock block = poster::fitText(normalized, poster::builtInMetrics(),
                                                  {300, 200, 12, 30, 1500, 0, 400, size % 2 == 0});
  if (block.height > 200 && block.lines.size() > 1) __builtin_trap();
  if (block.size < 12 || block.size > 30) __builtin_trap();

  // Raw bytes as a story poster (C++ API): always a scene or an error value.
  carecircle::PosterRequest request;
  request.templ = carecircle::PosterTemplate::kStory;
  request.title = std::string(text.substr(0, 64));
  request.story = std::string(text);
  request.name = std::string(text.substr(0, 16));
  const auto scene = carecircle::layoutPoster(request, carecircle::nayukiQrEncoder());
  if (scene.ok()) {
    const std::string svg = carecircle::toSvg(scene.value());
    if (svg.find("<script") != std::string::npos) __builtin_trap();
  }

  const auto code = carecircle::checkReferralCode(text);
  if (code.ok() && code.value().code.size() != carecircle::kReferralCodeLength) __builtin_trap();
  return 0;
}
