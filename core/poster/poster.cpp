// Template ids and the wording check of posters (G11).
#include <array>

#include "moderation/moderation_text.hpp"
#include "poster/poster.hpp"

namespace carecircle {
namespace {

constexpr std::array<std::pair<PosterTemplate, const char*>, 6> kTemplateIds = {{
    {PosterTemplate::kStory, "storyPoster"},
    {PosterTemplate::kReferralHonour, "referralHonour"},
    {PosterTemplate::kReferralBenefit, "referralBenefit"},
    {PosterTemplate::kReferralPrivilege, "referralPrivilege"},
    {PosterTemplate::kThankYouCard, "thankYouCard"},
    {PosterTemplate::kCheckInPoster, "checkInPoster"},
}};

void checkField(const std::string& text, const char* field, std::vector<WordingFlag>& out) {
  if (text.empty()) return;
  // The patient's own bytes are checked, so spans point into what they typed.
  // Text that is not UTF-8 (C++ callers only: JSON is always UTF-8) is checked
  // in the normalized form that would be drawn.
  const bool valid = !firstInvalidUtf8(text).has_value();
  const std::string normalized = valid ? std::string() : poster::normalizeText(text);
  Result<ModerationReport> report =
      ModerationPolicy::defaults().check(valid ? text : normalized, ModerationContext::kStory);
  if (!report.ok()) return;  // over 4 MiB: the JSON layer refuses such text long before
  for (const ModerationMatch& m : report.value().matches) {
    if (m.severity == ModerationSeverity::kBlock) out.push_back(WordingFlag{field, m});
  }
}

}  // namespace

const char* posterTemplateId(PosterTemplate t) {
  for (const auto& [templ, id] : kTemplateIds) {
    if (templ == t) return id;
  }
  return "storyPoster";
}

std::optional<PosterTemplate> parsePosterTemplate(std::string_view id) {
  for (const auto& [templ, name] : kTemplateIds) {
    if (id == name) return templ;
  }
  return std::nullopt;
}

bool posterHasQr(PosterTemplate t) {
  return t != PosterTemplate::kStory && t != PosterTemplate::kCheckInPoster;
}

std::vector<WordingFlag> checkPosterWording(const PosterRequest& request) {
  std::vector<WordingFlag> flags;
  if (request.templ == PosterTemplate::kStory) {
    checkField(request.title, "/data/title", flags);
    checkField(request.story, "/data/story", flags);
  }
  if (posterHasQr(request.templ)) checkField(request.message, "/data/message", flags);
  return flags;
}

}  // namespace carecircle
