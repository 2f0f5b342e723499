#include "moderation/moderation.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "moderation/moderation_matcher.hpp"
#include "moderation/moderation_structure.hpp"
#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxCategoryBytes = 64;
constexpr std::size_t kMaxMatchesLimit = 10'000;
constexpr std::size_t kMaxPatternBytes = 256;

struct BuiltInCategory {
  const char* id;
  const char* label;
};
constexpr std::array<BuiltInCategory, 6> kCategories = {{
    {"drugAdvice", "患者间用药建议"},
    {"drugMention", "提及药品"},
    {"efficacyClaim", "疗效承诺"},
    {"superlative", "绝对化用语"},
    {"contact", "私下联系"},
    {"personalData", "个人信息"},
}};

constexpr std::size_t kMaxDrugNames = 20'000;

// Explanations of the structural rules (moderation_structure.hpp).
const char* structureExplanation(std::string_view ruleId) {
  if (ruleId == "drug-advice-dose")
    return "病友之间不能告诉别人吃什么药、吃多少。药名加剂量、用法或停药减药的说法可能误导他人，"
           "用药请遵医嘱；有疑问请在医生答疑时间提问。";
  if (ruleId == "drug-name-mention")
    return "消息提到了药品名称，将由护士确认。请不要在群里讨论具体用药和剂量，用药请遵医嘱。";
  if (ruleId == "contact-link")
    return "群内请勿发布外部链接或小程序码。需要资料请联系群内护士或客服。";
  return "群内请勿留微信、QQ等联系方式，也不要邀请病友私下添加。需要帮助请联系群内护士或客服。";
}

ModerationRule rule(const char* id, const char* category, ModerationSeverity severity,
                    const char* explanation, std::vector<std::string> patterns,
                    std::vector<std::string> exceptions = {}) {
  return ModerationRule{id,
                        category,
                        builtInCategoryLabel(category),
                        severity,
                        explanation,
                        std::move(patterns),
                        std::move(exceptions)};
}

}  // namespace

const char* moderationSeverityName(ModerationSeverity severity) {
  return severity == ModerationSeverity::kBlock ? "block" : "review";
}

const char* moderationVerdictName(ModerationVerdict verdict) {
  switch (verdict) {
    case ModerationVerdict::kPass:
      return "pass";
    case ModerationVerdict::kReview:
      return "review";
    case ModerationVerdict::kBlock:
      return "block";
  }
  return "pass";
}

std::string builtInCategoryLabel(std::string_view category) {
  for (const BuiltInCategory& c : kCategories) {
    if (category == c.id) return c.label;
  }
  return "";
}

// The shipped word list. Seed 000 names the example ("你吃这个药试试") and the
// action (withdraw and warn); G11 names the claims; the legal basis is
// 《广告法》第九条 (absolute terms) and 第十六条 (efficacy, cure rates, safety
// guarantees in medical advertising). Superlatives are "review" in chat,
// where "最好别熬夜" is everyday speech, and block in stories (context kStory).
std::vector<ModerationRule> defaultModerationRules() {
  using S = ModerationSeverity;
  return {
      rule("drug-advice-recommend", "drugAdvice", S::kBlock,
           "病友之间不能互相推荐药物。每个人的病情和用药禁忌不同，用药请遵医嘱；"
           "有疑问请在医生答疑时间提问。",
           {"你吃这个药试试", "吃这个药试试", "这个药你试试", "你试试这个药", "试试这个药",
            "你也吃这个药", "推荐你吃", "你去买这个药", "去药店买这个", "我吃的这个药你",
            "换成这个药", "吃这个药就好了"}),
      rule("drug-advice-dosage", "drugAdvice", S::kBlock,
           "病友之间不能建议停药、减药或加量。调整用药必须由医生决定，请勿自行改变剂量。",
           {"可以停药", "自己停药", "自己减药", "药量减半", "不用吃药了", "加大剂量", "加量吃",
            "药可以停了", "少吃一片"}),
      rule("drug-advice-folk-remedy", "drugAdvice", S::kBlock,
           "请勿在群内推荐偏方、秘方或保健品替代治疗，以免延误病情。",
           {"偏方", "秘方", "土方子", "代替吃药"}),
      rule("efficacy-cure-claim", "efficacyClaim", S::kBlock,
           "不得承诺或断言疗效（如“根治”“包治”“彻底治愈”）。医疗效果因人而异，"
           "此类说法违反《广告法》第十六条。",
           {"根治", "包治", "彻底治愈", "完全治愈", "保证治愈", "药到病除", "永不复发", "一次见效",
            "立竿见影", "无效退款", "无效退费"}),
      rule("efficacy-rate", "efficacyClaim", S::kBlock,
           "不得宣传治愈率、有效率或“100%有效”。医疗广告和患者故事中不能出现此类数据"
           "（《广告法》第十六条）。",
           {"治愈率", "有效率", "成功率100%", "100%有效", "百分百有效", "百分之百有效", "100%治愈",
            "百分百治愈"}),
      rule("efficacy-safety", "efficacyClaim", S::kBlock,
           "不得断言安全性（如“无副作用”“零风险”）。任何治疗都可能有风险，请如实描述个人感受。",
           {"无副作用", "没有任何副作用", "零风险", "绝对安全", "纯天然无害"}),
      rule("superlative-best-first", "superlative", S::kReview,
           "请避免“最好”“第一”“最佳”等绝对化用语（《广告法》第九条）；患者故事和海报中不能出现。",
           {"最好", "最佳", "第一", "最权威", "最先进", "最专业", "最有效", "顶级", "首选",
            "国内领先", "世界领先", "no.1", "top1"},
           {"第一次",   "第一天",   "第一周", "第一个月", "第一年",     "第一步",     "第一时间",
            "第一阶段", "第一疗程", "第一针", "第一顿",   "第一口",     "第一名病友", "最好别",
            "最好不要", "最好还是", "最好先", "最好问",   "最好听医生", "最好遵医嘱"}),
  };
}

struct ModerationPolicy::Compiled {
  ModerationConfig config;
  MultiPatternMatcher matcher;
  struct Entry {
    std::uint32_t rule = 0;
    std::uint32_t category = 0;
    bool exception = false;
    std::uint32_t pattern = 0;  // index in the rule's patterns or exceptions
    bool soundAlike = false;    // a generated sound-alike variant of that pattern
  };
  std::vector<Entry> entries;               // by matcher pattern id
  std::vector<std::string> categories;      // distinct, in rule order; personalData last if absent
  std::vector<std::string> categoryLabels;  // parallel
  std::uint32_t personalDataCategory = 0;
  StructureLexicon lexicon;
  std::map<std::string, std::uint32_t> categoryOf;  // every category a finding can have
};

ModerationPolicy::ModerationPolicy(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

const std::vector<ModerationRule>& ModerationPolicy::rules() const {
  return compiled_->config.rules;
}
const ModerationConfig& ModerationPolicy::config() const {
  return compiled_->config;
}

Result<ModerationPolicy> ModerationPolicy::compile(const ModerationConfig& input) {
  auto bad = [](std::string message, std::string path) {
    return Error{"moderation.bad_config", std::move(message), std::move(path)};
  };
  if (input.rules.size() > kMaxModerationRules)
    return bad("规则过多（上限10000条）", "/config/rules");
  if (input.maxMatches < 1 || input.maxMatches > kMaxMatchesLimit)
    return bad("maxMatches 必须在1到10000之间", "/config/maxMatches");

  auto compiled = std::make_shared<Compiled>();
  compiled->config = input;
  std::vector<std::u32string> folded;
  std::set<std::string> ids;
  std::map<std::string, std::uint32_t> categoryIndex;
  std::size_t total = 0;
  for (std::size_t r = 0; r < compiled->config.rules.size(); ++r) {
    ModerationRule& rule = compiled->config.rules[r];
    const std::string path = "/config/rules/" + std::to_string(r);
    if (rule.id.empty() || rule.id.size() > kMaxIdBytes || !ids.insert(rule.id).second)
      return bad("规则编号为空、过长或重复：" + rule.id, path + "/id");
    if (rule.category.empty() || rule.category.size() > kMaxCategoryBytes)
      return bad("规则分类不能为空", path + "/category");
    if (rule.categoryLabel.empty()) rule.categoryLabel = builtInCategoryLabel(rule.category);
    if (rule.categoryLabel.empty()) rule.categoryLabel = rule.category;
    if (rule.patterns.empty()) return bad("规则至少需要一个匹配词", path + "/patterns");
    const auto [it, inserted] = categoryIndex.try_emplace(
        rule.category, static_cast<std::uint32_t>(compiled->categories.size()));
    if (inserted) {
      compiled->categories.push_back(rule.category);
      compiled->categoryLabels.push_back(rule.categoryLabel);
    }
    total += rule.patterns.size() + rule.exceptions.size();
    if (total > kMaxModerationPatterns) return bad("匹配词总数过多（上限50000个）", path);
    for (int kind = 0; kind < 2; ++kind) {
      const std::vector<std::string>& list = kind == 0 ? rule.patterns : rule.exceptions;
      for (std::size_t p = 0; p < list.size(); ++p) {
        const std::string ppath =
            path + (kind == 0 ? "/patterns/" : "/exceptions/") + std::to_string(p);
        if (list[p].size() > kMaxPatternBytes || firstInvalidUtf8(list[p]))
          return bad("匹配词过长或不是有效的UTF-8文本", ppath);
        std::u32string f = foldString(list[p]);
        if (f.empty()) return bad("匹配词去掉空格和标点后为空", ppath);
        if (f.size() > MultiPatternMatcher::kMaxPatternLength)
          return bad("匹配词过长（上限64个字）", ppath);
        if (kind == 0) {
          // People respell high-risk words by sound ("根植" → 根治, "genzhi").
          for (std::u32string& v : homophoneVariants(f)) {
            folded.push_back(std::move(v));
            compiled->entries.push_back({static_cast<std::uint32_t>(r), it->second, false,
                                         static_cast<std::uint32_t>(p), true});
          }
        }
        folded.push_back(std::move(f));
        compiled->entries.push_back({static_cast<std::uint32_t>(r), it->second, kind == 1,
                                     static_cast<std::uint32_t>(p), false});
      }
    }
  }
  for (const char* category : {"drugAdvice", "drugMention", "contact", "personalData"}) {
    const auto [pos, added] = categoryIndex.try_emplace(
        category, static_cast<std::uint32_t>(compiled->categories.size()));
    if (added) {
      compiled->categories.emplace_back(category);
      compiled->categoryLabels.push_back(builtInCategoryLabel(category));
    }
  }
  compiled->categoryOf = categoryIndex;
  compiled->personalDataCategory = categoryIndex.at("personalData");
  compiled->matcher = MultiPatternMatcher(folded);

  // The formulary: the hospital's own list, or the demo list.
  if (compiled->config.drugNames.size() > kMaxDrugNames)
    return bad("药品名称过多（上限20000个）", "/config/drugNames");
  std::vector<std::u32string> drugs;
  std::set<std::u32string> seenDrugs;
  for (std::size_t i = 0; i < compiled->config.drugNames.size(); ++i) {
    const std::string& name = compiled->config.drugNames[i];
    const std::string path = "/config/drugNames/" + std::to_string(i);
    if (name.size() > kMaxPatternBytes || firstInvalidUtf8(name))
      return bad("药品名称过长或不是有效的UTF-8文本", path);
    std::u32string f = foldString(name);
    if (f.empty()) return bad("药品名称为空，或去掉空格和标点后为空", path);
    if (f.size() > MultiPatternMatcher::kMaxPatternLength)
      return bad("药品名称过长（上限64个字）", path);
    if (!seenDrugs.insert(f).second) return bad("药品名称重复：" + name, path);
    drugs.push_back(std::move(f));
  }
  compiled->lexicon = StructureLexicon(drugs, compiled->config.drugNames);
  return ModerationPolicy(std::move(compiled));
}

const ModerationPolicy& ModerationPolicy::defaults() {
  static const ModerationPolicy policy = compile(ModerationConfig{}).value();
  return policy;
}

namespace {

using Position = ModerationPosition;
using Span = ModerationSpan;

struct Hit {
  std::uint32_t entry = 0;
  std::size_t normStart = 0;  // in the folded stream
  std::size_t normEnd = 0;    // exclusive
  Span span;
};

// A personal-data finding, before it becomes a ModerationMatch.
struct PiiHit {
  const char* ruleId;
  const char* detector;
  const char* explanation;
  std::string masked;
  Span span;
};

// A digit written as a Chinese character, as people spell a phone number to
// hide it from a filter: 〇/零/洞 0, 一/幺/壹 1, 二/两/贰 2, 三/叁 3, 四/肆 4,
// 五/伍 5, 六/陆 6, 七/拐/柒 7, 八/捌 8, 九/勾/玖 9. Anything else unchanged.
char32_t spelledDigit(char32_t cp) {
  switch (cp) {
    case U'〇': case U'零': case U'洞': return U'0';
    case U'一': case U'幺': case U'壹': return U'1';
    case U'二': case U'两': case U'贰': return U'2';
    case U'三': case U'叁': return U'3';
    case U'四': case U'肆': return U'4';
    case U'五': case U'伍': return U'5';
    case U'六': case U'陆': return U'6';
    case U'七': case U'拐': case U'柒': return U'7';
    case U'八': case U'捌': return U'8';
    case U'九': case U'勾': case U'玖': return U'9';
    default: return cp;
  }
}

std::string maskDigits(const std::string& digits, std::size_t front, std::size_t back) {
  std::string out = digits.substr(0, front);
  out.append(digits.size() - front - back, '*');
  out += digits.substr(digits.size() - back);
  return out;
}

bool validBirthDate(const std::string& d) {
  const int y = std::stoi(d.substr(6, 4));
  const int m = std::stoi(d.substr(10, 2));
  const int day = std::stoi(d.substr(12, 2));
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// GB 11643-1999: ISO 7064 MOD 11-2 check character over the first 17 digits.
char idCheckCharacter(const std::string& d) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (d[static_cast<std::size_t>(i)] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

// Finds phone and ID numbers. People write them in groups ("138 1234 5678",
// "0571-8888-8888", "110105 19900101 123X"), so the scan collects runs of
// digits separated by at most two separator characters and tests every
// window of whole groups that ends at the newest group; a window never starts
// or ends inside a run of digits, so "订单号20261123138123456789" is not a phone.
class PiiScanner {
 public:
  PiiScanner(bool phones, bool ids, std::vector<PiiHit>& out)
      : phones_(phones), ids_(ids), out_(out) {}

  void feed(char32_t cp, Position at, Position next) {
    if (cp >= 0xFF10 && cp <= 0xFF19) cp -= 0xFEE0;  // full-width digits
    cp = spelledDigit(cp);                            // 幺三八 … → 138 …
    if (cp >= U'0' && cp <= U'9') {
      if (!inGroup_) {
        if (groups_.empty() || separators_ > 2) reset();
        groups_.push_back(Group{std::string(), {at, at}, false});
        inGroup_ = true;
      }
      Group& g = groups_.back();
      // 19 digits is longer than any number we look for: stop growing, never matches.
      if (g.digits.size() < 19) g.digits += static_cast<char>(cp);
      g.span.end = next;
      return;
    }
    if (inGroup_ && (cp == U'X' || cp == U'x' || cp == 0xFF38 || cp == 0xFF58)) {
      groups_.back().trailingX = true;
      groups_.back().span.end = next;
      closeGroup();
      reset();
      return;
    }
    if (isSeparator(cp) && !groups_.empty()) {
      if (inGroup_) closeGroup();
      ++separators_;
      return;
    }
    if (inGroup_) closeGroup();
    reset();
  }

  void finish() {
    if (inGroup_) closeGroup();
    reset();
  }

 private:
  struct Group {
    std::string digits;
    Span span;
    bool trailingX = false;
  };

  static bool isSeparator(char32_t cp) {
    switch (cp) {
      case U' ':
      case U'\t':
      case U'-':
      case U'.':
      case U'_':
      case U'/':
      case 0x00A0:
      case 0x00B7:
      case 0x2010:
      case 0x2011:
      case 0x2012:
      case 0x2013:
      case 0x2014:
      case 0x2212:
      case 0x3000:
      case 0x30FB:
      case 0xFF0D:
      case 0xFF0E:
      case 0xFF3F:
      case 0xFF0F:
        return true;
      default:
        return false;
    }
  }

  void reset() {
    groups_.clear();
    separators_ = 0;
    inGroup_ = false;
    lastUsed_ = -1;
  }

  // Tests the windows ending at the newest group, longest first; the first
  // that is a number is reported and its groups are used up.
  void closeGroup() {
    inGroup_ = false;
    separators_ = 0;
    const long last = static_cast<long>(groups_.size()) - 1;
    std::string digits;
    for (long first = last; first > lastUsed_; --first) {
      digits.insert(0, groups_[static_cast<std::size_t>(first)].digits);
      if (digits.size() > 18) break;
      candidates_.emplace_back(first, digits);
    }
    for (auto it = candidates_.rbegin(); it != candidates_.rend(); ++it) {
      if (classify(it->first, last, it->second)) {
        lastUsed_ = last;
        break;
      }
    }
    candidates_.clear();
    if (groups_.size() > 40) {  // windows span at most 18 groups: keep memory bounded
      groups_.erase(groups_.begin(), groups_.begin() + 20);
      lastUsed_ = std::max(-1L, lastUsed_ - 20);
    }
  }

  bool classify(long first, long last, const std::string& digits) {
    const Group& a = groups_[static_cast<std::size_t>(first)];
    const Group& z = groups_[static_cast<std::size_t>(last)];
    const Span span{a.span.start, z.span.end};
    const std::size_t n = digits.size();
    if (z.trailingX) {
      if (ids_ && n == 17 && validBirthDate(digits + "X") && idCheckCharacter(digits) == 'X') {
        out_.push_back(
            {"personal-data-id-card", "idCard", kIdText, maskDigits(digits + "X", 3, 2), span});
        return true;
      }
      return false;
    }
    if (ids_ && n == 18 && validBirthDate(digits) && idCheckCharacter(digits) == digits[17]) {
      out_.push_back({"personal-data-id-card", "idCard", kIdText, maskDigits(digits, 3, 2), span});
      return true;
    }
    if (!phones_) return false;
    if (n == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9') {
      out_.push_back(
          {"personal-data-mobile", "mobilePhone", kPhoneText, maskDigits(digits, 3, 4), span});
      return true;
    }
    if (n == 10 && (digits.starts_with("400") || digits.starts_with("800"))) {
      out_.push_back(
          {"personal-data-hotline", "hotline", kPhoneText, maskDigits(digits, 3, 2), span});
      return true;
    }
    // Landline: area code 0XX / 0XXX as its own group followed by 7–8 digits,
    // or one unbroken 11–12 digit run starting 0[1-9].
    const std::size_t area = a.digits.size();
    const bool grouped = first < last && a.digits[0] == '0' && (area == 3 || area == 4) &&
                         n - area >= 7 && n - area <= 8;
    const bool unbroken =
        first == last && (n == 11 || n == 12) && digits[0] == '0' && digits[1] != '0';
    if (grouped || unbroken) {
      out_.push_back(
          {"personal-data-landline", "landline", kPhoneText, maskDigits(digits, 3, 2), span});
      return true;
    }
    return false;
  }

  static constexpr const char* kPhoneText =
      "公开内容中不能留电话号码。需要联系时请私聊护士或客服；患者故事和海报不得带联系电话。";
  static constexpr const char* kIdText =
      "公开内容中不能出现身份证号码，请删除后再发布，以保护个人信息。";

  bool phones_;
  bool ids_;
  std::vector<PiiHit>& out_;
  std::vector<Group> groups_;
  std::vector<std::pair<long, std::string>> candidates_;
  int separators_ = 0;
  bool inGroup_ = false;
  long lastUsed_ = -1;
};

}  // namespace

Result<ModerationReport> ModerationPolicy::check(std::string_view text,
                                                 ModerationContext context) const {
  if (text.size() > kMaxModerationTextBytes) {
    return Error{"moderation.text_too_long", "文本过长（上限4MB），请分段发布", "/text"};
  }
  const Compiled& c = *compiled_;
  const MultiPatternMatcher& matcher = c.matcher;
  const std::size_t maxLength = std::max<std::size_t>(matcher.maxPatternLength(), 1);
  const std::size_t categoryCount = c.categories.size();

  // Where each recent folded code point came from; a match is at most
  // kMaxPatternLength folded code points long, so a ring buffer suffices.
  std::array<Position, MultiPatternMatcher::kMaxPatternLength> ring{};
  static_assert(
      (MultiPatternMatcher::kMaxPatternLength & (MultiPatternMatcher::kMaxPatternLength - 1)) == 0);
  constexpr std::size_t kRingMask = MultiPatternMatcher::kMaxPatternLength - 1;

  std::vector<Hit> kept;  // accepted word matches, by position (first maxMatches only)
  std::vector<std::size_t> perCategory(categoryCount, 0);
  std::vector<std::size_t> firstAt(categoryCount, SIZE_MAX);
  std::vector<std::size_t> exceptionEnd(c.config.rules.size(), 0);
  std::vector<std::size_t> categoryEnd(categoryCount, 0);
  std::size_t total = 0;
  bool anyBlock = false;
  const std::size_t maxMatches = c.config.maxMatches;
  auto severityOf = [&](ModerationSeverity s) {
    return context == ModerationContext::kStory ? ModerationSeverity::kBlock : s;
  };

  // Hits wait in a bucket per start index. They arrive in order of their end,
  // so once the scan is maxLength code points past a start, no later hit can
  // start there, cover it (an exception) or outrank it (a longer match): the
  // bucket is decided in order — exceptions first, then longest first, then
  // rule order — keeping the leftmost-longest match per category. Linear in
  // the number of hits; no sorting.
  constexpr std::size_t kBuckets = 2 * MultiPatternMatcher::kMaxPatternLength;
  std::array<std::vector<Hit>, kBuckets> buckets;
  auto decide = [&](std::size_t start) {
    std::vector<Hit>& bucket = buckets[start % kBuckets];
    for (const Hit& h : bucket) {
      const Compiled::Entry& e = c.entries[h.entry];
      if (e.exception) exceptionEnd[e.rule] = std::max(exceptionEnd[e.rule], h.normEnd);
    }
    // Runs of equal end from the back (longest first); inside a run, ids ascend.
    for (std::size_t hi = bucket.size(); hi > 0;) {
      std::size_t lo = hi;
      while (lo > 0 && bucket[lo - 1].normEnd == bucket[hi - 1].normEnd) --lo;
      for (std::size_t i = lo; i < hi; ++i) {
        const Hit& h = bucket[i];
        const Compiled::Entry& e = c.entries[h.entry];
        if (e.exception) continue;
        if (exceptionEnd[e.rule] >= h.normEnd) continue;      // inside an allowed phrase
        if (h.normStart < categoryEnd[e.category]) continue;  // overlaps a kept match
        categoryEnd[e.category] = h.normEnd;
        ++total;
        ++perCategory[e.category];
        firstAt[e.category] = std::min(firstAt[e.category], h.span.start.byte);
        anyBlock =
            anyBlock || severityOf(c.config.rules[e.rule].severity) == ModerationSeverity::kBlock;
        if (kept.size() < maxMatches) kept.push_back(h);
      }
      hi = lo;
    }
    bucket.clear();
  };

  std::vector<PiiHit> pii;
  PiiScanner scanner(c.config.detectPhoneNumbers, c.config.detectIdCardNumbers, pii);
  std::vector<StructureFinding> findings;
  StructureScanner structure(c.lexicon, c.config.detectDrugAdvice && !c.config.drugNames.empty(),
                             c.config.detectContact, findings);
  MultiPatternMatcher::Cursor cursor;
  Position at;
  std::size_t norm = 0;
  while (at.byte < text.size()) {
    char32_t cp = 0;
    const std::size_t length = decodeUtf8At(text, at.byte, cp);
    if (length == 0) {
      return Error{"moderation.bad_utf8",
                   "文本不是有效的UTF-8编码（第" + std::to_string(at.byte) + "字节）", "/text"};
    }
    const Position next{at.byte + length, at.codePoint + 1, at.utf16 + (cp >= 0x10000 ? 2u : 1u)};
    scanner.feed(cp, at, next);
    const char32_t folded = foldForMatching(cp);
    structure.feedOriginal(cp, folded, at, next);
    if (folded != kIgnoredCodePoint) {
      structure.feedFolded(folded, norm, at, next);
      ring[norm & kRingMask] = at;
      matcher.step(cursor, folded, [&](std::uint32_t id) {
        const std::size_t start = norm + 1 - matcher.patternLength(id);
        buckets[start % kBuckets].push_back(
            Hit{id, start, norm + 1, Span{ring[start & kRingMask], next}});
      });
      ++norm;
      if (norm >= maxLength) decide(norm - maxLength);  // later hits start after it
    }
    at = next;
  }
  scanner.finish();
  structure.finish();
  for (std::size_t start = norm >= maxLength ? norm - maxLength + 1 : 0; start < norm; ++start)
    decide(start);

  ModerationReport report;
  report.context = context;
  report.textBytes = text.size();
  report.textCodePoints = at.codePoint;

  std::vector<ModerationMatch> matches;
  matches.reserve(kept.size() + std::min(pii.size(), maxMatches));
  for (const Hit& h : kept) {
    const Compiled::Entry& e = c.entries[h.entry];
    const ModerationRule& r = c.config.rules[e.rule];
    matches.push_back(ModerationMatch{
        r.id, r.category, r.categoryLabel, severityOf(r.severity), r.patterns[e.pattern],
        std::string(text.substr(h.span.start.byte, h.span.end.byte - h.span.start.byte)),
        h.span.start.byte, h.span.end.byte, h.span.start.codePoint, h.span.end.codePoint,
        h.span.start.utf16, h.span.end.utf16, r.explanation});
  }
  const std::uint32_t pd = c.personalDataCategory;
  for (const PiiHit& p : pii) {
    ++total;
    ++perCategory[pd];
    firstAt[pd] = std::min(firstAt[pd], p.span.start.byte);
    if (matches.size() >= kept.size() + maxMatches) continue;
    matches.push_back(ModerationMatch{
        p.ruleId, "personalData", c.categoryLabels[pd], ModerationSeverity::kBlock, p.detector,
        p.masked, p.span.start.byte, p.span.end.byte, p.span.start.codePoint, p.span.end.codePoint,
        p.span.start.utf16, p.span.end.utf16, p.explanation});
  }
  for (const StructureFinding& f : findings) {
    const std::uint32_t category = c.categoryOf.at(f.category);
    const ModerationSeverity severity =
        severityOf(f.block ? ModerationSeverity::kBlock : ModerationSeverity::kReview);
    ++total;
    ++perCategory[category];
    firstAt[category] = std::min(firstAt[category], f.span.start.byte);
    anyBlock = anyBlock || severity == ModerationSeverity::kBlock;
    if (matches.size() >= kept.size() + maxMatches) continue;
    matches.push_back(ModerationMatch{
        f.ruleId, f.category, c.categoryLabels[category], severity, f.pattern,
        std::string(text.substr(f.span.start.byte, f.span.end.byte - f.span.start.byte)),
        f.span.start.byte, f.span.end.byte, f.span.start.codePoint, f.span.end.codePoint,
        f.span.start.utf16, f.span.end.utf16, structureExplanation(f.ruleId)});
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const ModerationMatch& a, const ModerationMatch& b) {
                     return std::tie(a.byteStart, a.byteEnd, a.ruleId) <
                            std::tie(b.byteStart, b.byteEnd, b.ruleId);
                   });
  if (matches.size() > maxMatches) matches.resize(maxMatches);
  report.totalMatches = total;

  // Every match found decides the verdict, listed or not.
  if (anyBlock || !pii.empty())
    report.verdict = ModerationVerdict::kBlock;
  else if (total > 0)
    report.verdict = ModerationVerdict::kReview;

  std::vector<std::uint32_t> order;
  for (std::uint32_t i = 0; i < categoryCount; ++i) {
    if (perCategory[i] > 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tie(firstAt[a], a) < std::tie(firstAt[b], b);
  });
  std::string counts;
  for (std::uint32_t i : order) {
    report.categories.push_back(c.categories[i]);
    if (!counts.empty()) counts += "、";
    counts += c.categoryLabels[i] + std::to_string(perCategory[i]) + "处";
  }
  switch (report.verdict) {
    case ModerationVerdict::kPass:
      report.summary = "未发现需要处理的内容";
      break;
    case ModerationVerdict::kReview:
      report.summary = "需人工复核：" + counts;
      break;
    case ModerationVerdict::kBlock:
      report.summary = "不能发布：" + counts;
      break;
  }
  if (report.verdict != ModerationVerdict::kPass) {
    // One explanation per category, in order of first appearance.
    std::string notes;
    std::set<std::string> seen;
    for (const ModerationMatch& m : matches) {
      if (!seen.insert(m.category).second || seen.size() > 3) continue;
      notes += m.explanation;
    }
    report.authorNotice =
        (report.verdict == ModerationVerdict::kBlock ? "您的内容暂未发布。"
                                                     : "温馨提示：您的内容将由护士确认后显示。") +
        notes;
  }
  report.matches = std::move(matches);
  return report;
}

}  // namespace carecircle
