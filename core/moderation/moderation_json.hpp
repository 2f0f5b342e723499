// JSON entry points of the moderation module. Request and reply shapes are
// documented in docs/api/moderation.md; fixtures in tests/fixtures/moderation/.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"text", "context"?: "message" | "story", "config"?: {...}} → envelope with
// the ModerationReport. The whole request is checked for well-formed UTF-8
// first, so a bad byte is reported as moderation.bad_utf8 with its offset.
std::string moderateTextJson(std::string_view requestText);

// {"config"?: {...}} → envelope with the effective rule list (defaults from
// the core, with the request's changes applied): what a staff page shows and
// edits, so the shell never re-declares the word list.
std::string moderationRulesJson(std::string_view requestText);

}  // namespace carecircle
