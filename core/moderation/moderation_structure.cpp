#include "moderation/moderation_structure.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

#include "moderation_lexicon.inc"

// How far apart (in folded code points) a drug name and its dose, frequency,
// change or addressee may be and still belong together: about one chat
// sentence.
constexpr std::size_t kDrugWindow = 24;
// Folded code points allowed between an app name and an id ("微信号是 …").
constexpr std::size_t kIdGap = 6;

struct Keyword {
  StructureKind kind;
  std::uint8_t maxGap;
  const char* text;
};

using K = StructureKind;
// The fixed vocabulary of the structural checks. Patterns are folded like the
// text (lower case, no separators, traditional → simplified), so "VX", "ｖｘ"
// and "v x" are one keyword.
constexpr Keyword kKeywords[] = {
    // dose units: a dose when a numeral (digits or 一二两半几 …) precedes them
    {K::kUnit, 0, "片"}, {K::kUnit, 0, "粒"}, {K::kUnit, 0, "颗"}, {K::kUnit, 0, "支"},
    {K::kUnit, 0, "丸"}, {K::kUnit, 0, "袋"}, {K::kUnit, 0, "喷"}, {K::kUnit, 0, "滴"},
    {K::kUnit, 0, "mg"}, {K::kUnit, 0, "毫克"}, {K::kUnit, 0, "微克"}, {K::kUnit, 0, "μg"},
    {K::kUnit, 0, "µg"}, {K::kUnit, 0, "ug"}, {K::kUnit, 0, "mcg"}, {K::kUnit, 0, "ml"},
    {K::kUnit, 0, "毫升"}, {K::kUnit, 0, "单位"}, {K::kUnit, 0, "iu"}, {K::kUnit, 0, "u"},
    // frequency and timing of a dose
    {K::kFreq, 0, "每天"}, {K::kFreq, 0, "每日"}, {K::kFreq, 0, "每晚"}, {K::kFreq, 0, "每早"},
    {K::kFreq, 0, "早晚"}, {K::kFreq, 0, "一天一次"}, {K::kFreq, 0, "一天两次"},
    {K::kFreq, 0, "一天三次"}, {K::kFreq, 0, "一日一次"}, {K::kFreq, 0, "一日两次"},
    {K::kFreq, 0, "一日三次"}, {K::kFreq, 0, "一天吃"}, {K::kFreq, 0, "一日吃"},
    {K::kFreq, 0, "睡前吃"}, {K::kFreq, 0, "饭前吃"}, {K::kFreq, 0, "饭后吃"},
    {K::kFreq, 0, "空腹吃"}, {K::kFreq, 0, "隔天吃"}, {K::kFreq, 0, "每周"}, {K::kFreq, 0, "qd"},
    {K::kFreq, 0, "bid"}, {K::kFreq, 0, "tid"},
    // changing a dose or a drug
    {K::kChange, 0, "停药"}, {K::kChange, 0, "减药"}, {K::kChange, 0, "加药"},
    {K::kChange, 0, "换药"}, {K::kChange, 0, "停掉"}, {K::kChange, 0, "停了"},
    {K::kChange, 0, "减量"}, {K::kChange, 0, "加量"}, {K::kChange, 0, "减半"},
    {K::kChange, 0, "加倍"}, {K::kChange, 0, "换成"}, {K::kChange, 0, "改吃"},
    {K::kChange, 0, "别吃了"}, {K::kChange, 0, "不用吃"}, {K::kChange, 0, "可以不吃"},
    {K::kChange, 0, "少吃点"}, {K::kChange, 0, "多吃点"},
    // recommending to others
    {K::kPeer, 0, "试试"}, {K::kPeer, 0, "试一下"}, {K::kPeer, 0, "推荐"}, {K::kPeer, 0, "建议"},
    {K::kPeer, 0, "可以吃"}, {K::kPeer, 0, "去买"}, {K::kPeer, 0, "吃吃看"}, {K::kPeer, 0, "管用"},
    {K::kPeer, 0, "好使"}, {K::kPeer, 0, "赶紧吃"}, {K::kPeer, 0, "亲测"}, {K::kPeer, 0, "照着吃"},
    {K::kYou, 0, "你"}, {K::kYou, 0, "您"},
    {K::kSelf, 0, "我"}, {K::kSelf, 0, "俺"}, {K::kSelf, 0, "本人"},
    {K::kStaff, 0, "医生"}, {K::kStaff, 0, "大夫"}, {K::kStaff, 0, "主任"}, {K::kStaff, 0, "护士"},
    {K::kStaff, 0, "医嘱"}, {K::kStaff, 0, "药师"},
    // apps and their disguises (sound-alikes of 微信 and 扣扣 are added from the table)
    {K::kApp, 0, "微信"}, {K::kApp, 0, "v信"}, {K::kApp, 0, "加v"}, {K::kApp, 0, "加微"}, {K::kApp, 0, "vx"}, {K::kApp, 0, "wx"},
    {K::kApp, 0, "薇"}, {K::kApp, 0, "扣扣"}, {K::kApp, 0, "qq"}, {K::kApp, 0, "企鹅"},
    {K::kApp, 0, "支付宝"}, {K::kApp, 0, "zfb"}, {K::kApp, 0, "二维码"}, {K::kApp, 0, "小程序码"},
    {K::kApp, 0, "公众号"}, {K::kApp, 0, "抖音号"}, {K::kApp, 0, "群号"},
    // invitations; maxGap = folded code points allowed before the app name
    {K::kInvite, 4, "加我"}, {K::kInvite, 0, "加"}, {K::kInvite, 0, "加个"},
    {K::kInvite, 0, "加一下"}, {K::kInvite, 0, "添加"}, {K::kInvite, 0, "互加"},
    {K::kInvite, 6, "私聊我"}, {K::kInvite, 6, "私信我"}, {K::kInvite, 4, "联系我"},
    {K::kInvite, 2, "找我"}, {K::kInvite, 4, "扫我"}, {K::kInvite, 0, "扫码加"},
};

// Sound-alike sources for the app names (see data/homophone_words.tsv).
constexpr const char* kAppSoundAlikes[] = {"微信", "扣扣"};

bool isNumeral(char32_t c) {
  if (c >= U'0' && c <= U'9') return true;
  switch (c) {
    case U'零': case U'〇': case U'一': case U'二': case U'两': case U'三': case U'四':
    case U'五': case U'六': case U'七': case U'八': case U'九': case U'十': case U'半':
    case U'几': case U'百': case U'千':
      return true;
    default:
      return false;
  }
}

// Characters that stand for a digit in a number someone spells out to hide
// it: 幺 (1), 两 (2), 拐 (7), 勾 (9), 洞 (0) and the banker's forms.
bool isIdDigit(char32_t c) {
  if (c >= U'0' && c <= U'9') return true;
  switch (c) {
    case U'零': case U'〇': case U'一': case U'二': case U'两': case U'三': case U'四':
    case U'五': case U'六': case U'七': case U'八': case U'九': case U'幺': case U'壹':
    case U'贰': case U'叁': case U'肆': case U'伍': case U'陆': case U'柒': case U'捌':
    case U'玖':
      return true;
    default:
      return false;
  }
}

// A number followed by one of these is a quantity ("12000步"), not an id.
bool isQuantitySuffix(char32_t c) {
  switch (c) {
    case U'步': case U'元': case U'块': case U'次': case U'分': case U'斤': case U'个':
    case U'天': case U'米': case U'卡': case U'克': case U'人': case U'年': case U'月':
    case U'日': case U'号': case U'点': case U'岁': case U'页': case U'字': case U'期':
    case U'楼': case U'床': case U'周': case U'秒': case U'千': case U'万': case U'公':
      return true;
    default:
      return false;
  }
}

bool isAsciiAlnum(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9'); }

ModerationSpan join(const ModerationSpan& a, const ModerationSpan& b) {
  return {a.start.byte <= b.start.byte ? a.start : b.start, a.end.byte >= b.end.byte ? a.end : b.end};
}

bool validTopLevel(std::string_view tld) {
  static constexpr std::string_view kTlds[] = {"com", "cn",   "net", "org",  "cc",   "top",
                                               "vip", "xyz",  "me",  "io",   "info", "link",
                                               "ly",  "co",   "site", "shop", "club", "wang",
                                               "ink", "work", "fun",  "tv",   "hk",   "tw"};
  return std::find(std::begin(kTlds), std::end(kTlds), tld) != std::end(kTlds);
}

// "https://…", "www.abc.com", "abc.com/x", "t.cn/…", "name@qq.com": a link or an
// address that takes the reader out of the group.
bool looksLikeLink(const std::string& raw) {
  std::string s;
  s.reserve(raw.size());
  for (char ch : raw) s += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  if (s.find("://") != std::string::npos) return true;
  std::string host = s.substr(0, s.find_first_of("/?#"));
  if (const auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (host.empty() || host.back() == '.' || host.back() == ':') return false;
  const auto dot = host.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  bool letter = false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < dot; ++i) {
    const char ch = host[i];
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
    letter = letter || (ch >= 'a' && ch <= 'z');
    ++label;
  }
  return letter && label > 0 && validTopLevel(std::string_view(host).substr(dot + 1));
}

bool linkCharacter(char32_t c) {
  if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9')) return true;
  switch (c) {
    case U'.': case U':': case U'/': case U'?': case U'#': case U'@': case U'&': case U'=':
    case U'%': case U'_': case U'-': case U'~': case U'+':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<std::string> demoFormulary() {
  std::vector<std::string> out;
  for (const DemoDrug& d : kDemoFormulary) out.emplace_back(d.name);
  return out;
}

std::vector<std::u32string> homophoneVariants(const std::u32string& foldedWord) {
  static const std::map<std::u32string, std::vector<std::u32string>> table = [] {
    std::map<std::u32string, std::vector<std::u32string>> t;
    for (const Homophone& h : kHomophones) t[foldString(h.word)].push_back(foldString(h.variant));
    return t;
  }();
  const auto it = table.find(foldedWord);
  return it == table.end() ? std::vector<std::u32string>{} : it->second;
}

StructureLexicon::StructureLexicon(const std::vector<std::u32string>& foldedDrugNames,
                                   const std::vector<std::string>& drugNames) {
  std::vector<std::u32string> patterns;
  for (std::size_t i = 0; i < foldedDrugNames.size(); ++i) {
    patterns.push_back(foldedDrugNames[i]);
    entries_.push_back({K::kDrug, 0, drugNames[i]});
  }
  for (const Keyword& k : kKeywords) {
    patterns.push_back(foldString(k.text));
    entries_.push_back({k.kind, k.maxGap, k.text});
  }
  for (const char* word : kAppSoundAlikes) {
    for (std::u32string& v : homophoneVariants(foldString(word))) {
      patterns.push_back(std::move(v));
      entries_.push_back({K::kApp, 0, word});
    }
  }
  matcher_ = MultiPatternMatcher(patterns);
}

StructureScanner::StructureScanner(const StructureLexicon& lexicon, bool drugs, bool contact,
                                   std::vector<StructureFinding>& out)
    : lexicon_(lexicon), drugs_(drugs), contact_(contact), out_(out) {}

void StructureScanner::add(const char* ruleId, const char* category, bool block,
                           std::string pattern, ModerationSpan span) {
  // Findings of one rule that touch or overlap become one (a contact line
  // "加我微信 abc123" is one finding, not three).
  for (auto it = out_.rbegin(); it != out_.rend() && it != out_.rbegin() + 4; ++it) {
    if (std::string_view(it->category) == category && it->span.start.byte <= span.end.byte &&
        span.start.byte <= it->span.end.byte && it->block == block) {
      it->span = join(it->span, span);
      if (std::string_view(ruleId) == "contact-id") {
        it->ruleId = ruleId;
        it->pattern = pattern;
      }
      return;
    }
  }
  out_.push_back({ruleId, category, block, std::move(pattern), span});
}

void StructureScanner::feedOriginal(char32_t cp, char32_t folded, ModerationPosition at,
                                    ModerationPosition next) {
  if (!contact_) return;
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  // Punctuation ends an id ("扣扣 12345678；VX：abc123" holds two ids); spaces,
  // "_" and "-" do not ("zhang_1988", "1234 5678").
  if (inId_ && folded == kIgnoredCodePoint && cp != U' ' && cp != U'_' && cp != U'-' &&
      cp != 0x3000 && cp != U'\t' && cp != 0x00A0)
    closeIdRun();
  if (linkCharacter(cp)) {
    if (!inLink_) {
      inLink_ = true;
      link_.clear();
      linkSpan_.start = at;
    }
    if (link_.size() < 2048) link_ += static_cast<char>(cp);
    linkSpan_.end = next;
    return;
  }
  closeLink();
}

void StructureScanner::closeLink() {
  if (!inLink_) return;
  inLink_ = false;
  // Trailing punctuation belongs to the sentence, not the link.
  while (!link_.empty() && (link_.back() == '.' || link_.back() == ':' || link_.back() == '?' ||
                            link_.back() == '-')) {
    link_.pop_back();
    --linkSpan_.end.byte;
    --linkSpan_.end.codePoint;
    --linkSpan_.end.utf16;
  }
  if (!link_.empty() && looksLikeLink(link_))
    add("contact-link", "contact", true, "link", linkSpan_);
}

void StructureScanner::feedFolded(char32_t folded, std::size_t norm, ModerationPosition at,
                                  ModerationPosition next) {
  norm_ = norm;
  ring_[norm & 63] = at;
  // numeral runs (doses)
  if (isNumeral(folded)) {
    if (!inNumeral_) {
      inNumeral_ = true;
      numeralStart_ = norm;
      numeralStartAt_ = at;
    }
    numeralEnd_ = norm + 1;
  } else {
    inNumeral_ = false;
  }
  // id-shaped runs (contact ids)
  if (contact_) {
    if (isAsciiAlnum(folded) || isIdDigit(folded)) {
      if (!inId_) {
        inId_ = true;
        idStart_ = norm;
        idLetters_ = idDigits_ = 0;
        idHasCut_ = false;
        idSpan_.start = at;
      }
      idEnd_ = norm + 1;
      idSpan_.end = next;
      if (folded >= U'a' && folded <= U'z') ++idLetters_; else ++idDigits_;
    } else if (inId_) {
      if (isQuantitySuffix(folded)) inId_ = false;  // "12000步" is a count, not an id
      closeIdRun();
    }
  }
  lexicon_.matcher().step(cursor_, folded, [&](std::uint32_t id) {
    const std::size_t length = lexicon_.matcher().patternLength(id);
    const std::size_t start = norm + 1 - length;
    onToken(Token{lexicon_.kind(id), id, start, norm + 1, ModerationSpan{ring_[start & 63], next}});
  });
  if (drugs_) decideDrugs(norm + 1, false);
}

void StructureScanner::finish() {
  closeLink();
  if (inId_) closeIdRun();
  if (drugs_) decideDrugs(0, true);
}

void StructureScanner::closeIdRun() {
  if (!inId_) return;
  inId_ = false;
  std::size_t start = idStart_;
  ModerationSpan span = idSpan_;
  const std::size_t letters = idLetters_, digits = idDigits_;
  if (idHasCut_ && idCut_ > idStart_) {
    // "vxabc123": the id is what follows the app name inside the run (the
    // ring holds the positions of the last 64 folded code points). An app
    // name glued to 5..20 letters or digits is an id.
    const std::size_t length = idEnd_ - idCut_;
    if (length < 5 || length > 20) return;
    start = idCut_;
    span.start = ring_[idCut_ & 63];
    if (haveLast_[static_cast<int>(K::kApp)])
      add("contact-id", "contact", true, "contactId",
          join(last_[static_cast<int>(K::kApp)].span, span));
    return;
  }
  const std::size_t length = idEnd_ - start;
  const bool idShaped = letters > 0 ? (length >= 6 && length <= 20) : (length >= 5 && length <= 12);
  if (!idShaped || length != letters + digits) return;
  Token t{K::kApp, 0, start, idEnd_, span};
  lastId_ = t;
  haveLastId_ = true;
  const Token& app = last_[static_cast<int>(K::kApp)];
  if (haveLast_[static_cast<int>(K::kApp)] && app.normEnd <= start && start - app.normEnd <= kIdGap) {
    add("contact-id", "contact", true, "contactId", join(app.span, span));
    haveLastId_ = false;  // paired: it is not also the id of the next app name
    return;
  }
  const Token& invite = last_[static_cast<int>(K::kInvite)];
  if (haveLast_[static_cast<int>(K::kInvite)] && invite.normEnd <= start &&
      start - invite.normEnd <= 4 && lexicon_.text(invite.id) != std::string("加")) {
    add("contact-id", "contact", true, "contactId", join(invite.span, span));
  }
}

void StructureScanner::onToken(const Token& t) {
  const int k = static_cast<int>(t.kind);
  if (contact_ && t.kind == K::kApp) {
    if (inId_ && t.normEnd > idStart_ && t.normEnd <= idEnd_) {
      idCut_ = t.normEnd;  // an app name in letters inside an alnum run
      idHasCut_ = true;
    }
    const Token& invite = last_[static_cast<int>(K::kInvite)];
    if (haveLast_[static_cast<int>(K::kInvite)] && invite.normEnd <= t.normStart &&
        t.normStart - invite.normEnd <= lexicon_.maxGap(invite.id)) {
      add("contact-invite", "contact", true, "contactInvite", join(invite.span, t.span));
    }
    if (haveLastId_ && lastId_.normEnd <= t.normStart && t.normStart - lastId_.normEnd <= kIdGap) {
      add("contact-id", "contact", true, "contactId", join(lastId_.span, t.span));
      haveLastId_ = false;
    }
  }
  if (contact_ && t.kind == K::kInvite) {
    const Token& app = last_[static_cast<int>(K::kApp)];
    if (haveLast_[static_cast<int>(K::kApp)] && app.normEnd <= t.normStart &&
        t.normStart - app.normEnd <= 1 && lexicon_.text(t.id) != std::string("加")) {
      add("contact-invite", "contact", true, "contactInvite", join(app.span, t.span));
    }
  }
  if (!drugs_) {
    last_[k] = t;
    haveLast_[k] = true;
    return;
  }
  Token context = t;
  bool instr = t.kind == K::kFreq || t.kind == K::kChange;
  if (t.kind == K::kUnit) {
    // A unit is a dose only right after a numeral: "两片", "50微克", "0.5mg".
    if (numeralEnd_ != t.normStart || numeralEnd_ == numeralStart_) {
      last_[k] = t;
      haveLast_[k] = true;
      return;
    }
    context.normStart = numeralStart_;
    context.span.start = numeralStartAt_;
    instr = true;
  }
  if (t.kind == K::kDrug) {
    PendingDrug d;
    d.drug = t;
    auto near = [&](const Token& o) { return o.normEnd + kDrugWindow >= t.normStart; };
    for (K kind : {K::kPeer, K::kYou, K::kSelf, K::kStaff}) {
      const int i = static_cast<int>(kind);
      if (!haveLast_[i] || !near(last_[i])) continue;
      if (kind == K::kPeer) d.peer = true;
      if (kind == K::kYou) d.you = true;
      if (kind == K::kSelf) d.self = true;
      if (kind == K::kStaff) d.staff = true;
    }
    if (haveLastInstr_ && near(lastInstr_)) {
      d.hasInstr = true;
      d.instr = lastInstr_;
    }
    pending_.push_back(d);
  } else {
    for (PendingDrug& d : pending_) {
      if (context.normStart > d.drug.normEnd + kDrugWindow) continue;
      if (context.normStart < d.drug.normEnd && t.kind != K::kUnit) {
        // overlaps the name itself (a keyword inside a drug name): not context
        if (context.normEnd > d.drug.normStart) continue;
      }
      if (instr) {
        // The finding covers the name and every dose or instruction after it.
        if (d.hasInstr) d.instr.span = join(d.instr.span, context.span); else d.instr = context;
        d.hasInstr = true;
      }
      if (t.kind == K::kPeer) d.peer = true;
      if (t.kind == K::kYou) d.you = true;
      if (t.kind == K::kSelf) d.self = true;
      if (t.kind == K::kStaff) d.staff = true;
    }
  }
  if (instr) {
    lastInstr_ = context;
    haveLastInstr_ = true;
  }
  last_[k] = t;
  haveLast_[k] = true;
}

void StructureScanner::decideDrugs(std::size_t norm, bool all) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    PendingDrug& d = pending_[i];
    if (!all && norm <= d.drug.normEnd + kDrugWindow + MultiPatternMatcher::kMaxPatternLength) {
      pending_[kept++] = d;
      continue;
    }
    const std::string& name = lexicon_.text(d.drug.id);
    // Advice: a recommendation, or "你/您" when no doctor or nurse is named
    // (with one, "您" is the patient asking staff), or an instruction nobody
    // owns — neither the patient's own account ("我") nor the doctor's order.
    const bool advice = d.peer || (d.you && !d.staff) || (!d.self && !d.staff);
    if (d.hasInstr && advice) {
      add("drug-advice-dose", "drugAdvice", true, name, join(d.drug.span, d.instr.span));
    } else {
      add("drug-name-mention", "drugMention", false, name, d.drug.span);
    }
  }
  pending_.resize(kept);
}

}  // namespace carecircle
