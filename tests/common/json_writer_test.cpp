// The streaming writer against nlohmann's dump(-1, ' ', false, replace): the
// same bytes for every string (control bytes, quotes, UTF-8, broken UTF-8),
// integer and nesting.
#include "common/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace carecircle {
namespace {

using nlohmann::json;

std::string dumped(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonWriter, StringsAreEscapedAsNlohmannDoes) {
  std::mt19937 rng(11);
  const std::string pieces[] = {"\"",
                                "\\",
                                "\b",
                                "\f",
                                "\n",
                                "\r",
                                "\t",
                                std::string(1, '\0'),
                                "\x1f",
                                "\x7f",
                                "/",
                                "李*芳",
                                "😀",
                                "\xc3",
                                "\xe4\xb8",
                                "\xed\xa0\x80",
                                "\xf4\x90\x80\x80",
                                "\xc0\xaf",
                                "\xe0\x80\xaf",
                                "\xff",
                                "a"};
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (int k = static_cast<int>(rng() % 6); k > 0; --k) {
      if (rng() % 4 == 0)
        text += static_cast<char>(rng() % 256);
      else
        text += pieces[rng() % std::size(pieces)];
    }
    JsonWriter w;
    w.value(text);
    ASSERT_EQ(w.text(), dumped(json(text)))
        << json(text).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

TEST(JsonWriter, NumbersFlagsNullsAndNesting) {
  JsonWriter w;
  w.beginObject();
  w.key("a");
  w.beginArray();
  w.value(std::numeric_limits<std::int64_t>::min());
  w.value(std::numeric_limits<std::int64_t>::max());
  w.value(0);
  w.value(-7);
  w.value(true);
  w.value(false);
  w.null();
  w.beginObject();
  w.endObject();
  w.beginArray();
  w.endArray();
  w.endArray();
  w.field("b", "x");
  w.nullField("c");
  w.key("d");
  w.raw("{\"e\":1}");
  w.endObject();
  const json expected = {
      {"a",
       {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 0, -7,
        true, false, nullptr, json::object(), json::array()}},
      {"b", "x"},
      {"c", nullptr},
      {"d", {{"e", 1}}}};
  EXPECT_EQ(w.text(), dumped(expected));
}

TEST(JsonWriter, EnvelopeCatchesAsRunEntryDoes) {
  EXPECT_EQ(json_io::writeEnvelope([](JsonWriter& w) { w.value(1); }), R"({"ok":true,"value":1})");
  const std::string refused = json_io::writeEnvelope([](JsonWriter& w) {
    w.value(1);
    json_io::fail("input.wrong_type", "字段类型错误", "/a");
  });
  EXPECT_EQ(refused, json_io::errorEnvelope({"input.wrong_type", "字段类型错误", "/a"}));
  EXPECT_EQ(json_io::runEntryWriting("[1]", {}, [](const json&, JsonWriter& w) { w.null(); }),
            json_io::runEntry("[1]", {}, [](const json&) { return json(nullptr); }));
  EXPECT_EQ(json_io::runEntryWriting("{}", {}, [](const json&, JsonWriter& w) { w.null(); }),
            R"({"ok":true,"value":null})");
}

}  // namespace
}  // namespace carecircle
