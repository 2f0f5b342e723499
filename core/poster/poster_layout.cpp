// The templates: where every element of each poster goes, in integer px on
// the 750 px logical canvas. Text boxes are fitted by poster_text (auto-fit,
// Chinese line breaking, ellipsis); the QR code keeps its 4-module quiet zone
// (ISO/IEC 18004 §6.3.8) and at least 3 px per module so that a phone camera
// (and zbar, in the browser tests) reads it.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <optional>
#include <string_view>

#include "poster/poster.hpp"
#include "referral/channel_token.hpp"
#include "referral/referral_view.hpp"

namespace carecircle {
namespace {

using poster::FitOptions;
using poster::TextBlock;

constexpr const char* kFontFamily =
    "'WenQuanYi Micro Hei','PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',"
    "sans-serif";
constexpr int kQuietZone = 4;    // modules, the standard's minimum
constexpr int kMinModulePx = 3;  // below this a printed / screenshotted QR stops scanning
constexpr int kRegular = 400;
constexpr int kBold = 700;

struct Box {
  int x, y, w, h;
};

// Five-pointed star, outer radius 1000, inner 400, first point up (milli-units).
constexpr std::array<std::array<int, 2>, 10> kStar = {{{0, -1000},
                                                       {235, -324},
                                                       {951, -309},
                                                       {380, 124},
                                                       {588, 809},
                                                       {0, 400},
                                                       {-588, 809},
                                                       {-380, 124},
                                                       {-951, -309},
                                                       {-235, -324}}};

std::string num(int v) {
  return std::to_string(v);
}

class Builder {
 public:
  Builder(Scene& scene, const poster::TextMetrics& metrics) : scene_(scene), metrics_(metrics) {}

  void rect(Box b, int radius, const char* fill) {
    scene_.ops.emplace_back(RectOp{b.x, b.y, b.w, b.h, radius, fill});
  }
  void gradient(Box b, int radius, const char* from, const char* to) {
    scene_.ops.emplace_back(GradientOp{b.x, b.y, b.w, b.h, radius, from, to});
  }
  void stroke(Box b, int radius, int lineWidth, const char* color) {
    scene_.ops.emplace_back(StrokeOp{b.x, b.y, b.w, b.h, radius, lineWidth, color});
  }
  void circle(int cx, int cy, int r, const char* fill) {
    scene_.ops.emplace_back(CircleOp{cx, cy, r, fill});
  }
  void path(const char* fill, std::string d) {
    scene_.ops.emplace_back(PathOp{fill, std::move(d)});
  }

  // A star centred on (cx, cy) with outer radius r.
  void star(int cx, int cy, int r, const char* fill) {
    std::string d;
    for (std::size_t i = 0; i < kStar.size(); ++i) {
      d.append(i == 0 ? "M" : "L").append(num(cx + kStar[i][0] * r / 1000));
      d.append(",").append(num(cy + kStar[i][1] * r / 1000));
    }
    d += 'Z';
    path(fill, std::move(d));
  }

  // One line of template text at a fixed size (no fitting: constants only).
  void label(int x, int baseline, int size, int weight, TextAlign align, const char* color,
             std::string text) {
    scene_.ops.emplace_back(TextOp{x, baseline, size, weight, align, color, std::move(text)});
  }

  // The template's name badge in the top-left corner: a pill of `width` px
  // at (60, 60) with `text` centred in white.
  void badge(int width, const char* fill, const char* text) {
    rect({60, 60, width, 52}, 26, fill);
    label(60 + width / 2, 60 + baselineOffset(26, 52), 26, kBold, TextAlign::kCenter, "#ffffff",
          text);
  }

  // Fits `text` (normalized) into `box` and emits one text op per line.
  // Returns the laid-out block (block.height = the height it took).
  TextBlock text(Box box, FitOptions fit, int weight, TextAlign align, const char* color,
                 std::string_view text, const char* field, bool centreVertically = false) {
    fit.width = box.w;
    fit.height = box.h;
    TextBlock block = poster::fitText(text, metrics_, fit);
    if (block.truncated && field != nullptr) addTruncated(field);
    const int top = centreVertically ? box.y + (box.h - block.height) / 2 : box.y;
    const int x = align == TextAlign::kLeft     ? box.x
                  : align == TextAlign::kCenter ? box.x + box.w / 2
                                                : box.x + box.w;
    for (const poster::LaidLine& line : block.lines) {
      if (line.text.empty()) continue;
      label(x, top + line.top + baselineOffset(block.size, block.lineHeight), block.size, weight,
            align, color, line.text);
    }
    return block;
  }

  // One line, shrunk from maxSize down to minSize to fit `width`, cut with
  // "…" if even minSize is too wide. `baseline` is where the line sits.
  void fittedLine(int x, int baseline, int width, int minSize, int maxSize, int weight,
                  TextAlign align, const char* color, std::string_view text, const char* field) {
    FitOptions fit{width, maxSize * 2, minSize, maxSize, 1000, 1, 0, false};
    const TextBlock block = poster::fitText(text, metrics_, fit);
    if (block.truncated && field != nullptr) addTruncated(field);
    if (block.lines.empty() || block.lines[0].text.empty()) return;
    label(x, baseline, block.size, weight, align, color, block.lines[0].text);
  }

  // The image of `slot` in `box`: cover crops the source to the box's aspect
  // ratio (centred); contain letterboxes it on a neutral background.
  void image(const std::string& slot, Box box, int radius, const PosterImage& img) {
    const std::int64_t iw = img.width;
    const std::int64_t ih = img.height;
    ImageOp op{slot, box.x,     box.y,      box.w,  box.h,     0,
               0,    img.width, img.height, radius, img.width, img.height};
    // Underneath: what shows while the image loads, if it fails to, or in an
    // SVG made without its href (contain also letterboxes on it).
    rect(box, radius, "#ebe4dc");
    if (img.fit == ImageFit::kCover) {
      if (iw * box.h > ih * box.w) {  // wider than the box: crop left and right
        op.sw = static_cast<int>(std::max<std::int64_t>(1, ih * box.w / box.h));
        op.sx = static_cast<int>((iw - op.sw) / 2);
      } else {  // taller: crop top and bottom
        op.sh = static_cast<int>(std::max<std::int64_t>(1, iw * box.h / box.w));
        op.sy = static_cast<int>((ih - op.sh) / 2);
      }
    } else {
      if (iw * box.h > ih * box.w) {
        op.dh = static_cast<int>(std::max<std::int64_t>(1, ih * box.w / iw));
        op.dy = box.y + (box.h - op.dh) / 2;
      } else {
        op.dw = static_cast<int>(std::max<std::int64_t>(1, iw * box.h / ih));
        op.dx = box.x + (box.w - op.dw) / 2;
      }
      op.radius = 0;
    }
    if (!img.href.empty()) scene_.imageHrefs[slot] = img.href;
    scene_.ops.emplace_back(std::move(op));
  }

  // The QR code, as large as fits `area` with whole-pixel modules and its
  // quiet zone, centred in it. Returns the square actually covered.
  Result<Box> qr(const QrGrid& grid, Box area) {
    const int modules = grid.size + 2 * kQuietZone;
    const int moduleSize = std::min(area.w, area.h) / modules;
    if (moduleSize < kMinModulePx) {
      return Error{"poster.bad_qr", "二维码内容过长，海报上的二维码会太密而无法扫描", "/qr/rows"};
    }
    const int side = modules * moduleSize;
    const Box box{area.x + (area.w - side) / 2, area.y + (area.h - side) / 2, side, side};
    scene_.ops.emplace_back(
        QrOp{box.x, box.y, moduleSize, kQuietZone, "#111111", "#ffffff", grid.rows});
    return box;
  }

  // Where the alphabetic baseline of a line of `size` px sits below its top
  // when the line is `lineHeight` tall: CJK glyphs of the demo's font fill
  // about 0.86 em above the baseline.
  static int baselineOffset(int size, int lineHeight) {
    return (lineHeight - size) / 2 + size * 43 / 50;
  }

 private:
  void addTruncated(const char* field) {
    auto& list = scene_.truncatedFields;
    if (std::find(list.begin(), list.end(), field) == list.end()) list.emplace_back(field);
  }

  Scene& scene_;
  const poster::TextMetrics& metrics_;
};

std::string displayName(const PosterRequest& r) {
  const std::string name = poster::normalizeText(r.name);
  return name.empty() ? std::string() : maskName(name);
}

std::string dateLabel(DayNumber day) {
  const YearMonth ym = yearMonthOf(day);
  return num(ym.year) + "年" + std::to_string(ym.month) + "月" + num(day - firstDayOf(ym) + 1) +
         "日";
}

// G12: a story poster is not an advertisement. A link in the text is a
// booking path in disguise; phone numbers are caught by the wording check.
bool containsLink(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower.find("http://") != std::string::npos ||
         lower.find("https://") != std::string::npos || lower.find("www.") != std::string::npos;
}

// ---------------------------------------------------------------- story

Result<Scene> storyPoster(const PosterRequest& r, Scene& scene, Builder& b) {
  scene.height = 1334;
  scene.title = "病友故事海报";
  const char* accent = "#e2683c";
  const char* ink = "#2f2a26";
  const char* body = "#4a403a";
  const char* muted = "#9a8678";
  b.gradient({0, 0, 750, 1334}, 0, "#fff6ee", "#fce6d6");
  b.circle(700, 40, 150, "#fbdcc8");
  b.circle(30, 1320, 110, "#fbe0cf");
  b.badge(190, accent, "病友故事官");
  const std::string hospital = poster::normalizeText(r.hospitalName);
  if (!hospital.empty()) {
    b.fittedLine(690, 96, 400, 18, 24, kRegular, TextAlign::kRight, muted, hospital,
                 "/data/hospitalName");
  }
  const TextBlock title =
      b.text({60, 146, 630, 150}, {0, 0, 40, 56, 1250, 2, 0, true}, kBold, TextAlign::kLeft, ink,
             poster::normalizeText(r.title), "/data/title");
  int y = 146 + title.height + 26;
  if (r.photo) {
    b.image("photo", {60, y, 630, 380}, 24, *r.photo);
    y += 380 + 30;
  }
  const int cardBottom = 1184;
  b.rect({40, y, 670, cardBottom - y}, 28, "#ffffff");
  b.label(48, y + 104, 110, kBold, TextAlign::kLeft, "#f6c3ab", "“");
  // The story sits in the middle of its card when it is short.
  b.text({80, y + 70, 590, cardBottom - 92 - (y + 70)}, {0, 0, 26, 34, 1600, 0, 450, false},
         kRegular, TextAlign::kLeft, body, poster::normalizeText(r.story), "/data/story", true);
  const std::string name = displayName(r);
  b.label(670, cardBottom - 36, 28, kRegular, TextAlign::kRight, "#8a5a44",
          "—— " + (name.empty() ? std::string("一位病友") : name));
  b.label(375, 1262, 22, kRegular, TextAlign::kCenter, muted, "真实病友分享 · 不构成诊疗建议");
  return std::move(scene);
}

// ---------------------------------------------------------------- letters

struct LetterTheme {
  const char* title;
  const char* bgFrom;
  const char* bgTo;
  const char* titleColor;
  const char* subtitleColor;
  const char* card;
  const char* cardStroke;  // nullptr = none
  const char* ink;
  const char* muted;
  const char* benefitFill;
  const char* benefitLabel;
  const char* benefitText;
  const char* codeColor;
};

constexpr LetterTheme kHonour{"健康大使推荐函", "#1d3c78", "#3461b0", "#ffffff", "#f3d58a",
                              "#ffffff",        nullptr,   "#2b2f3a", "#7a8294", "#fff5dc",
                              "#b7791f",        "#8a5200", "#1d3c78"};
constexpr LetterTheme kBenefit{"成长基金推荐函", "#23805f", "#5bbd92", "#ffffff", "#fff1b8",
                               "#ffffff",        nullptr,   "#24332d", "#6f857b", "#e8f6ee",
                               "#23805f",        "#17694c", "#23805f"};
constexpr LetterTheme kPrivilege{"黑金推荐函", "#0d0d0f", "#2a251d", "#ecd08f", "#c9a45c",
                                 "#17161a",    "#c9a45c", "#efe5d0", "#a89c86", "#262119",
                                 "#c9a45c",    "#f3dfa8", "#ecd08f"};

struct MedalColors {
  const char* outer;
  const char* inner;
  const char* star;
  const char* name;
};

MedalColors medalColors(MedalTier t) {
  switch (t) {
    // Tier names as the campaign's tiers word them (健康大使: 铜质/银质/金质).
    case MedalTier::kGold:
      return {"#e8b84a", "#f8d977", "#c98f1f", "金质"};
    case MedalTier::kSilver:
      return {"#aeb8c6", "#e2e7ee", "#8592a5", "银质"};
    case MedalTier::kBronze:
      return {"#c4813f", "#e9b27b", "#9c5d22", "铜质"};
    case MedalTier::kNone:
      break;
  }
  return {"#9fc9bb", "#dcefe8", "#5f9c88", ""};  // an emblem that claims no medal
}

void honourEmblem(Builder& b, MedalTier tier) {
  const MedalColors c = medalColors(tier);
  // Ribbon tails behind the medal.
  b.path("#d9534f", "M322,250L298,358L336,338L360,368L378,262Z");
  b.path("#c0392b", "M428,250L452,358L414,338L390,368L372,262Z");
  b.circle(375, 230, 86, "#ffffff");
  b.circle(375, 230, 78, c.outer);
  b.circle(375, 230, 62, c.inner);
  b.star(375, 234, 44, c.star);
}

void benefitEmblem(Builder& b) {
  b.circle(375, 230, 86, "#ffffff");
  b.circle(375, 230, 74, "#e8f6ee");
  // Two leaves on a stem: growth.
  b.path("#2f9e74", "M375,292L375,214L381,214L381,292Z");
  b.path("#3dbb89", "M378,222C330,226 318,186 322,160C360,160 384,184 378,222Z");
  b.path("#23805f", "M378,250C420,254 436,222 432,196C398,194 374,216 378,250Z");
}

void privilegeEmblem(Builder& b) {
  b.circle(375, 230, 86, "#c9a45c");
  b.circle(375, 230, 80, "#17161a");
  // A crown.
  b.path("#ecd08f", "M317,270L305,196L345,226L375,176L405,226L445,196L433,270Z");
  b.rect({317, 276, 116, 12}, 4, "#ecd08f");
  b.circle(375, 176, 8, "#ecd08f");
  b.circle(305, 196, 7, "#ecd08f");
  b.circle(445, 196, 7, "#ecd08f");
}

Result<Scene> referralLetter(const PosterRequest& r, const QrGrid& grid, const ReferralCode& code,
                             Scene& scene, Builder& b) {
  const LetterTheme& t = r.templ == PosterTemplate::kReferralHonour    ? kHonour
                         : r.templ == PosterTemplate::kReferralBenefit ? kBenefit
                                                                       : kPrivilege;
  scene.height = 1334;
  scene.title = t.title;
  b.gradient({0, 0, 750, 1334}, 0, t.bgFrom, t.bgTo);
  if (r.templ == PosterTemplate::kReferralHonour)
    honourEmblem(b, r.medal);
  else if (r.templ == PosterTemplate::kReferralBenefit)
    benefitEmblem(b);
  else
    privilegeEmblem(b);
  b.label(375, 440, 54, kBold, TextAlign::kCenter, t.titleColor, t.title);

  const std::string name = displayName(r);
  std::string subtitle = name.empty() ? std::string("一位病友") : name;
  if (r.templ == PosterTemplate::kReferralHonour && r.medal != MedalTier::kNone)
    subtitle = std::string(medalColors(r.medal).name) + "健康大使 " + subtitle;
  b.fittedLine(375, 492, 630, 20, 28, kRegular, TextAlign::kCenter, t.subtitleColor,
               subtitle + " 诚挚推荐", nullptr);

  // The letter.
  const Box card{50, 530, 650, 470};
  b.rect(card, 28, t.card);
  if (t.cardStroke != nullptr)
    b.stroke({card.x + 8, card.y + 8, card.w - 16, card.h - 16}, 22, 2, t.cardStroke);
  b.label(92, 592, 30, kBold, TextAlign::kLeft, t.ink, "亲爱的朋友：");
  const std::string hospital = poster::normalizeText(r.hospitalName);
  std::string message = poster::normalizeText(r.message);
  if (message.empty()) {
    message = "诚挚邀请您加入" + (hospital.empty() ? std::string("我们的") : hospital) +
              "患者社群。扫描下方二维码，或在注册页输入推荐码，即可完成注册。";
  }
  b.text({92, 616, 566, 150}, {0, 0, 24, 30, 1600, 0, 300, false}, kRegular, TextAlign::kLeft,
         t.ink, message, "/data/message");
  const Box benefit{92, 790, 566, 180};
  b.rect(benefit, 20, t.benefitFill);
  b.label(124, 840, 24, kBold, TextAlign::kLeft, t.benefitLabel, "好友专享");
  std::string gets = poster::normalizeText(r.friendBenefit);
  if (gets.empty()) gets = "注册后加入病友社群，与病友交流康复经验";
  b.text({124, 858, 502, 100}, {0, 0, 28, 40, 1300, 2, 0, true}, kBold, TextAlign::kLeft,
         t.benefitText, gets, "/data/friendBenefit", true);

  // Code and QR.
  const Box panel{50, 1030, 650, 250};
  b.rect(panel, 28, t.card);
  if (t.cardStroke != nullptr)
    b.stroke({panel.x + 8, panel.y + 8, panel.w - 16, panel.h - 16}, 22, 2, t.cardStroke);
  b.rect({72, 1046, 218, 218}, 16, "#ffffff");
  Result<Box> qr = b.qr(grid, {72, 1046, 218, 218});
  if (!qr.ok()) return qr.error();
  b.label(320, 1098, 24, kRegular, TextAlign::kLeft, t.muted, "推荐码");
  b.fittedLine(320, 1160, 360, 24, 42, kBold, TextAlign::kLeft, t.codeColor, code.display, nullptr);
  b.label(320, 1212, 22, kRegular, TextAlign::kLeft, t.muted, "微信扫码注册");
  b.label(320, 1246, 22, kRegular, TextAlign::kLeft, t.muted, "或在注册页输入推荐码");
  if (!hospital.empty()) {
    b.fittedLine(375, 1316, 630, 16, 22, kRegular, TextAlign::kCenter, t.subtitleColor, hospital,
                 "/data/hospitalName");
  }
  return std::move(scene);
}

// ---------------------------------------------------------------- thank-you card

// The card number (卡号) of a discharge card: the card's channel token, which
// its QR link carries as `t=` (makeChannelToken's link base). Printed under the
// foil next to the referral code, so that a friend without a camera can type
// both (凭卡号可领取): the token's 75 random bits make guessing one
// impractical and its check symbol catches a mistyped one. A link without
// `t=` prints no number; a `t=` that is not a discharge card's token is
// refused (a card never carries a letter's token, nor a malformed one).
Result<std::optional<ChannelToken>> cardNumberOf(std::string_view linkBase) {
  const std::size_t q = linkBase.find('?');
  if (q == std::string_view::npos) return std::optional<ChannelToken>{};
  std::string_view query = linkBase.substr(q + 1);
  for (;;) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, 2) == "t=") {
      Result<ChannelToken> token = readChannelToken(pair.substr(2));
      if (!token.ok()) return Error{token.error().code, token.error().message, "/referral/linkBase"};
      if (token.value().channel != ReferralChannel::DischargeCard) {
        return Error{"referral.token_wrong_channel", "感恩卡只能带感恩卡自己的卡号", "/referral/linkBase"};
      }
      return std::optional<ChannelToken>{token.value()};
    }
    if (amp == std::string_view::npos) return std::optional<ChannelToken>{};
    query.remove_prefix(amp + 1);
  }
}

Result<Scene> thankYouCard(const PosterRequest& r, const QrGrid& grid, const ReferralCode& code,
                           Scene& scene, Builder& b) {
  Result<std::optional<ChannelToken>> card = cardNumberOf(r.linkBase);
  if (!card.ok()) return card.error();
  scene.height = 1100;
  scene.title = "感恩卡";
  const char* accent = "#d85a52";
  const char* ink = "#3a2b2a";
  const char* muted = "#9c7b77";
  b.gradient({0, 0, 750, 1100}, 0, "#fff3f0", "#ffe0da");
  b.circle(40, 40, 130, "#ffe5df");
  b.circle(720, 1080, 120, "#ffd7cf");
  // A heart: two arcs and a point.
  b.path(accent,
         "M375,122C375,122 325,88 325,62C325,42 341,30 356,30C366,30 372,36 375,42"
         "C378,36 384,30 394,30C409,30 425,42 425,62C425,88 375,122 375,122Z");
  b.label(375, 206, 60, kBold, TextAlign::kCenter, accent, "感恩卡");
  const std::string name = displayName(r);
  b.label(80, 282, 32, kBold, TextAlign::kLeft, ink,
          "亲爱的" + (name.empty() ? std::string("朋友") : name) + "：");
  const std::string hospital = poster::normalizeText(r.hospitalName);
  std::string message = poster::normalizeText(r.message);
  if (message.empty()) {
    message =
        "感谢您住院期间对我们的信任与配合。祝您早日康复，生活愉快！如有亲友需要就医，欢迎把您的专属"
        "推荐码分享给他们。";
  }
  b.text({80, 306, 590, 200}, {0, 0, 26, 30, 1600, 0, 300, false}, kRegular, TextAlign::kLeft, ink,
         message, "/data/message", true);
  b.fittedLine(670, 540, 590, 18, 24, kRegular, TextAlign::kRight, muted,
               "—— " + (hospital.empty() ? std::string("全体医护人员") : hospital + "全体医护"),
               "/data/hospitalName");
  const Box benefit{80, 568, 590, 92};
  b.rect(benefit, 20, "#ffffff");
  std::string gets = poster::normalizeText(r.friendBenefit);
  if (gets.empty()) gets = "凭推荐码注册，即可加入病友社群";
  b.label(108, 604, 22, kRegular, TextAlign::kLeft, muted, "亲友专享");
  b.fittedLine(108, 644, 534, 22, 30, kBold, TextAlign::kLeft, accent, gets, "/data/friendBenefit");

  // Revealed under the foil: the code and its QR.
  const Box reveal{80, 690, 590, 290};
  b.rect(reveal, 24, "#ffffff");
  b.stroke({reveal.x + 10, reveal.y + 10, reveal.w - 20, reveal.h - 20}, 16, 2, "#f3c2bb");
  Result<Box> qr = b.qr(grid, {104, 714, 242, 242});
  if (!qr.ok()) return qr.error();
  if (card.value()) {
    b.label(372, 752, 22, kRegular, TextAlign::kLeft, muted, "您的专属推荐码");
    b.fittedLine(372, 796, 276, 20, 32, kBold, TextAlign::kLeft, ink, code.display, nullptr);
    b.label(372, 840, 22, kRegular, TextAlign::kLeft, muted, "卡号");
    b.fittedLine(372, 880, 276, 16, 28, kBold, TextAlign::kLeft, ink, card.value()->display, nullptr);
    b.label(372, 922, 20, kRegular, TextAlign::kLeft, muted, "亲友微信扫码，或输入");
    b.label(372, 952, 20, kRegular, TextAlign::kLeft, muted, "推荐码和卡号注册");
  } else {
    b.label(372, 780, 24, kRegular, TextAlign::kLeft, muted, "您的专属推荐码");
    b.fittedLine(372, 838, 276, 22, 36, kBold, TextAlign::kLeft, ink, code.display, nullptr);
    b.label(372, 888, 22, kRegular, TextAlign::kLeft, muted, "亲友微信扫码");
    b.label(372, 920, 22, kRegular, TextAlign::kLeft, muted, "或输入推荐码注册");
  }
  scene.scratch =
      ScratchRegion{reveal.x, reveal.y, reveal.w, reveal.h, 24, "#c9ced6", "刮开查看您的专属推荐码",
                    30,       "#ffffff"};
  b.label(375, 1044, 20, kRegular, TextAlign::kCenter, muted,
          "推荐码只用于亲友注册，不含您的任何个人信息");
  return std::move(scene);
}

// ---------------------------------------------------------------- check-in achievement

Result<Scene> checkInPoster(const PosterRequest& r, Scene& scene, Builder& b) {
  scene.height = 1334;
  scene.title = "康复打卡成就";
  const char* accent = "#1e9e7a";
  const char* ink = "#1f3b33";
  const char* muted = "#6f8c83";
  b.gradient({0, 0, 750, 1334}, 0, "#e3f5ee", "#fbfefd");
  b.circle(710, 30, 140, "#d2efe4");
  b.circle(20, 1300, 120, "#dcf2e9");
  b.badge(164, accent, "康复打卡");
  if (r.date) b.label(690, 96, 24, kRegular, TextAlign::kRight, muted, dateLabel(*r.date));
  std::string plan = poster::normalizeText(r.planTitle);
  if (plan.empty()) plan = "每日康复训练";
  b.fittedLine(375, 214, 630, 28, 44, kBold, TextAlign::kCenter, ink, plan, "/data/planTitle");

  b.circle(375, 494, 214, accent);
  b.circle(375, 494, 192, "#ffffff");
  b.label(375, 414, 28, kRegular, TextAlign::kCenter, muted, "已连续打卡");
  b.fittedLine(375, 574, 320, 60, 156, kBold, TextAlign::kCenter, accent, num(r.currentDays),
               nullptr);
  b.label(375, 632, 32, kRegular, TextAlign::kCenter, muted, "天");

  const std::array<std::pair<const char*, int>, 2> stats = {
      {{"累计打卡", r.totalDays}, {"最长连续", r.longestDays}}};
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const int x = 60 + static_cast<int>(i) * 325;
    b.rect({x, 760, 305, 150}, 24, "#ffffff");
    b.label(x + 152, 812, 24, kRegular, TextAlign::kCenter, muted, stats[i].first);
    b.fittedLine(x + 152, 880, 260, 28, 48, kBold, TextAlign::kCenter, ink,
                 num(stats[i].second) + "天", nullptr);
  }
  b.label(375, 1010, 36, kBold, TextAlign::kCenter, ink, "每一天的坚持，都算数");
  b.label(375, 1058, 22, kRegular, TextAlign::kCenter, muted,
          "请按医嘱坚持康复训练，如有不适及时咨询医生");
  const std::string name = displayName(r);
  b.rect({215, 1122, 320, 64}, 32, "#d7f0e6");
  b.fittedLine(375, 1122 + Builder::baselineOffset(28, 64), 290, 20, 28, kRegular,
               TextAlign::kCenter, ink, (name.empty() ? std::string("我") : name) + "的康复打卡",
               nullptr);
  const std::string hospital = poster::normalizeText(r.hospitalName);
  if (!hospital.empty()) {
    b.fittedLine(375, 1270, 630, 16, 22, kRegular, TextAlign::kCenter, muted, hospital,
                 "/data/hospitalName");
  }
  return std::move(scene);
}

}  // namespace

Result<Scene> layoutPoster(const PosterRequest& request, const QrEncoder& qr,
                           std::vector<WordingFlag>* flags, const poster::TextMetrics& metrics) {
  const bool withQr = posterHasQr(request.templ);
  if (!withQr && request.code) {
    return request.templ == PosterTemplate::kStory
               ? Error{"poster.forbidden_field", "病友故事海报不能附带推荐码或二维码（G12）",
                       "/referral"}
               : Error{"poster.forbidden_field",
                       "打卡成就海报不能附带推荐码：分享海报不会获得任何奖励（G3）", "/referral"};
  }
  if (request.templ == PosterTemplate::kStory) {
    if (request.title.empty()) return Error{"input.missing_field", "请填写故事标题", "/data/title"};
    if (request.story.empty()) return Error{"input.missing_field", "请填写故事内容", "/data/story"};
    if (containsLink(request.title) || containsLink(request.story)) {
      return Error{"poster.forbidden_field", "病友故事海报的文字中不能包含链接或预约方式（G12）",
                   containsLink(request.title) ? "/data/title" : "/data/story"};
    }
  }
  std::vector<WordingFlag> found = checkPosterWording(request);
  if (!found.empty()) {
    const WordingFlag& first = found.front();
    Error error{"poster.wording_flagged",
                "海报文字中有" + std::to_string(found.size()) + "处不宜出现的表述（如“" +
                    first.match.matchedText + "”：" + first.match.categoryLabel +
                    "），请修改后再生成",
                first.field};
    if (flags != nullptr) *flags = std::move(found);
    return error;
  }

  Scene scene;
  scene.templateId = posterTemplateId(request.templ);
  scene.fontFamily = kFontFamily;
  Builder b(scene, metrics);
  switch (request.templ) {
    case PosterTemplate::kStory:
      return storyPoster(request, scene, b);
    case PosterTemplate::kCheckInPoster:
      return checkInPoster(request, scene, b);
    default:
      break;
  }
  if (!request.code) return Error{"input.missing_field", "缺少推荐码", "/referral/code"};
  Result<std::string> payload = referralQrPayload(*request.code, request.linkBase);
  if (!payload.ok()) {
    Error e = payload.error();
    e.path = "/referral/linkBase";
    return e;
  }
  Result<QrGrid> grid = qr.encode(payload.value(), kReferralQrEcc);
  if (!grid.ok()) return grid.error();
  scene.qrPayload = payload.value();
  if (request.templ == PosterTemplate::kThankYouCard) {
    return thankYouCard(request, grid.value(), *request.code, scene, b);
  }
  return referralLetter(request, grid.value(), *request.code, scene, b);
}

}  // namespace carecircle
