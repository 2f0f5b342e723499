// Text primitives of the moderation check: strict UTF-8 decoding and the
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

namespace carecircle {

// Decodes the code point starting at text[at]. Returns its length in bytes
// (1..4) and stores it in `cp`; returns 0 for anything that is not
// well-formed UTF-8 (RFC 3629): stray continuation bytes, truncated
// sequences, overlong forms, surrogates U+D800..U+DFFF, values > U+10FFFF.
// Precondition: at < text.size().
std::size_t decodeUtf8At(std::string_view text, std::size_t at, char32_t& cp);

// Byte offset of the first ill-formed sequence, or std::nullopt when the
// whole text is well-formed UTF-8. Linear time.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `cp` (precondition: a Unicode scalar value).
void appendUtf8(std::string& out, char32_t cp);

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
