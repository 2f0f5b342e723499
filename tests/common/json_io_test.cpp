#include "common/json_io.hpp"

#include <gtest/gtest.h>

#include <string>

namespace carecircle::json_io {
namespace {

TEST(JsonIo, RejectsNonJsonAsBadJson) {
  for (const char* text : {"", "{", "nope", "{\"a\":}", "[1,2", "{\"a\":1}}", "\xff\xfe"}) {
    Result<Json> r = parseRequest(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, "input.bad_json") << text;
  }
}

TEST(JsonIo, RejectsInvalidUtf8InsideStrings) {
  Result<Json> r = parseRequest(std::string("{\"a\":\"\xc3\x28\"}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "input.bad_json");
}

TEST(JsonIo, RejectsNonObjectsAsWrongType) {
  for (const char* text : {"[]", "1", "\"x\"", "null", "true"}) {
    Result<Json> r = parseRequest(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, "input.wrong_type") << text;
  }
}

TEST(JsonIo, RefusesDeepNestingBeforeParsing) {
  // A million brackets would overflow the recursive parser's stack.
  const std::string deep = "{\"a\":" + std::string(1'000'000, '[');
  Result<Json> r = parseRequest(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "input.too_deep");
  // Brackets inside strings are not nesting.
  const std::string quoted = "{\"a\":\"" + std::string(10'000, '[') + "\"}";
  EXPECT_TRUE(parseRequest(quoted).ok());
}

TEST(JsonIo, RefusesOversizedText) {
  Limits small;
  small.maxBytes = 16;
  Result<Json> r = parseRequest("{\"a\":\"0123456789abcdef\"}", small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "input.too_large");
}

TEST(JsonIo, RunEntryTurnsEveryThrowIntoAnEnvelope) {
  const std::string reply = runEntry("{}", {}, [](const Json&) -> Json { throw 42; });
  EXPECT_EQ(
      reply,
      R"({"error":{"code":"internal.unexpected","message":"系统内部错误，请稍后重试","path":""},"ok":false})");
  const std::string missing = runEntry("{}", {}, [](const Json& j) -> Json {
    std::int64_t n = 0;
    readInt(j, "n", "", 0, 10, n, true);
    return n;
  });
  EXPECT_NE(missing.find("\"input.missing_field\""), std::string::npos);
  EXPECT_NE(missing.find("\"path\":\"/n\""), std::string::npos);
}

TEST(JsonIo, IntegerReaderChecksTypeAndRange) {
  const Json j = Json::parse(R"({"f":1.5,"s":"1","big":18446744073709551615,"neg":-1,"ok":7})");
  auto codeOf = [&](const char* key) {
    try {
      std::int64_t n = 0;
      readInt(j, key, "", 0, 100, n, true);
      return std::string("ok");
    } catch (const InputError& e) {
      return e.error.code;
    }
  };
  EXPECT_EQ(codeOf("f"), "input.wrong_type");
  EXPECT_EQ(codeOf("s"), "input.wrong_type");
  EXPECT_EQ(codeOf("big"), "input.out_of_range");
  EXPECT_EQ(codeOf("neg"), "input.out_of_range");
  EXPECT_EQ(codeOf("ok"), "ok");
  EXPECT_EQ(codeOf("absent"), "input.missing_field");
}

TEST(JsonIo, PathsEscapeJsonPointerCharacters) {
  EXPECT_EQ(childPath("/a", "b/c~d"), "/a/b~1c~0d");
  EXPECT_EQ(childPath("/a", std::size_t{3}), "/a/3");
}

}  // namespace
}  // namespace carecircle::json_io
