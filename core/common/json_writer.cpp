#include "common/json_writer.hpp"

#include <charconv>
#include <new>

namespace carecircle {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  const std::size_t left = s.size() - i;
  const auto cont = [&](std::size_t k) { return (byte(i + k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    const unsigned char c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
    if (c == 0xED && c1 > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    const unsigned char c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
    if (c == 0xF4 && c1 > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void JsonWriter::separate() {
  if (needComma_) out_ += ',';
}

void JsonWriter::beginObject() {
  separate();
  out_ += '{';
  needComma_ = false;
}

void JsonWriter::endObject() {
  out_ += '}';
  needComma_ = true;
}

void JsonWriter::beginArray() {
  separate();
  out_ += '[';
  needComma_ = false;
}

void JsonWriter::endArray() {
  out_ += ']';
  needComma_ = true;
}

void JsonWriter::key(std::string_view name) {
  separate();
  string(name);
  out_ += ':';
  needComma_ = false;
}

void JsonWriter::value(std::string_view text) {
  separate();
  string(text);
  needComma_ = true;
}

void JsonWriter::value(std::int64_t number) {
  separate();
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, number).ptr;
  out_.append(buffer, end);
  needComma_ = true;
}

void JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  needComma_ = true;
}

void JsonWriter::null() {
  separate();
  out_ += "null";
  needComma_ = true;
}

void JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  needComma_ = true;
}

void JsonWriter::string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t start = out_.size();
  out_ += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8Length(text, i);
      if (n == 0) {
        // Not UTF-8: let nlohmann's replace handler decide, byte for byte.
        out_.resize(start);
        out_ += json_io::Json(std::string(text))
                    .dump(-1, ' ', false, json_io::Json::error_handler_t::replace);
        return;
      }
      out_.append(text.data() + i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        if (c < 0x20) {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out_.append(escaped, sizeof escaped);
        } else {
          out_ += static_cast<char>(c);
        }
    }
    ++i;
  }
  out_ += '"';
}

namespace json_io {

std::string writeEnvelope(const std::function<void(JsonWriter&)>& body) {
  try {
    JsonWriter w(R"({"ok":true,"value":)");
    body(w);
    std::string out = w.take();
    out += '}';
    return out;
  } catch (const InputError& e) {
    return errorEnvelope(e.error);
  } catch (const std::bad_alloc&) {
    return errorEnvelope({"input.too_large", "数据量超出可处理范围", ""});
  } catch (...) {
    return errorEnvelope({"internal.unexpected", "系统内部错误，请稍后重试", ""});
  }
}

std::string runEntryWriting(std::string_view text, const Limits& limits,
                            const std::function<void(const Json&, JsonWriter&)>& body) {
  Result<Json> request = [&]() -> Result<Json> {
    try {
      return parseRequest(text, limits);
    } catch (const std::bad_alloc&) {
      return Error{"input.too_large", "数据量超出可处理范围", ""};
    } catch (...) {
      return Error{"internal.unexpected", "系统内部错误，请稍后重试", ""};
    }
  }();
  if (!request.ok()) return errorEnvelope(request.error());
  return writeEnvelope([&](JsonWriter& w) { body(request.value(), w); });
}

}  // namespace json_io
}  // namespace carecircle
