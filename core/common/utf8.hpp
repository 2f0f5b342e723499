// Strict UTF-8 (RFC 3629): the one decoder, validity check and encoder every
// module uses, so "valid text" means the same thing on every screen.
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

// True when the whole text is well-formed UTF-8 (no firstInvalidUtf8).
inline bool validUtf8(std::string_view text) { return !firstInvalidUtf8(text).has_value(); }

// Appends the UTF-8 encoding of `cp` (precondition: a Unicode scalar value).
void appendUtf8(std::string& out, char32_t cp);

}  // namespace carecircle
