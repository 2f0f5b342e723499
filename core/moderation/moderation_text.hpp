// Text primitives of the moderation check (strict UTF-8 is common/utf8.hpp): the
// per-code-point folding that makes "根 治", "根-治", "根　治" and "ＮＯ．１"
// match the patterns "根治" and "no.1".
//
// Folding never changes how offsets are reported: callers walk the ORIGINAL
// text, fold each code point on the fly and remember where it came from, so
// a match is always reported as a span of the text the user typed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/utf8.hpp"  // decodeUtf8At, firstInvalidUtf8, appendUtf8

namespace carecircle {

// Returned by foldForMatching() for code points that are ignored when
// matching: white space of every width (incl. U+3000 and zero-width marks),
// ASCII / CJK / full-width / general punctuation, symbols, arrows, emoji,
// variation selectors and combining marks — what people insert between
// characters to slip past a word filter.
inline constexpr char32_t kIgnoredCodePoint = 0xFFFFFFFF;

// The matching form of one code point:
//  - full-width ASCII U+FF01..U+FF5E → ASCII (ＡＢＣ１２３ → abc123);
//  - ASCII letters → lower case;
//  - traditional characters and their Taiwan / Hong Kong variant forms →
//    simplified (藥 → 药, 癒 → 愈, 衞 → 卫; about 4,100 characters, from
//    OpenCC's dictionaries at build time);
//  - separators, punctuation and symbols → kIgnoredCodePoint;
//  - everything else unchanged (CJK ideographs, digits, letters of other scripts).
// Pure and total: defined for every char32_t.
char32_t foldForMatching(char32_t cp);

// Folds a whole (well-formed) UTF-8 string, dropping ignored code points.
// Used for patterns, so that patterns and text are folded the same way.
std::u32string foldString(std::string_view utf8);

}  // namespace carecircle
