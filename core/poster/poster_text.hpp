// Text layout for posters: clusters, widths, Chinese line breaking, auto-fit
// and ellipsis (docs/api/poster.md). Everything is integer arithmetic so that the native
// core and the .wasm lay out the same text to the same bytes.
//
// Units: widths of glyphs are in milli-em (1/1000 of the font size); font
// sizes, coordinates and line widths are integer CSS pixels of the poster's
// logical canvas (750 px wide). A line of clusters with a summed advance of
// `m` milli-em at font size `s` px is ceil(m * s / 1000) px wide.
//
// Line breaking (a simplified JIS X 4051 / W3C clreq "kinsoku"):
//  - a break may fall before or after an ideograph, kana, hangul syllable,
//    full-width form or emoji, and after a space; never inside a run of
//    Latin letters, digits and ASCII punctuation ("COVID-19", "3.5mg", a URL)
//    unless that run alone is wider than the line (then it is cut where it
//    overflows, so nothing ever exceeds the box);
//  - never before a "no-start" mark (。，、；：？！）」》』】〕〉”’…—～ and their
//    ASCII cousins .,;:!?)]}% ) and never after a "no-end" mark (（「《『【〔〈“‘
//    and ([{ ); when the line is full, the break moves back to the last
//    allowed place (the character before a closing mark goes down with it);
//  - combining marks, variation selectors, emoji modifiers, ZWJ sequences and
//    flag pairs stay with their base character (one cluster);
//  - '\n' ends a paragraph; spaces at the end of a line are not counted and
//    spaces at the start of a wrapped line are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carecircle::poster {

// Advance widths of code points, in milli-em. The built-in table is what
// tests, fixtures and the default of both builds use; the shell supplies the
// widths it measured with canvas measureText through MeasuredMetrics.
class TextMetrics {
 public:
  virtual ~TextMetrics() = default;
  // Advance of `cp` in milli-em, 0..4000. Zero-width code points return 0.
  virtual int advance(char32_t cp) const = 0;
};

// Deterministic widths: printable ASCII as measured from WenQuanYi Micro Hei
// (the CJK font the demo ships; its bold is synthesised with the same
// advances), CJK / kana / hangul / full-width / CJK punctuation 1000,
// supplementary-plane symbols (emoji, skin-tone modifiers) 1100, combining
// marks, variation selectors, ZWJ and other zero-width marks 0, every other
// code point 600. A cluster is as wide as the sum of its code points, so an
// emoji sequence is never narrower than where no emoji font joins it.
const TextMetrics& builtInMetrics();

// Widths measured by the shell (canvas `measureText` in the poster's font,
// the wider of the regular and the bold weight, in milli-em) for the code
// points it sent; every other code point falls back to `fallback`. The table
// is part of the request, so a backend re-running it gets the same bytes.
class MeasuredMetrics final : public TextMetrics {
 public:
  // Pairs in any order; for a code point given twice the first is used.
  // Advances are clamped to 0..4000.
  MeasuredMetrics(std::vector<std::pair<char32_t, int>> advances,
                  const TextMetrics& fallback = builtInMetrics());
  int advance(char32_t cp) const override;
  std::size_t size() const { return advances_.size(); }

 private:
  std::vector<std::pair<char32_t, int>> advances_;  // sorted by code point, unique
  const TextMetrics& fallback_;
};

enum class BreakClass : std::uint8_t {
  kWord,         // Latin letters, digits, ASCII punctuation, other scripts: no break inside a run
  kIdeographic,  // CJK, kana, hangul, full-width forms, CJK punctuation, emoji: break around
  kSpace,        // U+0020 and friends: break after
  kNewline,      // '\n': paragraph end
};

// One user-perceived character as far as layout cares: a base code point with
// everything that attaches to it.
struct Cluster {
  std::uint32_t byteStart = 0;  // [byteStart, byteEnd) in the normalized text
  std::uint32_t byteEnd = 0;
  std::int32_t width = 0;  // milli-em
  BreakClass cls = BreakClass::kWord;
  bool noStart = false;  // may not begin a line
  bool noEnd = false;    // may not end a line
};

// Untrusted text made safe to lay out and to put in XML: invalid UTF-8 →
// U+FFFD; "\r\n", "\r", U+2028, U+2029 → "\n"; tab → space; other C0/C1
// controls, DEL, U+FEFF, U+FFFE/U+FFFF and bidirectional overrides
// (U+202A..U+202E, U+2066..U+2069) dropped; blank lines removed (leading,
// trailing and between paragraphs). Never fails.
std::string normalizeText(std::string_view text);

// The clusters of (normalized) `text`, at most `maxClusters` of them (the
// rest is ignored: a poster shows a few hundred characters, a 100 KB story
// is cut long before layout cost matters). `truncated` tells whether text was
// left out.
std::vector<Cluster> clusterize(std::string_view text, const TextMetrics& metrics,
                                std::size_t maxClusters, bool& truncated);

struct LaidLine {
  std::string text;  // UTF-8, without trailing spaces
  int width = 0;     // px at the block's font size
  int top = 0;       // px below the top of the block
};

struct TextBlock {
  int size = 0;        // font size, px
  int lineHeight = 0;  // px
  int height = 0;      // px: bottom of the last line
  std::vector<LaidLine> lines;
  bool truncated = false;  // text was cut and the last line ends with "…"
};

struct FitOptions {
  int width = 0;                  // box width, px (>= 1)
  int height = 0;                 // box height, px (>= 1)
  int minSize = 24;               // px; never smaller
  int maxSize = 32;               // px; tried first
  int lineHeightPermille = 1500;  // line height = size * permille / 1000 (500..4000)
  int maxLines = 0;               // 0 = as many as the height allows
  int paragraphGapPermille = 0;   // extra space above each paragraph after the first,
                                  // in thousandths of the line height
  bool balance = false;           // narrowest width with the same line count (titles)
};

// Breaks `text` into lines no wider than `width` px at font size `size`;
// stops after `maxLines` lines (>= 1) and then marks the block truncated
// (the last line ends with "…" that fits). A paragraph never ends with one
// lone character on its last line when the break can move back. The text
// must be normalized.
TextBlock breakLines(std::string_view text, const TextMetrics& metrics, int size, int width,
                     int maxLines, int lineHeightPermille = 1500);

// Auto-fit: the largest size in [minSize, maxSize] at which the whole text
// fits the box (block height <= height, lines <= maxLines); if even minSize
// does not fit, minSize with as many lines as fit and an ellipsis. At least
// one line is always laid out. Deterministic; O(sizes * shown text), plus
// O(log width) re-breaks when balancing.
TextBlock fitText(std::string_view text, const TextMetrics& metrics, const FitOptions& options);

// Width in px of a single line of `text` at `size` (no wrapping).
int measureLine(std::string_view text, const TextMetrics& metrics, int size);

}  // namespace carecircle::poster
