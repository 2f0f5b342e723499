// libFuzzer target for the moderation module. Two ways in: the JSON entry
// points (any bytes), and the raw text path — the input itself is checked as a
// message against the shipped rules, so the UTF-8 decoder, the folding, the
// Aho–Corasick scan and the phone/ID scanner see arbitrary bytes directly.
// Every match must be a well-formed span of the input. A third way: the
// input's first lines become a hospital formulary (arbitrary names: empty,
// folding to nothing, duplicates, bad UTF-8), compiled and used on the rest,
// so the drug and contact structure sees names and text it never saw.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "moderation/group_triage.hpp"
#include "moderation/moderation.hpp"
#include "moderation/moderation_json.hpp"
#include "moderation/moderation_text.hpp"

using carecircle::fuzz::checkEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::moderateTextJson(text));
  checkEnvelope(carecircle::moderationRulesJson(text));
  checkEnvelope(carecircle::triageGroupMessageJson(text));

  const auto report =
      carecircle::ModerationPolicy::defaults().check(text, carecircle::ModerationContext::kStory);
  if (report.ok() != !carecircle::firstInvalidUtf8(text).has_value()) __builtin_trap();
  if (report.ok()) {
    for (const auto& m : report.value().matches) {
      if (m.byteStart >= m.byteEnd || m.byteEnd > size || m.codePointStart >= m.codePointEnd ||
          m.utf16Start >= m.utf16End ||
          carecircle::firstInvalidUtf8(text.substr(m.byteStart, m.byteEnd - m.byteStart))) {
        __builtin_trap();
      }
    }
  }
  // The first up to three lines are drug names, the rest is the message.
  carecircle::ModerationConfig config;
  std::size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) break;
    config.drugNames.emplace_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  if (!config.drugNames.empty()) {
    const auto policy = carecircle::ModerationPolicy::compile(config);
    if (policy.ok()) {
      const std::string_view rest = text.substr(at);
      const auto r = policy.value().check(rest, carecircle::ModerationContext::kMessage);
      if (r.ok() != !carecircle::firstInvalidUtf8(rest).has_value()) __builtin_trap();
      if (r.ok()) {
        for (const auto& m : r.value().matches) {
          if (m.byteStart >= m.byteEnd || m.byteEnd > rest.size()) __builtin_trap();
        }
      }
    } else if (policy.error().code != "moderation.bad_config") {
      __builtin_trap();
    }
  }
  // The input as a group message to a group with a doctor and a Q&A slot: the
  // bot's actions follow the check (a notice exactly on block, a review item
  // exactly when not pass, a Q&A reply never on a blocked message).
  if (!carecircle::firstInvalidUtf8(text)) {
    const nlohmann::json request{
        {"text", std::string(text)},
        {"nowMs", 1795420800000 + static_cast<std::int64_t>(size) * 3'600'000},
        {"group", {{"doctorName", "周医生"}, {"qaSlots", {{{"weekday", 3}, {"start", "20:00"}, {"durationMinutes", 60}}}}}}};
    const auto reply = checkEnvelope(carecircle::triageGroupMessageJson(request.dump()));
    if (!reply["ok"].get<bool>()) __builtin_trap();  // a well-formed message with a valid group is always triaged
    const auto& v = reply["value"];
    const std::string verdict = v["check"]["verdict"].get<std::string>();
    if (v["reviewItem"].get<bool>() != (verdict != "pass")) __builtin_trap();
    if (v["authorNotice"].is_null() != (verdict != "block")) __builtin_trap();
    if (!v["qaReply"].is_null() && (verdict == "block" || !v["addressesDoctor"].get<bool>())) __builtin_trap();
  }
  return 0;
}
