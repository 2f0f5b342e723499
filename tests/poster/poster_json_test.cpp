// The JSON boundary of the poster module: every error code and path, hostile
// and huge input, the wording_flagged envelope with its spans.
#include "poster/poster_json.hpp"
#include "referral/referral_code_json.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/qr_native.hpp"
#include "poster/poster_text.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

json reply(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text.substr(0, 200);
  return j;
}

json layout(const json& request) {
  return reply(layoutPosterJson(request.dump()));
}

std::string code(const json& r) {
  return r.at("ok").get<bool>() ? "ok" : r.at("error").at("code").get<std::string>();
}
std::string path(const json& r) {
  return r.at("error").at("path").get<std::string>();
}

json storyRequest() {
  return {{"template", "storyPoster"},
          {"data", {{"title", "术后第30天"}, {"story", "每天坚持做康复操。"}, {"name", "李晓芳"}}}};
}

json qrFor(const std::string& payload) {
  const json grid = reply(encodeQrJson(json{{"payload", payload}}.dump())).at("value");
  return {{"payload", payload}, {"rows", grid.at("rows")}};
}

json letterRequest(const char* templ = "referralHonour") {
  return {
      {"template", templ},
      {"data", {{"name", "王建国"}, {"friendBenefit", "首次体检享100元体检券"}}},
      {"referral", {{"code", "7YD0-RMEJ-X1XM6"}, {"linkBase", "https://carecircle.example.cn/r/"}}},
      {"qr", qrFor("https://carecircle.example.cn/r/7YD0RMEJX1XM6")}};
}

TEST(PosterJson, AStoryPosterReply) {
  const json r = layout(storyRequest());
  ASSERT_EQ(code(r), "ok") << r.dump();
  const json& v = r.at("value");
  EXPECT_EQ(v.at("template"), "storyPoster");
  EXPECT_EQ(v.at("width"), 750);
  EXPECT_EQ(v.at("height"), 1334);
  EXPECT_TRUE(v.at("svg").get<std::string>().starts_with("<svg"));
  EXPECT_TRUE(v.at("scratch").is_null());
  EXPECT_TRUE(v.at("qrPayload").is_null());
  EXPECT_EQ(v.at("truncated"), json::array());
  EXPECT_EQ(v.at("notices"), json::array());
  for (const json& op : v.at("drawList")) {
    ASSERT_TRUE(op.is_array());
    const std::string verb = op.at(0);
    const std::size_t arity = verb == "rect"       ? 7
                              : verb == "gradient" ? 8
                              : verb == "stroke"   ? 8
                              : verb == "circle"   ? 5
                              : verb == "path"     ? 3
                              : verb == "text"     ? 8
                              : verb == "image"    ? 11
                              : verb == "qr"       ? 8
                                                   : 0;
    EXPECT_EQ(op.size(), arity) << op.dump();
  }
}

TEST(PosterJson, ALetterCarriesItsPayloadAndTheThankYouCardItsScratchRegion) {
  json r = layout(letterRequest());
  ASSERT_EQ(code(r), "ok") << r.dump();
  EXPECT_EQ(r.at("value").at("qrPayload"), "https://carecircle.example.cn/r/7YD0RMEJX1XM6");
  r = layout(letterRequest("thankYouCard"));
  ASSERT_EQ(code(r), "ok");
  const json& s = r.at("value").at("scratch");
  EXPECT_EQ(s.at("hint"), "刮开查看您的专属推荐码");
  EXPECT_GT(s.at("w").get<int>(), 0);
}

TEST(PosterJson, UnknownTemplate) {
  json r = storyRequest();
  r["template"] = "couponPoster";
  EXPECT_EQ(code(layout(r)), "poster.unknown_template");
  EXPECT_EQ(path(layout(r)), "/template");
  r["template"] = std::string(10'000, 'x');
  EXPECT_EQ(code(layout(r)), "input.out_of_range");
  r.erase("template");
  EXPECT_EQ(code(layout(r)), "input.missing_field");
}

TEST(PosterJson, ForbiddenFieldsOnAStoryPoster_G12) {
  for (const char* key :
       {"bookingUrl", "price", "coupon", "referralCode", "qr", "phone", "linkBase"}) {
    json r = storyRequest();
    r["data"][key] = "x";
    const json out = layout(r);
    EXPECT_EQ(code(out), "poster.forbidden_field") << key;
    EXPECT_EQ(path(out), std::string("/data/") + key);
    EXPECT_NE(out.at("error").at("message").get<std::string>().find("G12"), std::string::npos);
  }
  for (const char* key : {"referral", "qr"}) {
    json r = storyRequest();
    r[key] = json::object();
    EXPECT_EQ(code(layout(r)), "poster.forbidden_field") << key;
    EXPECT_EQ(path(layout(r)), std::string("/") + key);
  }
  json r = storyRequest();
  r["data"]["subtitle"] = "x";  // not forbidden, just unknown
  EXPECT_EQ(code(layout(r)), "input.unknown_field");
}

TEST(PosterJson, ForbiddenFieldsOnACheckInPoster_G3) {
  json r = {{"template", "checkInPoster"},
            {"data", {{"currentDays", 7}, {"reward", "分享得积分"}}}};
  EXPECT_EQ(code(layout(r)), "poster.forbidden_field");
  r = {{"template", "checkInPoster"},
       {"data", {{"currentDays", 7}}},
       {"referral", {{"code", "7YD0RMEJX1XM6"}}}};
  EXPECT_EQ(code(layout(r)), "poster.forbidden_field");
  r = {{"template", "checkInPoster"}, {"data", {{"currentDays", 7}, {"date", "2026-02-30"}}}};
  EXPECT_EQ(code(layout(r)), "input.bad_date");
  r = {{"template", "checkInPoster"}, {"data", {{"currentDays", -1}}}};
  EXPECT_EQ(code(layout(r)), "input.out_of_range");
  r = {{"template", "checkInPoster"}, {"data", json::object()}};
  EXPECT_EQ(code(layout(r)), "input.missing_field");
}

TEST(PosterJson, WordingFlaggedCarriesTheSpans_G11) {
  json r = storyRequest();
  r["data"]["story"] = "王阿姨，你吃这个药试试，能根治！";
  const json out = layout(r);
  ASSERT_EQ(code(out), "poster.wording_flagged");
  EXPECT_EQ(path(out), "/data/story");
  const json& matches = out.at("error").at("matches");
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].at("field"), "/data/story");
  EXPECT_EQ(matches[0].at("matchedText"), "你吃这个药试试");
  EXPECT_EQ(matches[0].at("utf16Start"), 4);
  EXPECT_EQ(matches[0].at("utf16End"), 11);
  EXPECT_EQ(matches[1].at("category"), "efficacyClaim");
  EXPECT_FALSE(matches[1].at("explanation").get<std::string>().empty());
}

TEST(PosterJson, ReferralErrors) {
  json r = letterRequest();
  r["referral"]["code"] = "7YD0-RMEJ-X1XM7";
  EXPECT_EQ(code(layout(r)), "poster.bad_code");
  EXPECT_EQ(path(layout(r)), "/referral/code");
  r = letterRequest();
  r["referral"]["linkBase"] = "http://insecure.example.cn/r/";
  EXPECT_EQ(code(layout(r)), "poster.bad_link");
  r = letterRequest();
  r.erase("qr");
  EXPECT_EQ(code(layout(r)), "poster.bad_qr");
  EXPECT_EQ(path(layout(r)), "/qr");
  r = letterRequest();
  r["qr"]["payload"] = "https://carecircle.example.cn/r/M6SC7N75YR3H3";
  EXPECT_EQ(path(layout(r)), "/qr/payload");
  r = letterRequest();
  r["qr"]["rows"][5] = 12;
  EXPECT_EQ(code(layout(r)), "input.wrong_type");
  r = letterRequest();
  r["qr"]["rows"] = json::array();
  for (int i = 0; i < 178; ++i) r["qr"]["rows"].push_back("0");
  EXPECT_EQ(code(layout(r)), "input.too_many_items");
  r = letterRequest();
  r.erase("referral");
  EXPECT_EQ(code(layout(r)), "input.missing_field");
  r = letterRequest();
  r["data"]["medal"] = "platinum";
  EXPECT_EQ(code(layout(r)), "input.bad_enum");
  r = letterRequest("referralBenefit");
  r["data"]["medal"] = "gold";  // medals belong to the honour letter
  EXPECT_EQ(code(layout(r)), "input.unknown_field");
}

TEST(PosterJson, ImageErrors) {
  json r = storyRequest();
  r["images"] = {{"photo", {{"width", 0}, {"height", 10}}}};
  EXPECT_EQ(code(layout(r)), "input.out_of_range");
  r["images"] = {{"photo", {{"width", 100}}}};
  EXPECT_EQ(code(layout(r)), "input.missing_field");
  r["images"] = {{"photo", {{"width", 100}, {"height", 100}, {"fit", "stretch"}}}};
  EXPECT_EQ(code(layout(r)), "input.bad_enum");
  for (const char* href :
       {"javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "https://x.cn/a\".png",
        "blob:https://x/<y>", "data:image/svg+xml;base64,PHN2Zz4="}) {
    r["images"] = {{"photo", {{"width", 100}, {"height", 100}, {"href", href}}}};
    EXPECT_EQ(code(layout(r)), "poster.bad_image") << href;
  }
  r["images"] = {{"banner", {{"width", 100}, {"height", 100}}}};
  EXPECT_EQ(code(layout(r)), "input.unknown_field");
  json l = letterRequest();
  l["images"] = {{"photo", {{"width", 100}, {"height", 100}}}};
  EXPECT_EQ(code(layout(l)), "input.unknown_field");
}

TEST(PosterJson, EmptyHugeAndBrokenText) {
  json r = storyRequest();
  r["data"]["story"] = "";
  EXPECT_EQ(code(layout(r)), "input.missing_field");
  r["data"]["story"] = "   \n\n  ";  // only blank: laid out, nothing drawn, no crash
  EXPECT_EQ(code(layout(r)), "ok");
  std::string big;
  while (big.size() < 100 * 1024) big += "康复路上，感谢有你。";
  r["data"]["story"] = big;
  json out = layout(r);
  ASSERT_EQ(code(out), "ok");
  EXPECT_EQ(out.at("value").at("truncated"), json::array({"/data/story"}));
  EXPECT_EQ(out.at("value").at("notices").size(), 1u);
  EXPECT_LT(out.at("value").at("svg").get<std::string>().size(), 40'000u);
  r["data"]["story"] = std::string(300 * 1024, 'a');
  EXPECT_EQ(code(layout(r)), "input.out_of_range");
  r["data"]["story"] = "ok";
  r["data"]["name"] = std::string(1000, 'x');
  EXPECT_EQ(code(layout(r)), "input.out_of_range");
  // Raw invalid UTF-8 never reaches the layout.
  EXPECT_EQ(code(reply(layoutPosterJson(
                "{\"template\":\"storyPoster\",\"data\":{\"title\":\"\xff\",\"story\":\"x\"}}"))),
            "input.bad_json");
  for (const char* text : {"", "{", "[]", "null", "{\"template\":", "\"storyPoster\""}) {
    const json e = reply(layoutPosterJson(text));
    EXPECT_FALSE(e.at("ok").get<bool>()) << text;
  }
}

// The lines of text a reply draws, in order.
std::vector<std::string> drawnTexts(const json& r) {
  std::vector<std::string> out;
  for (const json& op : r.at("value").at("drawList")) {
    if (op.at(0) == "text") out.push_back(op.at(7).get<std::string>());
  }
  return out;
}

TEST(PosterJson, MeasuredWidthsFromTheShellDriveTheLayout) {
  json r = storyRequest();
  r["data"]["story"] = "Walking 5000 steps daily with WWW friends and wide words everywhere";
  const json builtIn = layout(r);
  ASSERT_EQ(code(builtIn), "ok");

  // The same widths as the built-in table: the same bytes.
  json same = r;
  same["metrics"] = {{"advances", json::object()}};
  for (char32_t c = 0x20; c < 0x7F; ++c) {
    same["metrics"]["advances"][std::string(1, static_cast<char>(c))] =
        poster::builtInMetrics().advance(c);
  }
  EXPECT_EQ(layoutPosterJson(same.dump()), layoutPosterJson(r.dump()));

  // A font whose Latin letters are three times as wide breaks into more lines,
  // and every line still fits what the shell measured.
  json wide = r;
  wide["metrics"] = {{"advances", json::object()}};
  for (char c = 'A'; c <= 'z'; ++c) {
    if (std::isalpha(static_cast<unsigned char>(c)))
      wide["metrics"]["advances"][std::string(1, c)] = 1800;
  }
  const json measured = layout(wide);
  ASSERT_EQ(code(measured), "ok") << measured.dump();
  EXPECT_GT(drawnTexts(measured).size(), drawnTexts(builtIn).size());
  EXPECT_NE(measured.at("value").at("svg"), builtIn.at("value").at("svg"));

  // Characters the table leaves out fall back to the built-in widths.
  json partial = storyRequest();
  partial["metrics"] = {{"advances", {{"Q", 700}}}};
  EXPECT_EQ(layoutPosterJson(partial.dump()), layoutPosterJson(storyRequest().dump()));
  partial["metrics"] = nullptr;
  EXPECT_EQ(code(layout(partial)), "ok");
}

TEST(PosterJson, MeasuredWidthsAreChecked) {
  const auto with = [](json metrics) {
    json r = storyRequest();
    r["metrics"] = std::move(metrics);
    return layout(r);
  };
  json r = with({{"advances", {{"ab", 500}}}});
  EXPECT_EQ(code(r), "poster.bad_metrics");
  EXPECT_EQ(path(r), "/metrics/advances/ab");
  EXPECT_EQ(code(with({{"advances", {{"", 500}}}})), "poster.bad_metrics");
  EXPECT_EQ(code(with({{"advances", {{"\n", 0}}}})), "poster.bad_metrics");
  EXPECT_EQ(code(with({{"advances", {{std::string(1000, 'x'), 1}}}})), "poster.bad_metrics");
  r = with({{"advances", {{"W", 4001}}}});
  EXPECT_EQ(code(r), "input.out_of_range");
  EXPECT_EQ(path(r), "/metrics/advances/W");
  EXPECT_EQ(code(with({{"advances", {{"W", -1}}}})), "input.out_of_range");
  EXPECT_EQ(code(with({{"advances", {{"W", "wide"}}}})), "input.wrong_type");
  EXPECT_EQ(code(with({{"advances", {{"W", 1.5}}}})), "input.wrong_type");
  EXPECT_EQ(code(with({{"advances", {{"/", 300}, {"~", 9999}}}})), "input.out_of_range");
  EXPECT_EQ(path(with({{"advances", {{"~", 9999}}}})), "/metrics/advances/~0");
  EXPECT_EQ(code(with(json::object())), "input.missing_field");
  EXPECT_EQ(code(with({{"advances", json::array()}})), "input.wrong_type");
  EXPECT_EQ(code(with({{"advances", json::object()}, {"font", "x"}})), "input.unknown_field");
  EXPECT_EQ(code(with("canvas")), "input.wrong_type");
  json many = json::object();
  for (char32_t cp = 0x4E00; cp < 0x4E00 + 8193; ++cp) {
    std::string key;
    key += static_cast<char>(0xE0 | (cp >> 12));
    key += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    key += static_cast<char>(0x80 | (cp & 0x3F));
    many[key] = 1000;
  }
  EXPECT_EQ(code(with({{"advances", many}})), "input.too_many_items");
  many.erase(many.begin());
  EXPECT_EQ(code(with({{"advances", many}})), "ok");
}

TEST(PosterText, MeasuredMetricsOverrideAndFallBack) {
  const poster::MeasuredMetrics m({{U'W', 900}, {U'W', 100}, {U'你', 5000}, {U'a', -3}});
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.advance(U'W'), 900);    // the first of two entries
  EXPECT_EQ(m.advance(U'你'), 4000);  // clamped
  EXPECT_EQ(m.advance(U'a'), 0);
  EXPECT_EQ(m.advance(U'Z'), poster::builtInMetrics().advance(U'Z'));
  EXPECT_EQ(m.advance(U'好'), 1000);
}

TEST(PosterJson, ReferralCodeExports) {
  json r = reply(makeReferralCodeJson(R"({"randomHex":"3f9a0c51d2e87b46"})"));
  EXPECT_EQ(r.at("value").at("code"), "7YD0RMEJX1XM6");
  EXPECT_EQ(r.at("value").at("qrPayload"), "7YD0RMEJX1XM6");
  EXPECT_EQ(r.at("value").at("qrEcc"), "M");
  EXPECT_EQ(code(reply(makeReferralCodeJson(R"({"randomHex":"3f9a0c51d2e87b4"})"))),
            "poster.weak_random");
  EXPECT_EQ(
      code(reply(makeReferralCodeJson(R"({"randomHex":"3f9a0c51d2e87b46","linkBase":"ftp://x"})"))),
      "poster.bad_link");
  EXPECT_EQ(code(reply(makeReferralCodeJson(R"({})"))), "input.missing_field");
  r = reply(
      checkReferralCodeJson(R"({"code":"7ydo rmej xlxm6","linkBase":"https://h.example.cn/r/"})"));
  EXPECT_EQ(r.at("value").at("display"), "7YD0-RMEJ-X1XM6");
  EXPECT_EQ(r.at("value").at("qrPayload"), "https://h.example.cn/r/7YD0RMEJX1XM6");
  EXPECT_EQ(code(reply(checkReferralCodeJson(R"({})"))), "poster.bad_code");
  EXPECT_EQ(code(reply(checkReferralCodeJson(R"({"code":12})"))), "input.wrong_type");
  EXPECT_EQ(code(reply(checkReferralCodeJson(R"({"code":"x","extra":1})"))), "input.unknown_field");
}

}  // namespace
}  // namespace carecircle
