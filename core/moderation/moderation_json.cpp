#include "moderation/moderation_json.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "common/json_io.hpp"
#include "moderation/moderation.hpp"
#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::size_t kMaxRulesInRequest = 10'000;
constexpr std::size_t kMaxPatternsPerRule = 10'000;
constexpr std::size_t kMaxPatternBytes = 256;
constexpr std::size_t kMaxExplanationBytes = 1'024;

ModerationSeverity readSeverity(const Json& j, const std::string& path,
                                ModerationSeverity fallback) {
  std::string text;
  if (!json_io::readString(j, "severity", path, 16, text)) return fallback;
  if (text == "block") return ModerationSeverity::kBlock;
  if (text == "review") return ModerationSeverity::kReview;
  fail("input.bad_enum", "severity 只能是 block 或 review", childPath(path, "severity"));
}

std::vector<std::string> readStrings(const Json& j, const char* key, const std::string& path,
                                     bool required) {
  std::vector<std::string> out;
  if (!j.contains(key) || j.at(key).is_null()) {
    if (required)
      fail("input.missing_field", std::string("缺少必填字段 ") + key, childPath(path, key));
    return out;
  }
  const std::string p = childPath(path, key);
  const Json& list = json_io::requireArray(j.at(key), p, kMaxPatternsPerRule);
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) fail("input.wrong_type", "匹配词应为字符串", childPath(p, i));
    const auto& s = list[i].get_ref<const std::string&>();
    if (s.size() > kMaxPatternBytes)
      fail("input.out_of_range", "匹配词过长（上限256字节）", childPath(p, i));
    out.push_back(s);
  }
  return out;
}

ModerationRule decodeRule(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  ModerationRule r;
  json_io::readString(j, "id", path, 128, r.id, true);
  json_io::readString(j, "category", path, 64, r.category, true);
  json_io::readString(j, "categoryLabel", path, 128, r.categoryLabel);
  json_io::readString(j, "explanation", path, kMaxExplanationBytes, r.explanation, true);
  r.severity = readSeverity(j, path, r.severity);
  r.patterns = readStrings(j, "patterns", path, true);
  r.exceptions = readStrings(j, "exceptions", path, false);
  return r;
}

std::vector<ModerationRule> decodeRules(const Json& j, const char* key, const std::string& path) {
  const std::string p = childPath(path, key);
  const Json& list = json_io::requireArray(j.at(key), p, kMaxRulesInRequest);
  std::vector<ModerationRule> rules;
  rules.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i)
    rules.push_back(decodeRule(list[i], childPath(p, i)));
  return rules;
}

// nullopt when the request has no "config": the shared, precompiled defaults apply.
std::optional<ModerationConfig> decodeConfig(const Json& request) {
  if (!request.contains("config") || request.at("config").is_null()) return std::nullopt;
  const std::string path = "/config";
  const Json& j = json_io::requireObject(request.at("config"), path);
  ModerationConfig c;
  if (j.contains("rules") && !j.at("rules").is_null()) c.rules = decodeRules(j, "rules", path);
  if (j.contains("disabledRules") && !j.at("disabledRules").is_null()) {
    const std::string p = "/config/disabledRules";
    const Json& list = json_io::requireArray(j.at("disabledRules"), p, kMaxRulesInRequest);
    std::set<std::string> off;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) fail("input.wrong_type", "规则编号应为字符串", childPath(p, i));
      const auto& id = list[i].get_ref<const std::string&>();
      const bool known = std::any_of(c.rules.begin(), c.rules.end(),
                                     [&](const ModerationRule& r) { return r.id == id; });
      if (!known) fail("moderation.unknown_rule", "没有编号为 " + id + " 的规则", childPath(p, i));
      off.insert(id);
    }
    std::erase_if(c.rules, [&](const ModerationRule& r) { return off.count(r.id) > 0; });
  }
  if (j.contains("extraRules") && !j.at("extraRules").is_null()) {
    std::vector<ModerationRule> extra = decodeRules(j, "extraRules", path);
    c.rules.insert(c.rules.end(), std::make_move_iterator(extra.begin()),
                   std::make_move_iterator(extra.end()));
  }
  if (j.contains("drugNames") && !j.at("drugNames").is_null()) {
    const std::string p = "/config/drugNames";
    // Over 20,000 names is refused by compile() with a clear message; the
    // reader's own cap only bounds memory.
    const Json& list = json_io::requireArray(j.at("drugNames"), p, 100'000);
    c.drugNames.clear();
    c.drugNames.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string()) fail("input.wrong_type", "药品名称应为字符串", childPath(p, i));
      const auto& s = list[i].get_ref<const std::string&>();
      if (s.size() > kMaxPatternBytes)
        fail("input.out_of_range", "药品名称过长（上限256字节）", childPath(p, i));
      c.drugNames.push_back(s);
    }
  }
  json_io::readBool(j, "detectDrugAdvice", path, c.detectDrugAdvice);
  json_io::readBool(j, "detectContact", path, c.detectContact);
  json_io::readBool(j, "detectPhoneNumbers", path, c.detectPhoneNumbers);
  json_io::readBool(j, "detectIdCardNumbers", path, c.detectIdCardNumbers);
  std::int64_t n = 0;
  if (json_io::readInt(j, "maxMatches", path, 1, 10'000, n))
    c.maxMatches = static_cast<std::size_t>(n);
  return c;
}

// Compiles the request's policy (or returns the shared defaults) into `holder`.
const ModerationPolicy& policyFor(const Json& request, std::optional<ModerationPolicy>& holder) {
  std::optional<ModerationConfig> config = decodeConfig(request);
  if (!config) return ModerationPolicy::defaults();
  Result<ModerationPolicy> compiled = ModerationPolicy::compile(*config);
  if (!compiled.ok()) throw json_io::InputError{compiled.error()};
  holder.emplace(std::move(compiled).value());
  return *holder;
}

Json encodeRule(const ModerationRule& r) {
  return {{"id", r.id},
          {"category", r.category},
          {"categoryLabel", r.categoryLabel},
          {"severity", moderationSeverityName(r.severity)},
          {"explanation", r.explanation},
          {"patterns", r.patterns},
          {"exceptions", r.exceptions}};
}

Json encodeReport(const ModerationReport& r) {
  Json matches = Json::array();
  for (const ModerationMatch& m : r.matches) {
    matches.push_back({{"ruleId", m.ruleId},
                       {"category", m.category},
                       {"categoryLabel", m.categoryLabel},
                       {"severity", moderationSeverityName(m.severity)},
                       {"pattern", m.pattern},
                       {"matchedText", m.matchedText},
                       {"byteStart", m.byteStart},
                       {"byteEnd", m.byteEnd},
                       {"codePointStart", m.codePointStart},
                       {"codePointEnd", m.codePointEnd},
                       {"utf16Start", m.utf16Start},
                       {"utf16End", m.utf16End},
                       {"explanation", m.explanation}});
  }
  return {{"verdict", moderationVerdictName(r.verdict)},
          {"allowed", r.verdict != ModerationVerdict::kBlock},
          {"context", r.context == ModerationContext::kStory ? "story" : "message"},
          {"textBytes", r.textBytes},
          {"textCodePoints", r.textCodePoints},
          {"totalMatches", r.totalMatches},
          {"truncated", r.totalMatches > r.matches.size()},
          {"matches", matches},
          {"categories", r.categories},
          {"summary", r.summary},
          {"authorNotice", r.authorNotice}};
}

}  // namespace

std::string moderateTextJson(std::string_view requestText) {
  // nlohmann would call a bad byte "not JSON"; say what and where instead.
  if (requestText.size() <= json_io::Limits{}.maxBytes) {
    if (const auto bad = firstInvalidUtf8(requestText)) {
      return json_io::errorEnvelope(
          {"moderation.bad_utf8",
           "文本不是有效的UTF-8编码（请求第" + std::to_string(*bad) + "字节）", ""});
    }
  }
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    std::optional<ModerationPolicy> holder;
    const ModerationPolicy& policy = policyFor(j, holder);
    if (!j.contains("text") || j.at("text").is_null())
      fail("input.missing_field", "缺少必填字段 text", "/text");
    if (!j.at("text").is_string())
      fail("input.wrong_type", "字段类型错误：text 应为字符串", "/text");
    ModerationContext context = ModerationContext::kMessage;
    std::string name;
    if (json_io::readString(j, "context", "", 16, name)) {
      if (name == "story")
        context = ModerationContext::kStory;
      else if (name != "message")
        fail("input.bad_enum", "context 只能是 message 或 story", "/context");
    }
    Result<ModerationReport> report =
        policy.check(j.at("text").get_ref<const std::string&>(), context);
    if (!report.ok()) throw json_io::InputError{report.error()};
    return encodeReport(report.value());
  });
}

std::string moderationRulesJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    std::optional<ModerationPolicy> holder;
    const ModerationPolicy& policy = policyFor(j, holder);
    Json rules = Json::array();
    for (const ModerationRule& r : policy.rules()) rules.push_back(encodeRule(r));
    return Json{{"rules", rules},
                {"drugNames", policy.config().drugNames},
                {"detectDrugAdvice", policy.config().detectDrugAdvice},
                {"detectContact", policy.config().detectContact},
                {"detectPhoneNumbers", policy.config().detectPhoneNumbers},
                {"detectIdCardNumbers", policy.config().detectIdCardNumbers},
                {"maxMatches", policy.config().maxMatches}};
  });
}

}  // namespace carecircle
