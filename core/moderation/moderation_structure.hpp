// Structural checks of the moderation module: findings that no single phrase
// expresses, decided from several tokens near each other in the folded text.
//
//  - drug advice: a drug name (the formulary) with a dose ("两片", "50微克"),
//    a frequency ("每天", "一日两次") or a change ("停药", "减量") nearby,
//    and who it is said to ("你", "试试", "推荐") or whose account it is
//    ("我", "医嘱");
//  - private contact: an app name or its disguise (微信, 威信, VX, 扣扣, 企鹅 …)
//    next to an id-shaped token or an invitation ("加我"), and links.
//
// The scanner is streaming like the word matcher: the caller feeds every
// folded code point and every structure-matcher hit; memory is bounded by the
// window, not the text. Decisions are documented in docs/api/moderation.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moderation/moderation_matcher.hpp"

namespace carecircle {

// Where a code point sits in the original text.
struct ModerationPosition {
  std::size_t byte = 0;
  std::size_t codePoint = 0;
  std::size_t utf16 = 0;
};

struct ModerationSpan {
  ModerationPosition start;
  ModerationPosition end;  // exclusive
};

// The kinds of token the structure matcher reports.
enum class StructureKind : std::uint8_t {
  kDrug,    // a formulary name
  kUnit,    // 片 粒 mg 微克 … (a dose when a numeral precedes it)
  kFreq,    // 每天, 一日两次, 睡前 …
  kChange,  // 停药, 减量, 换成 …
  kPeer,    // recommending: 试试, 推荐, 建议, 可以吃, 去买 …
  kYou,     // 你 / 您 (not a peer when a doctor or nurse is addressed)
  kSelf,    // 我, 俺, 本人
  kStaff,   // 医生, 医嘱, 护士 …
  kApp,     // 微信 and its disguises, QQ, 扣扣, 企鹅, 支付宝, 二维码 …
  kInvite,  // 加我, 私聊我, 扫码加 …
};

// One finding of the structural checks, before it becomes a ModerationMatch.
struct StructureFinding {
  const char* ruleId;
  const char* category;
  bool block;
  std::string pattern;  // a detector name, or the drug name found
  ModerationSpan span;
};

// The compiled vocabulary: the formulary and the fixed keyword tables, in one
// automaton over folded code points.
class StructureLexicon {
 public:
  // `drugNames` already validated (each folds to 1..64 code points, distinct).
  StructureLexicon(const std::vector<std::u32string>& foldedDrugNames,
                   const std::vector<std::string>& drugNames);
  StructureLexicon() : StructureLexicon({}, {}) {}

  const MultiPatternMatcher& matcher() const { return matcher_; }
  StructureKind kind(std::uint32_t id) const { return entries_[id].kind; }
  std::uint8_t maxGap(std::uint32_t id) const { return entries_[id].maxGap; }
  const std::string& text(std::uint32_t id) const { return entries_[id].text; }

 private:
  struct Entry {
    StructureKind kind;
    std::uint8_t maxGap;  // kInvite: folded code points allowed before the app name
    std::string text;     // the drug name or keyword as written
  };
  MultiPatternMatcher matcher_;
  std::vector<Entry> entries_;
};

// The shipped demo formulary (core/moderation/data/demo_formulary.tsv).
std::vector<std::string> demoFormulary();

// Sound-alike variants of a high-risk word (core/moderation/data/
// homophone_words.tsv), folded; empty when the word has none.
std::vector<std::u32string> homophoneVariants(const std::u32string& foldedWord);

class StructureScanner {
 public:
  StructureScanner(const StructureLexicon& lexicon, bool drugs, bool contact,
                   std::vector<StructureFinding>& out);

  // Every code point of the ORIGINAL text with its folded form (links are
  // read before folding; punctuation ends an id), before feedFolded().
  void feedOriginal(char32_t cp, char32_t folded, ModerationPosition at, ModerationPosition next);
  // Every folded, non-ignored code point, in order; `norm` is its index.
  void feedFolded(char32_t folded, std::size_t norm, ModerationPosition at,
                  ModerationPosition next);
  void finish();

 private:
  struct Token {
    StructureKind kind;
    std::uint32_t id = 0;
    std::size_t normStart = 0;
    std::size_t normEnd = 0;
    ModerationSpan span;
  };
  struct PendingDrug {
    Token drug;
    bool hasInstr = false;
    Token instr;
    bool peer = false, you = false, self = false, staff = false;
  };

  void onToken(const Token& t);
  void onDrugContext(const Token& t);
  void decideDrugs(std::size_t norm, bool all);
  void closeIdRun();
  void closeLink();
  void add(const char* ruleId, const char* category, bool block, std::string pattern,
           ModerationSpan span);

  const StructureLexicon& lexicon_;
  bool drugs_;
  bool contact_;
  std::vector<StructureFinding>& out_;

  MultiPatternMatcher::Cursor cursor_;
  ModerationPosition ring_[64];  // folded index & 63 → original position
  // numeral run (for doses)
  bool inNumeral_ = false;
  std::size_t numeralStart_ = 0, numeralEnd_ = 0;
  ModerationPosition numeralStartAt_;
  // id-shaped run (for contact ids)
  bool inId_ = false;
  std::size_t idStart_ = 0, idEnd_ = 0, idLetters_ = 0, idDigits_ = 0;
  ModerationSpan idSpan_;
  std::size_t idCut_ = 0;  // an app name written in letters ("vx") ends inside the run here
  bool idHasCut_ = false;
  // last tokens seen, for look-back
  bool haveLast_[10] = {};
  Token last_[10];
  bool haveLastInstr_ = false;
  Token lastInstr_;
  bool haveLastId_ = false;
  Token lastId_;
  std::vector<PendingDrug> pending_;
  std::size_t norm_ = 0;
  // link run on the original text
  std::string link_;
  ModerationSpan linkSpan_;
  bool inLink_ = false;
  bool haveContact_ = false;
};

}  // namespace carecircle
