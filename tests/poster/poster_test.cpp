// Poster templates, scenes and SVG: G12 / G3 / G11 refusals, escaping, QR
// geometry, image fitting, the scratch region, determinism, and every text
// staying on the canvas.
#include "poster/poster.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "common/qr_native.hpp"

namespace carecircle {
namespace {

constexpr const char* kLink = "https://carecircle.example.cn/r/";

ReferralCode code() {
  return checkReferralCode("7YD0-RMEJ-X1XM6").value();
}

PosterRequest story() {
  PosterRequest r;
  r.templ = PosterTemplate::kStory;
  r.title = "术后第30天，我又能唱歌了";
  r.story = "出院那天，护士把颈部康复操一个动作一个动作地教给我。\n现在我每天坚持打卡。";
  r.name = "李晓芳";
  r.hospitalName = "示例市人民医院";
  return r;
}

PosterRequest letter(PosterTemplate t) {
  PosterRequest r;
  r.templ = t;
  r.name = "李晓芳";
  r.friendBenefit = "首次健康体检享100元体检券";
  r.code = code();
  r.linkBase = kLink;
  return r;
}

Scene layout(const PosterRequest& r) {
  Result<Scene> s = layoutPoster(r, nayukiQrEncoder());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().code + " " + s.error().message);
  return s.ok() ? s.value() : Scene{};
}

std::vector<TextOp> texts(const Scene& s) {
  std::vector<TextOp> out;
  for (const DrawOp& op : s.ops) {
    if (const auto* t = std::get_if<TextOp>(&op)) out.push_back(*t);
  }
  return out;
}

std::string allText(const Scene& s) {
  std::string out;
  for (const TextOp& t : texts(s)) out += t.text + "\n";
  return out;
}

template <typename Op>
std::vector<Op> opsOf(const Scene& s) {
  std::vector<Op> out;
  for (const DrawOp& op : s.ops) {
    if (const auto* o = std::get_if<Op>(&op)) out.push_back(*o);
  }
  return out;
}

const std::vector<PosterTemplate> kAll = {
    PosterTemplate::kStory,           PosterTemplate::kReferralHonour,
    PosterTemplate::kReferralBenefit, PosterTemplate::kReferralPrivilege,
    PosterTemplate::kThankYouCard,    PosterTemplate::kCheckInPoster};

PosterRequest any(PosterTemplate t) {
  if (t == PosterTemplate::kStory) return story();
  if (t == PosterTemplate::kCheckInPoster) {
    PosterRequest r;
    r.templ = t;
    r.currentDays = 21;
    r.totalDays = 45;
    r.longestDays = 30;
    r.planTitle = "颈部康复操";
    r.name = "赵敏";
    return r;
  }
  return letter(t);
}

TEST(Poster, TemplateIdsRoundTrip) {
  for (PosterTemplate t : kAll) EXPECT_EQ(parsePosterTemplate(posterTemplateId(t)), t);
  EXPECT_FALSE(parsePosterTemplate("couponPoster").has_value());
  EXPECT_FALSE(parsePosterTemplate("").has_value());
}

TEST(Poster, EveryTemplateLaysOutOnA750PxCanvas) {
  for (PosterTemplate t : kAll) {
    const Scene s = layout(any(t));
    SCOPED_TRACE(posterTemplateId(t));
    EXPECT_EQ(s.width, 750);
    EXPECT_GE(s.height, 1000);
    EXPECT_FALSE(s.ops.empty());
    EXPECT_FALSE(s.fontFamily.empty());
    EXPECT_EQ(s.templateId, posterTemplateId(t));
    EXPECT_EQ(!s.qrPayload.empty(), posterHasQr(t));
    EXPECT_EQ(opsOf<QrOp>(s).size(), posterHasQr(t) ? 1u : 0u);
  }
}

TEST(Poster, EveryLineOfTextStaysOnTheCanvas) {
  PosterRequest longOne = story();
  longOne.title = std::string(300, 'W');
  longOne.story.clear();
  for (int i = 0; i < 2000; ++i) longOne.story += "WWW 坚持";
  longOne.hospitalName = std::string(500, 'M');
  longOne.photo = PosterImage{1200, 900, ImageFit::kCover, ""};
  std::vector<PosterRequest> requests = {longOne};
  for (PosterTemplate t : kAll) {
    PosterRequest r = any(t);
    r.friendBenefit = std::string(900, 'W');
    r.message = std::string(3000, 'M');
    r.planTitle = std::string(900, 'W');
    r.hospitalName = std::string(900, 'W');
    r.currentDays = 36'600;
    requests.push_back(r);
  }
  for (const PosterRequest& r : requests) {
    const Scene s = layout(r);
    SCOPED_TRACE(s.templateId);
    for (const TextOp& t : texts(s)) {
      const int w = poster::measureLine(t.text, poster::builtInMetrics(), t.size);
      const int left = t.align == TextAlign::kLeft     ? t.x
                       : t.align == TextAlign::kCenter ? t.x - w / 2
                                                       : t.x - w;
      EXPECT_GE(left, 40) << t.text;
      EXPECT_LE(left + w, 710) << t.text;
      EXPECT_GT(t.y, 0);
      EXPECT_LT(t.y, s.height);
    }
  }
}

TEST(Poster, StoryPosterRefusesCodesAndLinks_G12) {
  PosterRequest r = story();
  r.code = code();
  Result<Scene> s = layoutPoster(r, nayukiQrEncoder());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "poster.forbidden_field");
  EXPECT_EQ(s.error().path, "/referral");
  for (const char* text :
       {"预约挂号请访问 https://h.example.cn", "详见 www.example.com", "HTTP://X.CN"}) {
    r = story();
    r.story = text;
    EXPECT_EQ(layoutPoster(r, nayukiQrEncoder()).error().code, "poster.forbidden_field") << text;
  }
  // The story poster has no QR and says nothing about booking or prices.
  const Scene ok = layout(story());
  EXPECT_TRUE(opsOf<QrOp>(ok).empty());
  EXPECT_TRUE(ok.qrPayload.empty());
  for (const char* word : {"预约", "挂号", "价格", "优惠", "券", "推荐码", "扫码", "http"}) {
    EXPECT_EQ(allText(ok).find(word), std::string::npos) << word;
  }
}

TEST(Poster, CheckInPosterOffersNothingForSharing_G3) {
  PosterRequest r = any(PosterTemplate::kCheckInPoster);
  const Scene s = layout(r);
  for (const char* word : {"分享", "转发", "朋友圈", "解锁", "奖励", "领取", "券", "扫码"}) {
    EXPECT_EQ(allText(s).find(word), std::string::npos) << word;
  }
  r.code = code();
  EXPECT_EQ(layoutPoster(r, nayukiQrEncoder()).error().code, "poster.forbidden_field");
}

TEST(Poster, ClaimsInAStoryAreFlaggedWithSpans_G11) {
  PosterRequest r = story();
  r.title = "这里是最好的医院";
  r.story = "这个方法能根治甲亢，你吃这个药试试。";
  std::vector<WordingFlag> flags;
  Result<Scene> s = layoutPoster(r, nayukiQrEncoder(), &flags);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "poster.wording_flagged");
  EXPECT_EQ(s.error().path, "/data/title");
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_EQ(flags[0].field, "/data/title");
  EXPECT_EQ(flags[0].match.matchedText, "最好");
  EXPECT_EQ(flags[1].field, "/data/story");
  EXPECT_EQ(flags[1].match.category, "efficacyClaim");
  EXPECT_EQ(
      r.story.substr(flags[1].match.byteStart, flags[1].match.byteEnd - flags[1].match.byteStart),
      "根治");
  EXPECT_EQ(flags[2].match.category, "drugAdvice");
  // Everyday phrases pass (the moderation module's exceptions apply).
  r = story();
  r.story = "第一次打卡的时候很紧张，最好别熬夜。";
  EXPECT_TRUE(layoutPoster(r, nayukiQrEncoder()).ok());
  // A referrer's own words on a letter are checked too; a phone number is personal data.
  PosterRequest l = letter(PosterTemplate::kReferralBenefit);
  l.message = "有问题打我电话13812345678";
  EXPECT_EQ(layoutPoster(l, nayukiQrEncoder()).error().code, "poster.wording_flagged");
}

TEST(Poster, NamesAreMasked) {
  const Scene s = layout(story());
  EXPECT_NE(allText(s).find("李*芳"), std::string::npos);
  EXPECT_EQ(allText(s).find("晓"), std::string::npos);
  EXPECT_EQ(toSvg(s).find("晓"), std::string::npos);
  PosterRequest anonymous = story();
  anonymous.name.clear();
  EXPECT_NE(allText(layout(anonymous)).find("一位病友"), std::string::npos);
}

TEST(Poster, TheQrKeepsItsQuietZoneAndReadableModules) {
  for (PosterTemplate t : kAll) {
    if (!posterHasQr(t)) continue;
    const Scene s = layout(any(t));
    const QrOp qr = opsOf<QrOp>(s).at(0);
    EXPECT_EQ(qr.quietZone, 4);
    EXPECT_GE(qr.moduleSize, 3);
    EXPECT_EQ(qr.light, "#ffffff");
    const Result<QrGrid> grid = nayukiQrEncoder().encode(s.qrPayload, kReferralQrEcc);
    EXPECT_EQ(qr.rows, grid.value().rows);
    EXPECT_EQ(s.qrPayload, std::string(kLink) + "7YD0RMEJX1XM6");
  }
  // A grid too dense for the slot is refused rather than drawn unscannable.
  class DenseEncoder final : public QrEncoder {
   public:
    Result<QrGrid> encode(std::string_view, QrEcc ecc) const override {
      return nayukiQrEncoder().encode(std::string(600, 'A'), ecc);
    }
  };
  Result<Scene> dense = layoutPoster(letter(PosterTemplate::kReferralHonour), DenseEncoder());
  ASSERT_FALSE(dense.ok());
  EXPECT_EQ(dense.error().code, "poster.bad_qr");
  // The longest link base allowed still fits at 3 px or more per module.
  PosterRequest r = letter(PosterTemplate::kReferralHonour);
  r.linkBase = "https://carecircle.example.cn/" + std::string(160, 'r') + "/";
  ASSERT_LE(r.linkBase.size(), 200u);
  EXPECT_GE(opsOf<QrOp>(layout(r)).at(0).moduleSize, 3);
}

TEST(Poster, TheThankYouCardHidesItsCodeAndQrUnderTheScratchRegion) {
  const Scene s = layout(any(PosterTemplate::kThankYouCard));
  ASSERT_TRUE(s.scratch.has_value());
  const ScratchRegion& r = *s.scratch;
  const QrOp qr = opsOf<QrOp>(s).at(0);
  const int side = (static_cast<int>(qr.rows.size()) + 2 * qr.quietZone) * qr.moduleSize;
  EXPECT_GE(qr.x, r.x);
  EXPECT_GE(qr.y, r.y);
  EXPECT_LE(qr.x + side, r.x + r.w);
  EXPECT_LE(qr.y + side, r.y + r.h);
  bool codeInside = false;
  for (const TextOp& t : texts(s)) {
    if (t.text == "7YD0-RMEJ-X1XM6") codeInside = t.x >= r.x && t.y > r.y && t.y < r.y + r.h;
  }
  EXPECT_TRUE(codeInside);
  EXPECT_FALSE(r.hint.empty());
  EXPECT_FALSE(layout(any(PosterTemplate::kReferralHonour)).scratch.has_value());
}

TEST(Poster, CoverCropsTheSourceContainLetterboxes) {
  PosterRequest r = story();
  r.photo = PosterImage{1200, 600, ImageFit::kCover, ""};  // 2:1 into 630×380
  ImageOp img = opsOf<ImageOp>(layout(r)).at(0);
  EXPECT_EQ(img.dw, 630);
  EXPECT_EQ(img.dh, 380);
  EXPECT_EQ(img.sh, 600);
  EXPECT_EQ(img.sw, 600 * 630 / 380);
  EXPECT_EQ(img.sx, (1200 - img.sw) / 2);
  r.photo = PosterImage{600, 1200, ImageFit::kCover, ""};
  img = opsOf<ImageOp>(layout(r)).at(0);
  EXPECT_EQ(img.sw, 600);
  EXPECT_EQ(img.sh, 600 * 380 / 630);
  EXPECT_EQ(img.sy, (1200 - img.sh) / 2);
  r.photo = PosterImage{600, 1200, ImageFit::kContain, ""};
  img = opsOf<ImageOp>(layout(r)).at(0);
  EXPECT_EQ(img.dh, 380);
  EXPECT_EQ(img.dw, 600 * 380 / 1200);
  EXPECT_EQ(img.dx, 60 + (630 - img.dw) / 2);
  EXPECT_EQ(img.sw, 600);
  EXPECT_EQ(img.sh, 1200);
  // Absurd shapes stay inside the slot with at least one pixel.
  for (auto [w, h] : {std::pair{20000, 1}, std::pair{1, 20000}}) {
    for (ImageFit fit : {ImageFit::kCover, ImageFit::kContain}) {
      r.photo = PosterImage{w, h, fit, ""};
      img = opsOf<ImageOp>(layout(r)).at(0);
      EXPECT_GE(img.sw, 1);
      EXPECT_GE(img.sh, 1);
      EXPECT_GE(img.dw, 1);
      EXPECT_GE(img.dh, 1);
      EXPECT_LE(img.sx + img.sw, w);
      EXPECT_LE(img.sy + img.sh, h);
      EXPECT_GE(img.dx, 60);
      EXPECT_LE(img.dx + img.dw, 690);
    }
  }
}

TEST(Poster, AMissingPhotoClosesTheGap) {
  PosterRequest withPhoto = story();
  withPhoto.photo = PosterImage{1200, 900, ImageFit::kCover, ""};
  const Scene a = layout(withPhoto);
  const Scene b = layout(story());
  EXPECT_EQ(opsOf<ImageOp>(b).size(), 0u);
  // The story card starts higher without the photo.
  auto cardTop = [](const Scene& s) {
    for (const RectOp& r : opsOf<RectOp>(s)) {
      if (r.fill == "#ffffff") return r.y;
    }
    return -1;
  };
  EXPECT_LT(cardTop(b), cardTop(a));
}

TEST(Poster, UserTextNeverBecomesMarkupInTheSvg) {
  PosterRequest r = story();
  r.title = "<script>alert(1)</script>";
  r.story = "<img src=x onerror=alert(2)>\n\"><svg onload=alert(3)>\n]]><!-- &amp; ' \x01\u202E";
  r.name = "<b>x</b>";
  r.hospitalName = "\"/><script>alert(6)</script>";
  r.photo = PosterImage{100, 100, ImageFit::kCover, "https://example.cn/a.png?x=1&y=\"2\""};
  const std::string svg = toSvg(layout(r));
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(svg.find("<svg onload"), std::string::npos);
  EXPECT_EQ(svg.find("<!--"), std::string::npos);
  EXPECT_EQ(svg.find('\x01'), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("&amp;amp;"), std::string::npos);
  EXPECT_NE(svg.find("href=\"https://example.cn/a.png?x=1&amp;y=&quot;2&quot;\""),
            std::string::npos);
  // Every element is one the SVG writer knows.
  const std::regex tag("<([a-zA-Z]+)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator();
       ++it) {
    const std::string name = (*it)[1];
    EXPECT_TRUE(name == "svg" || name == "title" || name == "rect" || name == "circle" ||
                name == "path" || name == "text" || name == "linearGradient" || name == "stop" ||
                name == "clipPath" || name == "g" || name == "image")
        << name;
  }
  // No attribute named on… inside any tag (user text has no raw '<', so only
  // the writer's own tags can match).
  EXPECT_FALSE(std::regex_search(svg, std::regex("<[^>]*\\son[a-z]+=")));
}

TEST(Poster, SvgMirrorsTheDrawList) {
  PosterRequest r = story();
  r.photo = PosterImage{1200, 900, ImageFit::kCover, "data:image/png;base64,iVBORw0KGgo="};
  const Scene s = layout(r);
  const std::string svg = toSvg(s);
  EXPECT_TRUE(
      svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"750\" height=\"1334\""));
  EXPECT_TRUE(svg.ends_with("</svg>"));
  std::size_t textCount = 0;
  for (std::size_t at = svg.find("<text"); at != std::string::npos; at = svg.find("<text", at + 1))
    ++textCount;
  EXPECT_EQ(textCount, texts(s).size());
  // Cover: 1200×900 into 630×380 keeps the full width, 1200 * 380 / 630 = 723 rows, centred.
  EXPECT_NE(svg.find("viewBox=\"0 88 1200 723\""), std::string::npos);
  EXPECT_NE(svg.find("<image width=\"1200\" height=\"900\""), std::string::npos);
}

TEST(Poster, TheSameRequestGivesTheSameBytes) {
  for (PosterTemplate t : kAll) {
    EXPECT_EQ(toSvg(layout(any(t))), toSvg(layout(any(t))));
  }
}

TEST(Poster, AQrTemplateWithoutItsGridSaysWhatIsMissing) {
  Result<Scene> s = layoutPoster(letter(PosterTemplate::kReferralPrivilege), NoQrEncoder());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "poster.bad_qr");
  PosterRequest noCode = letter(PosterTemplate::kThankYouCard);
  noCode.code.reset();
  EXPECT_EQ(layoutPoster(noCode, nayukiQrEncoder()).error().code, "input.missing_field");
}

TEST(Poster, MedalTiersAndEmptyFieldsHaveDefaults) {
  PosterRequest r = letter(PosterTemplate::kReferralHonour);
  r.medal = MedalTier::kGold;
  EXPECT_NE(allText(layout(r)).find("金质健康大使"),
            std::string::npos);  // as the campaign's tiers say
  r.medal = MedalTier::kSilver;
  EXPECT_NE(allText(layout(r)).find("银质健康大使"), std::string::npos);
  r.medal = MedalTier::kNone;  // not yet an ambassador: the letter claims no medal
  EXPECT_EQ(allText(layout(r)).find("健康大使 "), std::string::npos);
  r.medal = MedalTier::kSilver;
  r.friendBenefit.clear();
  r.name.clear();
  const std::string text = allText(layout(r));
  EXPECT_NE(text.find("一位病友"), std::string::npos);
  EXPECT_NE(text.find("好友专享"), std::string::npos);
}

}  // namespace
}  // namespace carecircle
