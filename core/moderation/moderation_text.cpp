#include "moderation/moderation_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace carecircle {
namespace {

// Traditional → simplified, one code point to one: generated at build time
// from OpenCC's character dictionaries (core/moderation/gen_tables.mjs),
// sorted by the traditional code point. Phrase-level conversions (where one
// traditional character has several simplified readings) keep OpenCC's
// default, which is what a word filter needs.
#include "moderation_folding.inc"


bool ignored(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return true;  // C0 controls, DEL
  if (cp < 0x80) {
    return (cp >= 0x20 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);  // space, punctuation
  }
  if (cp <= 0x9F) return true;                    // C1 controls
  if (cp >= 0xA0 && cp <= 0xBF) return true;      // NBSP, ¡..¿, ·
  if (cp == 0xD7 || cp == 0xF7) return true;      // × ÷
  if (cp >= 0x0300 && cp <= 0x036F) return true;  // combining diacritics
  if (cp == 0x1680 || cp == 0x180E) return true;  // odd spaces
  if (cp >= 0x2000 && cp <= 0x206F) return true;  // spaces, ZW*, dashes, quotes
  if (cp >= 0x20D0 && cp <= 0x20FF) return true;  // combining marks for symbols
  if (cp >= 0x2100 && cp <= 0x2BFF) return true;  // letterlike..misc symbols, arrows
  if (cp >= 0x3000 && cp <= 0x3004) return true;  // 　、。〃〄
  if (cp >= 0x3008 && cp <= 0x3020) return true;  // 〈〉《》「」【】〔〕〜...
  if (cp == 0x3030 || cp == 0x303D || cp == 0x30FB) return true;  // 〰 〽 ・
  if (cp >= 0xFE00 && cp <= 0xFE0F) return true;                  // variation selectors
  if (cp >= 0xFE10 && cp <= 0xFE6F) return true;                  // vertical / small forms
  if (cp == 0xFEFF) return true;                                  // BOM / ZWNBSP
  if (cp >= 0xFF5F && cp <= 0xFF65) return true;                  // ｟｠｡｢｣､･
  if (cp >= 0xFFE0 && cp <= 0xFFEE) return true;                  // ￠￡￢￣￤￥ ...
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return true;                  // specials
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return true;                // emoji, mahjong, cards
  if (cp >= 0xE0000 && cp <= 0xE007F) return true;                // tag characters
  return false;
}

}  // namespace

char32_t foldForMatching(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII → ASCII
  if (ignored(cp)) return kIgnoredCodePoint;
  if (cp >= U'A' && cp <= U'Z') return cp + 0x20;
  if (cp >= 0x3400) {
    const auto* end = kTraditional + kTraditionalCount;
    const auto* it =
        std::lower_bound(kTraditional, end, cp,
                         [](const auto& entry, char32_t key) { return entry.first < key; });
    if (it != end && it->first == cp) return it->second;
  }
  return cp;
}

std::u32string foldString(std::string_view utf8) {
  std::u32string out;
  std::size_t at = 0;
  char32_t cp = 0;
  while (at < utf8.size()) {
    const std::size_t n = decodeUtf8At(utf8, at, cp);
    if (n == 0) {  // precondition says well-formed; stay total anyway
      ++at;
      continue;
    }
    at += n;
    const char32_t folded = foldForMatching(cp);
    if (folded != kIgnoredCodePoint) out += folded;
  }
  return out;
}

}  // namespace carecircle
