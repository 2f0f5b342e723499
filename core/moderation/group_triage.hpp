// What the bot does with one group message: the moderation check, and the
// doctor's Q&A slot for a message that names the doctor. One rule, shared by
// every backend that reads a community's group chat (docs/api/moderation.md,
// `triageGroupMessage`).
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"text", "nowMs"?, "group"?: {"doctorName", "qaSlots", "emergencyContact"?,
//  "replyTemplate"?, "utcOffsetMinutes"?}, "moderation"?: <moderateText config>}
// → envelope with {"check": <moderateText value>, "reviewItem", "authorNotice",
//  "addressesDoctor", "inSlot", "qaReply"}.
std::string triageGroupMessageJson(std::string_view requestText);

}  // namespace carecircle
