// Moderation check for group messages and patient stories before they are
// posted (docs/api/moderation.md, seed 000 "风险管控", G11/G12 in docs/compliance.md).
//
// What it flags, by default (every rule is configuration; see
// defaultModerationRules()):
//  - drugAdvice     患者间用药建议: "你吃这个药试试", stopping or changing a dose,
//                   folk remedies — seed 000: "禁止患者互开药方 ... 立即撤回并警告";
//  - efficacyClaim  疗效承诺: 根治 / 包治 / 治愈率 / 100%有效 ... (广告法 第十六条);
//  - superlative    绝对化用语: 最好 / 第一 / 最佳 ... (广告法 第九条), with
//                   exceptions for everyday phrases (第一次, 最好别 ...);
//  - personalData   个人信息: mainland mobile and landline numbers, 400/800
//                   hotlines and resident ID numbers (checksum-verified) in
//                   public text (个人信息保护法).
//
// Matching folds the text first (moderation_text.hpp): full-width → ASCII,
// case, and separators inserted between characters ("根 治", "根-治", "根.治")
// are ignored. Word rules use one Aho–Corasick automaton over code points
// (moderation_matcher.hpp); within a category the leftmost-longest
// non-overlapping matches are kept, and a match covered by one of its rule's
// exceptions is dropped. Every match is reported as a span of the ORIGINAL
// text, in bytes and in code points, with the rule and its explanation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace carecircle {

enum class ModerationSeverity { kReview, kBlock };
const char* moderationSeverityName(ModerationSeverity severity);  // "review" | "block"

struct ModerationRule {
  std::string id;             // stable, unique, 1..128 bytes, e.g. "drug-advice-recommend"
  std::string category;       // e.g. "drugAdvice"; built-in or custom (1..64 bytes)
  std::string categoryLabel;  // Chinese; empty → the built-in label, or the category id
  ModerationSeverity severity = ModerationSeverity::kBlock;
  std::string explanation;              // Chinese: why, and what to do instead
  std::vector<std::string> patterns;    // UTF-8; each folds to 1..64 code points
  std::vector<std::string> exceptions;  // a rule match inside one of these is not reported
};

// The shipped word list (seed 000 + G11). Stable ids; see docs/api/moderation.md.
std::vector<ModerationRule> defaultModerationRules();

// The shipped demo formulary (generic and brand names of common drugs of the
// demo hospital's 12 communities).
std::vector<std::string> demoFormulary();

// The Chinese label of a built-in category ("drugAdvice" → "患者间用药建议"); ""
// for unknown ones.
std::string builtInCategoryLabel(std::string_view category);

struct ModerationConfig {
  std::vector<ModerationRule> rules = defaultModerationRules();
  bool detectPhoneNumbers = true;   // mobile, landline, 400/800 hotlines
  bool detectIdCardNumbers = true;  // 18-character resident ID with a valid checksum
  // The formulary: drug names (generic and brand) whose mention is flagged,
  // and which with a dose, frequency or change is drug advice. The default is
  // the demo formulary (core/moderation/data/demo_formulary.tsv); a hospital
  // passes its own. Each folds to 1..64 code points, no two alike, ≤ 20,000.
  std::vector<std::string> drugNames = demoFormulary();
  bool detectDrugAdvice = true;  // the drug-name structure (drug-advice-dose, drug-name-mention)
  bool detectContact = true;     // app ids, invitations and links (contact-*)
  std::size_t maxMatches = 200;     // matches listed in a report, 1..10,000 (all are counted)
};

// Limits enforced by compile(); over them → moderation.bad_config.
inline constexpr std::size_t kMaxModerationRules = 10'000;
inline constexpr std::size_t kMaxModerationPatterns = 50'000;  // patterns + exceptions, all rules
inline constexpr std::size_t kMaxModerationTextBytes = 4u << 20;  // 4 MiB per text

enum class ModerationContext {
  kMessage,  // a group message: "review" matches are shown to staff, the message may go out
  kStory,    // a patient story / poster text: every match blocks (G11: stories carry no claims)
};

struct ModerationMatch {
  std::string ruleId;
  std::string category;
  std::string categoryLabel;
  ModerationSeverity severity = ModerationSeverity::kBlock;  // after the context is applied
  std::string pattern;        // the configured pattern (or detector name, e.g. "mobilePhone")
  std::string matchedText;    // the original bytes of the span; masked for personal data
  std::size_t byteStart = 0;  // [byteStart, byteEnd) in the original UTF-8 text
  std::size_t byteEnd = 0;
  std::size_t codePointStart = 0;  // [codePointStart, codePointEnd) in code points
  std::size_t codePointEnd = 0;
  std::size_t utf16Start = 0;  // [utf16Start, utf16End) in UTF-16 code units (JS string indices)
  std::size_t utf16End = 0;
  std::string explanation;
};

enum class ModerationVerdict { kPass, kReview, kBlock };
const char* moderationVerdictName(ModerationVerdict verdict);  // "pass" | "review" | "block"

struct ModerationReport {
  ModerationVerdict verdict = ModerationVerdict::kPass;
  ModerationContext context = ModerationContext::kMessage;
  std::size_t textBytes = 0;
  std::size_t textCodePoints = 0;
  std::size_t totalMatches = 0;          // all matches found
  std::vector<ModerationMatch> matches;  // the first maxMatches, by position
  std::vector<std::string> categories;   // distinct categories matched, first occurrence order
  std::string summary;                   // one line for staff, Chinese
  std::string authorNotice;              // what the author is told; "" when the verdict is pass
};

// A compiled, immutable rule set: compile once, check many texts (safe to
// share between threads).
class ModerationPolicy {
 public:
  // Errors: moderation.bad_config (empty or duplicate rule id, empty category,
  // a pattern that folds to nothing or to more than 64 code points, pattern
  // not UTF-8, too many rules/patterns, maxMatches out of 1..10,000).
  static Result<ModerationPolicy> compile(const ModerationConfig& config);

  // The shipped rules, compiled once per process.
  static const ModerationPolicy& defaults();

  // Checks one text. Errors: moderation.bad_utf8 (path "/text", message names
  // the byte offset), moderation.text_too_long (over 4 MiB). Empty text passes.
  Result<ModerationReport> check(std::string_view text, ModerationContext context) const;

  const std::vector<ModerationRule>& rules() const;
  const ModerationConfig& config() const;

 private:
  struct Compiled;
  explicit ModerationPolicy(std::shared_ptr<const Compiled> compiled);
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace carecircle
