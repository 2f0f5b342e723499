#include "common/json_io.hpp"

#include <new>
#include <utility>

namespace carecircle::json_io {
namespace {

const char* typeNameZh(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "空值";
    case Json::value_t::object:
      return "对象";
    case Json::value_t::array:
      return "数组";
    case Json::value_t::string:
      return "字符串";
    case Json::value_t::boolean:
      return "布尔值";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "整数";
    case Json::value_t::number_float:
      return "小数";
    default:
      return "未知类型";
  }
}

[[noreturn]] void wrongType(const Json& value, const char* expected, const std::string& path) {
  fail("input.wrong_type",
       std::string("字段类型错误：应为") + expected + "，实际为" + typeNameZh(value), path);
}

// nlohmann's parser recurses once per nesting level; a 1M-deep "[[[[" would
// exhaust the stack (a few hundred KiB in wasm). Count depth first, skipping
// string contents, and refuse before the parser starts.
bool depthWithin(std::string_view text, std::size_t maxDepth) {
  std::size_t depth = 0;
  bool inString = false;
  bool escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '[' || c == '{') {
      if (++depth > maxDepth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

}  // namespace

void fail(std::string code, std::string message, std::string path) {
  throw InputError{Error{std::move(code), std::move(message), std::move(path)}};
}

Result<Json> parseRequest(std::string_view text, const Limits& limits) {
  if (text.size() > limits.maxBytes) {
    return Error{"input.too_large", "请求数据过大，已拒绝处理", ""};
  }
  if (!depthWithin(text, limits.maxDepth)) {
    return Error{"input.too_deep", "请求数据嵌套层级过深，已拒绝处理", ""};
  }
  Json parsed = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error{"input.bad_json", "请求不是有效的JSON数据", ""};
  }
  if (!parsed.is_object()) {
    return Error{"input.wrong_type", std::string("请求应为JSON对象，实际为") + typeNameZh(parsed),
                 ""};
  }
  return parsed;
}

std::string childPath(const std::string& path, std::string_view key) {
  std::string out = path;
  out += '/';
  // JSON Pointer escaping (RFC 6901) so a path is unambiguous.
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string childPath(const std::string& path, std::size_t index) {
  return path + '/' + std::to_string(index);
}

void rejectUnknownKeys(const Json& object, const std::string& path,
                       std::initializer_list<std::string_view> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (std::string_view key : allowed) known = known || key == it.key();
    if (!known)
      fail("input.unknown_field", "未知字段：" + it.key().substr(0, 64), childPath(path, it.key()));
  }
}

const Json& requireObject(const Json& value, const std::string& path) {
  if (!value.is_object()) wrongType(value, "对象", path);
  return value;
}

const Json& requireArray(const Json& value, const std::string& path, std::size_t maxItems) {
  if (!value.is_array()) wrongType(value, "数组", path);
  if (value.size() > maxItems) {
    fail("input.too_many_items", "列表条目过多（上限" + std::to_string(maxItems) + "条）", path);
  }
  return value;
}

namespace {
const Json* findField(const Json& object, const char* key, const std::string& path, bool required) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      fail("input.missing_field", std::string("缺少必填字段 ") + key, childPath(path, key));
    return nullptr;
  }
  return &*it;
}
}  // namespace

bool readInt(const Json& object, const char* key, const std::string& path, std::int64_t min,
             std::int64_t max, std::int64_t& out, bool required) {
  const Json* value = findField(object, key, path, required);
  if (value == nullptr) return false;
  const std::string here = childPath(path, key);
  std::int64_t number = 0;
  if (value->is_number_integer()) {
    number = value->get<std::int64_t>();
  } else if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) fail("input.out_of_range", "数值超出允许范围", here);
    number = static_cast<std::int64_t>(u);
  } else {
    wrongType(*value, "整数", here);
  }
  if (number < min || number > max) {
    fail("input.out_of_range",
         "数值超出允许范围（" + std::to_string(min) + "~" + std::to_string(max) + ")", here);
  }
  out = number;
  return true;
}

bool readString(const Json& object, const char* key, const std::string& path, std::size_t maxBytes,
                std::string& out, bool required) {
  const Json* value = findField(object, key, path, required);
  if (value == nullptr) return false;
  const std::string here = childPath(path, key);
  if (!value->is_string()) wrongType(*value, "字符串", here);
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > maxBytes) {
    fail("input.out_of_range", "文本过长（上限" + std::to_string(maxBytes) + "字节）", here);
  }
  if (required && text.empty())
    fail("input.missing_field", std::string("字段不能为空：") + key, here);
  out = text;
  return true;
}

bool readBool(const Json& object, const char* key, const std::string& path, bool& out) {
  const Json* value = findField(object, key, path, false);
  if (value == nullptr) return false;
  if (!value->is_boolean()) wrongType(*value, "布尔值", childPath(path, key));
  out = value->get<bool>();
  return true;
}

std::string okEnvelope(const Json& value) {
  Json envelope = {{"ok", true}, {"value", value}};
  return envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string errorEnvelope(const Error& error) {
  Json envelope = {
      {"ok", false},
      {"error", {{"code", error.code}, {"message", error.message}, {"path", error.path}}}};
  return envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string runEntry(std::string_view text, const Limits& limits,
                     const std::function<Json(const Json&)>& body) {
  try {
    Result<Json> request = parseRequest(text, limits);
    if (!request.ok()) return errorEnvelope(request.error());
    return okEnvelope(body(request.value()));
  } catch (const InputError& e) {
    return errorEnvelope(e.error);
  } catch (const std::bad_alloc&) {
    return errorEnvelope({"input.too_large", "数据量超出可处理范围", ""});
  } catch (...) {
    return errorEnvelope({"internal.unexpected", "系统内部错误，请稍后重试", ""});
  }
}

}  // namespace carecircle::json_io
