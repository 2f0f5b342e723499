#include "moderation/group_triage.hpp"

#include <string>

#include "common/json_io.hpp"
#include "community/community_json.hpp"
#include "moderation/moderation_json.hpp"
#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

using json_io::fail;
using json_io::Json;

// The caller's path of an error the composed export reported under `from`.
std::string movedPath(const std::string& path, std::string_view from, std::string_view to) {
  if (path.rfind(from, 0) == 0) return std::string(to) + path.substr(from.size());
  return path;
}

// Runs a composed export on `request`; its refusal becomes this export's, at the caller's path.
Json valueOf(const std::string& envelopeText, std::string_view from, std::string_view to) {
  const Json envelope = Json::parse(envelopeText);
  if (!envelope.at("ok").get<bool>()) {
    const Json& e = envelope.at("error");
    fail(e.at("code").get<std::string>(), e.at("message").get<std::string>(),
         movedPath(e.value("path", std::string()), from, to));
  }
  return envelope.at("value");
}

// The group's doctor is named in the message the way a patient asks them in a
// group chat: "@周医生" (half- or full-width at sign).
bool namesDoctor(const std::string& text, const std::string& doctorName) {
  if (doctorName.empty()) return false;
  return text.find("@" + doctorName) != std::string::npos ||
         text.find("\xEF\xBC\xA0" + doctorName) != std::string::npos;  // ＠
}

}  // namespace

std::string triageGroupMessageJson(std::string_view requestText) {
  // As moderateText: a bad byte is named, not called "not JSON".
  if (requestText.size() <= json_io::Limits{}.maxBytes) {
    if (const auto bad = firstInvalidUtf8(requestText)) {
      return json_io::errorEnvelope(
          {"moderation.bad_utf8",
           "文本不是有效的UTF-8编码（请求第" + std::to_string(*bad) + "字节）", ""});
    }
  }
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::requireObject(j, "");
    json_io::rejectUnknownKeys(j, "", {"text", "nowMs", "group", "moderation"});
    if (!j.contains("text") || j.at("text").is_null()) fail("input.missing_field", "缺少必填字段 text", "/text");
    if (!j.at("text").is_string()) fail("input.wrong_type", "字段类型错误：text 应为字符串", "/text");
    const std::string& text = j.at("text").get_ref<const std::string&>();

    // The check every message goes through before it is posted.
    Json checkRequest{{"text", text}, {"context", "message"}};
    if (j.contains("moderation") && !j.at("moderation").is_null()) {
      json_io::requireObject(j.at("moderation"), "/moderation");
      checkRequest["config"] = j.at("moderation");
    }
    const Json check = valueOf(moderateTextJson(checkRequest.dump()), "/config", "/moderation");
    const std::string verdict = check.at("verdict").get<std::string>();

    // The group's doctor and Q&A slot, when the group has them.
    bool addressesDoctor = false;
    Json inSlot = nullptr;
    Json qaReply = nullptr;
    if (j.contains("group") && !j.at("group").is_null()) {
      const Json& group = json_io::requireObject(j.at("group"), "/group");
      json_io::rejectUnknownKeys(group, "/group",
                                 {"doctorName", "qaSlots", "emergencyContact", "replyTemplate", "utcOffsetMinutes"});
      std::string doctorName;
      json_io::readString(group, "doctorName", "/group", 128, doctorName, true);
      if (doctorName.empty()) fail("input.out_of_range", "doctorName 不能为空", "/group/doctorName");
      std::int64_t nowMs = 0;
      json_io::readInt(j, "nowMs", "", 0, 8'000'000'000'000, nowMs, true);
      Json config = Json::object();
      for (const char* key : {"qaSlots", "emergencyContact", "replyTemplate", "utcOffsetMinutes"}) {
        if (group.contains(key)) config[key] = group.at(key);
      }
      const Json qa = valueOf(replyOutsideQaSlotJson(Json{{"nowMs", nowMs}, {"config", config}}.dump()),
                              "/config", "/group");
      addressesDoctor = namesDoctor(text, doctorName);
      inSlot = qa.at("inSlot");
      // A blocked message has its notice; a question to the doctor outside the slot, the nurse's reply.
      if (addressesDoctor && verdict != "block" && !qa.at("inSlot").get<bool>()) qaReply = qa.at("reply");
    }

    return Json{{"check", check},
                {"reviewItem", verdict != "pass"},
                {"authorNotice", verdict == "block" ? check.at("authorNotice") : Json(nullptr)},
                {"addressesDoctor", addressesDoctor},
                {"inSlot", inSlot},
                {"qaReply", qaReply}};
  });
}

}  // namespace carecircle
