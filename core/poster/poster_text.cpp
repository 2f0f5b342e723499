#include "poster/poster_text.hpp"

#include <algorithm>
#include <array>

#include "moderation/moderation_text.hpp"

namespace carecircle::poster {
namespace {

// Advance widths of printable ASCII U+0020..U+007E in milli-em, measured with
// canvas measureText at 1000 px in headless Chromium with WenQuanYi Micro Hei
// (regular and synthetic bold agree). Measured data, so the built-in table
// matches what the demo draws; a different font only shifts line ends a little.
constexpr std::array<std::int16_t, 95> kAsciiWidths = {
    260, 269, 402, 646, 551, 825, 702, 226, 301, 301, 551, 551, 250, 322, 268, 373,  // ' '../
    551, 551, 551, 551, 551, 551, 551, 551, 551, 551, 268, 268, 551, 551, 551, 426,  // 0..?
    866, 608, 621, 603, 684, 528, 491, 690, 701, 339, 271, 579, 491, 870, 729, 742,  // @..O
    576, 741, 590, 519, 519, 698, 568, 884, 547, 527, 539, 303, 373, 303, 532, 411,  // P.._
    577, 531, 586, 463, 586, 535, 329, 518, 589, 259, 259, 496, 259, 896, 589, 577,  // `..o
    586, 586, 399, 451, 339, 589, 479, 746, 500, 489, 441, 354, 551, 354, 551};      // p..~

constexpr char32_t kEllipsis = U'\u2026';

bool in(char32_t cp, char32_t lo, char32_t hi) {
  return cp >= lo && cp <= hi;
}

// Code points that attach to the preceding one (zero advance, never a break).
bool isExtender(char32_t cp) {
  return in(cp, 0x0300, 0x036F) || in(cp, 0x0483, 0x0489) || in(cp, 0x0591, 0x05BD) ||
         in(cp, 0x0610, 0x061A) || in(cp, 0x064B, 0x065F) || in(cp, 0x0E31, 0x0E31) ||
         in(cp, 0x0E34, 0x0E3A) || in(cp, 0x0E47, 0x0E4E) || in(cp, 0x1AB0, 0x1AFF) ||
         in(cp, 0x1DC0, 0x1DFF) || in(cp, 0x200C, 0x200D) || in(cp, 0x20D0, 0x20FF) ||
         in(cp, 0x302A, 0x302F) || in(cp, 0x3099, 0x309A) || in(cp, 0xFE00, 0xFE0F) ||
         in(cp, 0xFE20, 0xFE2F) || in(cp, 0x1F3FB, 0x1F3FF) || in(cp, 0xE0020, 0xE007F) ||
         in(cp, 0xE0100, 0xE01EF);
}

bool isRegionalIndicator(char32_t cp) {
  return in(cp, 0x1F1E6, 0x1F1FF);
}

bool isSpace(char32_t cp) {
  return cp == U' ' || cp == 0x3000 || in(cp, 0x2000, 0x200B) || cp == 0x205F || cp == 0x1680;
}

bool isIdeographic(char32_t cp) {
  return in(cp, 0x1100, 0x115F) || in(cp, 0x2014, 0x2014) || in(cp, 0x2018, 0x201D) ||
         in(cp, 0x2026, 0x2026) || in(cp, 0x2600, 0x27BF) || in(cp, 0x2E80, 0x303F) ||
         in(cp, 0x3040, 0x33FF) || in(cp, 0x3400, 0x4DBF) || in(cp, 0x4E00, 0x9FFF) ||
         in(cp, 0xA960, 0xA97F) || in(cp, 0xAC00, 0xD7AF) || in(cp, 0xF900, 0xFAFF) ||
         in(cp, 0xFE30, 0xFE4F) || in(cp, 0xFF00, 0xFFEF) || in(cp, 0x1F000, 0x1FAFF) ||
         in(cp, 0x20000, 0x3FFFF);
}

// clreq / JIS X 4051 line-start prohibited characters (closing marks,
// pauses, stops, small kana, prolonged sound mark) and their ASCII cousins.
bool isNoStart(char32_t cp) {
  static constexpr std::u32string_view kMarks =
      U"。，、；：？！）」》』】〕〉〗〙〛”’…—～·ー々〆ゝゞヽヾ"
      U"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
      U"，．：；？！）］｝〜％｠"
      U".,;:!?)]}%";
  return kMarks.find(cp) != std::u32string_view::npos;
}

// Line-end prohibited characters: opening marks.
bool isNoEnd(char32_t cp) {
  static constexpr std::u32string_view kMarks = U"（「《『【〔〈〖〘〚“‘［｛＜｟([{";
  return kMarks.find(cp) != std::u32string_view::npos;
}

class BuiltInMetrics final : public TextMetrics {
 public:
  int advance(char32_t cp) const override {
    if (cp >= 0x20 && cp <= 0x7E) return kAsciiWidths[cp - 0x20];
    if (in(cp, 0x1F3FB, 0x1F3FF))
      return 1100;  // skin tones: a glyph of their own without an emoji font
    if (isExtender(cp) || cp == 0x200B || cp == 0x2060 || cp == U'\n') return 0;
    if (cp == 0x3000) return 1000;
    if (in(cp, 0x2000, 0x200A) || cp == 0x205F || cp == 0x1680) return 300;
    if (cp == 0x00B7) return 268;
    if (cp >= 0x10000 && !in(cp, 0x20000, 0x3FFFF)) return 1100;
    if (isIdeographic(cp)) return 1000;
    return 600;
  }
};

// Decodes one code point of normalized text (valid UTF-8 by construction).
char32_t nextCodePoint(std::string_view text, std::size_t& at) {
  char32_t cp = 0;
  std::size_t n = decodeUtf8At(text, at, cp);
  if (n == 0) {  // not reachable for normalized text; stay total anyway
    cp = 0xFFFD;
    n = 1;
  }
  at += n;
  return cp;
}

bool canBreakBetween(const Cluster& a, const Cluster& b) {
  if (b.cls == BreakClass::kSpace || b.noStart || a.noEnd) return false;
  if (a.cls == BreakClass::kSpace) return true;
  return !(a.cls == BreakClass::kWord && b.cls == BreakClass::kWord);
}

// Ceil of milli-em * size / 1000, in px.
int pxOf(std::int64_t milliEm, int size) {
  return static_cast<int>((milliEm * size + 999) / 1000);
}

bool fits(std::int64_t milliEm, int size, int width) {
  return milliEm * size <= std::int64_t{width} * 1000;
}

// Index one past the last non-space cluster in [from, to).
std::size_t trimEnd(const std::vector<Cluster>& c, std::size_t from, std::size_t to) {
  while (to > from &&
         (c[to - 1].cls == BreakClass::kSpace || c[to - 1].cls == BreakClass::kNewline))
    --to;
  return to;
}

std::int64_t sumWidth(const std::vector<Cluster>& c, std::size_t from, std::size_t to) {
  std::int64_t sum = 0;
  for (std::size_t i = from; i < to; ++i) sum += c[i].width;
  return sum;
}

LaidLine makeLine(std::string_view text, const std::vector<Cluster>& c, std::size_t from,
                  std::size_t to, int size) {
  to = trimEnd(c, from, to);
  LaidLine line;
  if (to > from) {
    line.text = std::string(text.substr(c[from].byteStart, c[to - 1].byteEnd - c[from].byteStart));
    line.width = pxOf(sumWidth(c, from, to), size);
  }
  return line;
}

// The last line of a cut text: as much of [from, to) as fits with "…" after
// it, without a space or an opening mark right before the ellipsis.
LaidLine ellipsize(std::string_view text, const std::vector<Cluster>& c, std::size_t from,
                   std::size_t to, int size, int width, const TextMetrics& metrics) {
  const int ellipsis = metrics.advance(kEllipsis);
  to = trimEnd(c, from, to);
  while (to > from && (!fits(sumWidth(c, from, to) + ellipsis, size, width) || c[to - 1].noEnd ||
                       c[to - 1].cls == BreakClass::kSpace)) {
    --to;
  }
  LaidLine line = makeLine(text, c, from, to, size);
  appendUtf8(line.text, kEllipsis);
  line.width = pxOf(sumWidth(c, from, trimEnd(c, from, to)) + ellipsis, size);
  return line;
}

// A paragraph should not end on a line holding one lone character ("唱歌" /
// "了"): when the rest of the paragraph after `end` is a single cluster, the
// break moves back to the previous allowed place so two or more go down.
std::size_t avoidOrphan(const std::vector<Cluster>& c, std::size_t start, std::size_t end) {
  std::size_t paragraphEnd = end;
  while (paragraphEnd < c.size() && c[paragraphEnd].cls != BreakClass::kNewline) ++paragraphEnd;
  std::size_t restStart = end;
  while (restStart < paragraphEnd && c[restStart].cls == BreakClass::kSpace) ++restStart;
  if (trimEnd(c, restStart, paragraphEnd) != restStart + 1) return end;
  for (std::size_t k = end - 1; k > start + 1; --k) {
    if (canBreakBetween(c[k - 1], c[k])) return k;
  }
  return end;
}

struct BreakParams {
  int size = 1;
  int width = 1;
  int maxLines = 1;      // >= 1
  int maxHeight = 0;     // px; 0 = no limit besides maxLines
  int lineHeight = 1;    // px
  int paragraphGap = 0;  // px above every paragraph but the first
};

TextBlock breakClusters(std::string_view text, const std::vector<Cluster>& c, bool cutBefore,
                        const TextMetrics& metrics, const BreakParams& p) {
  TextBlock block;
  block.size = p.size;
  block.lineHeight = p.lineHeight;
  const int size = p.size;
  const int width = std::max(1, p.width);
  const std::size_t n = c.size();
  std::size_t i = 0;
  bool paragraphStart = true;
  std::size_t lastFrom = 0;
  std::size_t lastTo = 0;
  int y = 0;
  while (i < n && static_cast<int>(block.lines.size()) < p.maxLines) {
    if (!paragraphStart) {
      while (i < n && c[i].cls == BreakClass::kSpace) ++i;
      if (i == n) break;
    }
    const int top = y + (paragraphStart && !block.lines.empty() ? p.paragraphGap : 0);
    if (p.maxHeight > 0 && !block.lines.empty() && top + p.lineHeight > p.maxHeight) break;
    const std::size_t start = i;
    std::size_t j = start;
    std::size_t lastBreak = start;
    std::int64_t sum = 0;
    bool overflow = false;
    while (j < n && c[j].cls != BreakClass::kNewline) {
      if (j > start && canBreakBetween(c[j - 1], c[j])) lastBreak = j;
      if (c[j].cls != BreakClass::kSpace && !fits(sum + c[j].width, size, width)) {
        overflow = true;
        break;
      }
      sum += c[j].width;
      ++j;
    }
    std::size_t end = j;
    if (overflow) {
      end = lastBreak > start ? lastBreak : std::max(j, start + 1);
      end = avoidOrphan(c, start, end);
    }
    LaidLine line = makeLine(text, c, start, end, size);
    line.top = top;
    block.lines.push_back(std::move(line));
    y = top + p.lineHeight;
    lastFrom = start;
    lastTo = end;
    i = end;
    paragraphStart = false;
    if (!overflow && i < n && c[i].cls == BreakClass::kNewline) {
      ++i;
      paragraphStart = true;
    }
  }
  block.height = y;
  // Anything left that would show?
  bool more = cutBefore;
  for (std::size_t k = i; k < n && !more; ++k) {
    more = c[k].cls != BreakClass::kSpace && c[k].cls != BreakClass::kNewline;
  }
  if (more) {
    block.truncated = true;
    if (block.lines.empty()) {
      block.lines.push_back(LaidLine{});
      block.height = p.lineHeight;
      lastFrom = lastTo = 0;
    }
    const int top = block.lines.back().top;
    block.lines.back() = ellipsize(text, c, lastFrom, lastTo, size, width, metrics);
    block.lines.back().top = top;
  }
  return block;
}

BreakParams paramsFor(const FitOptions& o, int size) {
  BreakParams p;
  p.size = size;
  p.width = std::max(1, o.width);
  p.lineHeight = std::max(1, size * o.lineHeightPermille / 1000);
  p.paragraphGap = p.lineHeight * std::max(0, o.paragraphGapPermille) / 1000;
  p.maxHeight = std::max(1, o.height);
  p.maxLines = o.maxLines > 0 ? o.maxLines : std::max(1, p.maxHeight / p.lineHeight);
  return p;
}

// text-wrap: balance for a short block: the narrowest width at which the text
// still takes the same number of lines, found by bisection (the line count
// never grows when the width does), so a two-line title splits near its
// middle instead of leaving one word on the second line.
TextBlock balance(std::string_view text, const std::vector<Cluster>& c, bool cut,
                  const TextMetrics& metrics, BreakParams p, const TextBlock& block) {
  if (block.truncated || block.lines.size() < 2) return block;
  int lo = 1;
  int hi = p.width;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    p.width = mid;
    const TextBlock trial = breakClusters(text, c, cut, metrics, p);
    if (!trial.truncated && trial.lines.size() <= block.lines.size())
      hi = mid;
    else
      lo = mid + 1;
  }
  p.width = lo;
  return breakClusters(text, c, cut, metrics, p);
}

// Paragraph tidying for posters: no leading or trailing blank lines and no
// blank lines between paragraphs (the layout separates paragraphs by a gap).
std::string tidyParagraphs(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  int pendingNewlines = 0;
  bool any = false;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t begin = at;
    const char32_t cp = nextCodePoint(text, at);
    if (cp == U'\n') {
      ++pendingNewlines;
      continue;
    }
    if (any && pendingNewlines > 0) out += '\n';
    pendingNewlines = 0;
    any = true;
    out.append(text.substr(begin, at - begin));
  }
  return out;
}

}  // namespace

const TextMetrics& builtInMetrics() {
  static const BuiltInMetrics metrics;
  return metrics;
}

MeasuredMetrics::MeasuredMetrics(std::vector<std::pair<char32_t, int>> advances,
                                 const TextMetrics& fallback)
    : advances_(std::move(advances)), fallback_(fallback) {
  std::stable_sort(advances_.begin(), advances_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  advances_.erase(std::unique(advances_.begin(), advances_.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  advances_.end());
  for (auto& entry : advances_) entry.second = std::clamp(entry.second, 0, 4000);
}

int MeasuredMetrics::advance(char32_t cp) const {
  const auto it =
      std::lower_bound(advances_.begin(), advances_.end(), cp,
                       [](const auto& entry, char32_t key) { return entry.first < key; });
  if (it != advances_.end() && it->first == cp) return it->second;
  return fallback_.advance(cp);
}

std::string normalizeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    char32_t cp = 0;
    std::size_t n = decodeUtf8At(text, at, cp);
    if (n == 0) {
      cp = 0xFFFD;
      n = 1;
    }
    at += n;
    if (cp == U'\r') {
      if (at < text.size() && text[at] == '\n') ++at;
      cp = U'\n';
    } else if (cp == 0x2028 || cp == 0x2029) {
      cp = U'\n';
    } else if (cp == U'\t') {
      cp = U' ';
    }
    const bool control = (cp < 0x20 && cp != U'\n') || in(cp, 0x7F, 0x9F);
    const bool dropped = cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF || in(cp, 0x202A, 0x202E) ||
                         in(cp, 0x2066, 0x2069);
    if (control || dropped) continue;
    appendUtf8(out, cp);
  }
  return tidyParagraphs(out);
}

std::vector<Cluster> clusterize(std::string_view text, const TextMetrics& metrics,
                                std::size_t maxClusters, bool& truncated) {
  std::vector<Cluster> out;
  truncated = false;
  std::size_t at = 0;
  bool joinNext = false;  // after a ZWJ the next code point joins the cluster
  bool flagOpen = false;  // the last cluster is a lone regional indicator
  while (at < text.size()) {
    const std::size_t begin = at;
    const char32_t cp = nextCodePoint(text, at);
    // A cluster holds at most 64 bytes: real emoji sequences are shorter, and a
    // flood of marks or joiners must not make one unbreakable giant.
    const bool canAttach = !out.empty() && out.back().cls != BreakClass::kNewline &&
                           out.back().byteEnd - out.back().byteStart <= 60;
    const bool attach =
        canAttach && (joinNext || isExtender(cp) || (flagOpen && isRegionalIndicator(cp)));
    flagOpen = !attach && isRegionalIndicator(cp);
    joinNext = cp == 0x200D;
    if (attach) {
      // Combining marks add nothing; the parts of an emoji sequence (ZWJ
      // family, flag, skin tone) add their own width: one glyph where an emoji
      // font joins them, several where none does — never wider than counted.
      out.back().byteEnd = static_cast<std::uint32_t>(at);
      out.back().width += static_cast<std::int32_t>(std::clamp(metrics.advance(cp), 0, 4000));
      continue;
    }
    if (out.size() >= maxClusters) {
      truncated = true;
      break;
    }
    Cluster c;
    c.byteStart = static_cast<std::uint32_t>(begin);
    c.byteEnd = static_cast<std::uint32_t>(at);
    c.width = static_cast<std::int32_t>(std::clamp(metrics.advance(cp), 0, 4000));
    if (cp == U'\n')
      c.cls = BreakClass::kNewline;
    else if (isSpace(cp))
      c.cls = BreakClass::kSpace;
    else if (isIdeographic(cp))
      c.cls = BreakClass::kIdeographic;
    else
      c.cls = BreakClass::kWord;
    c.noStart = isNoStart(cp);
    c.noEnd = isNoEnd(cp);
    out.push_back(c);
  }
  return out;
}

TextBlock breakLines(std::string_view text, const TextMetrics& metrics, int size, int width,
                     int maxLines, int lineHeightPermille) {
  bool cut = false;
  const std::vector<Cluster> clusters = clusterize(text, metrics, 1u << 20, cut);
  BreakParams p;
  p.size = std::max(1, size);
  p.width = std::max(1, width);
  p.maxLines = std::max(1, maxLines);
  p.lineHeight = std::max(1, p.size * lineHeightPermille / 1000);
  return breakClusters(text, clusters, cut, metrics, p);
}

TextBlock fitText(std::string_view text, const TextMetrics& metrics, const FitOptions& options) {
  FitOptions o = options;
  o.minSize = std::max(1, std::min(options.minSize, options.maxSize));
  o.maxSize = std::max(o.minSize, options.maxSize);
  o.width = std::max(1, options.width);
  o.height = std::max(1, options.height);
  o.lineHeightPermille = std::clamp(options.lineHeightPermille, 500, 4000);
  // More clusters than any size can show (every line full of glyphs 0.2 em
  // wide, twice over for spaces dropped at line starts): cutting here changes
  // nothing on the poster and keeps a 100 KB story cheap.
  const BreakParams atMin = paramsFor(o, o.minSize);
  const std::size_t perLine =
      static_cast<std::size_t>(o.width) * 1000 / (static_cast<std::size_t>(o.minSize) * 200) + 1;
  const std::size_t maxClusters = perLine * 2 * static_cast<std::size_t>(atMin.maxLines) + 64;
  bool cut = false;
  const std::vector<Cluster> clusters = clusterize(text, metrics, maxClusters, cut);
  TextBlock block;
  for (int size = o.maxSize; size >= o.minSize; --size) {
    const BreakParams p = paramsFor(o, size);
    block = breakClusters(text, clusters, cut, metrics, p);
    if (!block.truncated)
      return o.balance ? balance(text, clusters, cut, metrics, p, block) : block;
  }
  return block;  // minSize, cut with an ellipsis
}

int measureLine(std::string_view text, const TextMetrics& metrics, int size) {
  std::int64_t sum = 0;
  std::size_t at = 0;
  while (at < text.size()) sum += metrics.advance(nextCodePoint(text, at));
  return pxOf(sum, size);
}

}  // namespace carecircle::poster
