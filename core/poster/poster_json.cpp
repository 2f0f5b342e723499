#include "poster/poster_json.hpp"

#include <optional>
#include <string_view>

#include "common/json_io.hpp"
#include "moderation/moderation_text.hpp"
#include "poster/poster.hpp"
#include "poster/poster_text.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

// A story is the one long text: 100 KB is laid out (and cut with "…"), not refused.
constexpr std::size_t kMaxStoryBytes = 256u << 10;
constexpr std::size_t kMaxTitleBytes = 4u << 10;
constexpr std::size_t kMaxMessageBytes = 4u << 10;
constexpr std::size_t kMaxShortTextBytes = 1u << 10;
constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxHrefBytes = 4u << 20;
constexpr std::int64_t kMaxImageSide = 20'000;
constexpr std::int64_t kMaxDays = 36'600;  // a hundred years of daily check-ins
// Measured widths: one entry per distinct character of a poster's texts plus
// printable ASCII; a 100 KB story has a few thousand distinct characters.
constexpr std::size_t kMaxMeasuredAdvances = 8'192;

// Keys that would put a booking path, a price, a coupon, a code or a reward
// for sharing on a story or check-in poster (G12, G3). Refused by name, so the
// integrator learns why instead of reading "unknown field".
constexpr std::string_view kForbiddenKeys[] = {
    "booking", "bookingUrl", "bookingLink", "link",        "url",     "qr",         "qrPayload",
    "price",   "priceFen",   "coupon",      "couponTitle", "voucher", "discount",   "referralCode",
    "code",    "linkBase",   "phone",       "hotline",     "reward",  "shareReward"};

bool isForbiddenKey(std::string_view key) {
  for (std::string_view k : kForbiddenKeys) {
    if (k == key) return true;
  }
  return false;
}

std::string forbiddenMessage(PosterTemplate t) {
  return t == PosterTemplate::kStory
             ? "病友故事海报不能包含预约链接、电话、价格、优惠券或推荐二维码（G12）"
             : "打卡成就海报不能附带奖励、优惠券或推荐码：分享海报不会获得任何奖励（G3）";
}

void readText(const Json& data, const char* key, std::size_t maxBytes, std::string& out,
              bool required = false) {
  json_io::readString(data, key, "/data", maxBytes, out, required);
}

PosterImage decodeImage(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  json_io::rejectUnknownKeys(j, path, {"width", "height", "fit", "href"});
  PosterImage img;
  std::int64_t n = 0;
  json_io::readInt(j, "width", path, 1, kMaxImageSide, n, true);
  img.width = static_cast<int>(n);
  json_io::readInt(j, "height", path, 1, kMaxImageSide, n, true);
  img.height = static_cast<int>(n);
  std::string fit;
  if (json_io::readString(j, "fit", path, 16, fit)) {
    if (fit == "contain")
      img.fit = ImageFit::kContain;
    else if (fit != "cover")
      fail("input.bad_enum", "fit 只能是 cover 或 contain", childPath(path, "fit"));
  }
  if (json_io::readString(j, "href", path, kMaxHrefBytes, img.href)) {
    const std::string_view h = img.href;
    const bool dataUrl = h.starts_with("data:image/png;base64,") ||
                         h.starts_with("data:image/jpeg;base64,") ||
                         h.starts_with("data:image/webp;base64,");
    bool clean = true;
    for (char c : h)
      clean = clean && c > ' ' && c != '"' && c != '\'' && c != '<' && c != '>' && c != '\\';
    if (!clean || !(dataUrl || h.starts_with("blob:") || h.starts_with("https://"))) {
      fail("poster.bad_image",
           "图片地址无效：只支持 data:image/（png、jpeg、webp）、blob: 或 https 链接",
           childPath(path, "href"));
    }
  }
  return img;
}

PosterRequest decodeRequest(const Json& j) {
  json_io::rejectUnknownKeys(j, "", {"template", "data", "images", "referral", "qr", "metrics"});
  std::string id;
  json_io::readString(j, "template", "", 64, id, true);
  const std::optional<PosterTemplate> templ = parsePosterTemplate(id);
  if (!templ) {
    fail("poster.unknown_template",
         "未知的海报模板：" + id.substr(0, 32) +
             "（可选：storyPoster、referralHonour、referralBenefit、referralPrivilege、thankYouCard"
             "、checkInPoster）",
         "/template");
  }
  PosterRequest r;
  r.templ = *templ;
  const bool withQr = posterHasQr(r.templ);
  if (!withQr) {
    for (const char* key : {"referral", "qr"}) {
      if (j.contains(key))
        fail("poster.forbidden_field", forbiddenMessage(r.templ), childPath("", key));
    }
  }
  if (!j.contains("data")) fail("input.missing_field", "缺少必填字段 data", "/data");
  const Json& data = json_io::requireObject(j.at("data"), "/data");
  if (!withQr) {
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (isForbiddenKey(it.key()))
        fail("poster.forbidden_field", forbiddenMessage(r.templ), childPath("/data", it.key()));
    }
  }
  readText(data, "name", kMaxNameBytes, r.name);
  readText(data, "hospitalName", kMaxShortTextBytes, r.hospitalName);
  switch (r.templ) {
    case PosterTemplate::kStory:
      json_io::rejectUnknownKeys(data, "/data", {"name", "hospitalName", "title", "story"});
      readText(data, "title", kMaxTitleBytes, r.title, true);
      readText(data, "story", kMaxStoryBytes, r.story, true);
      break;
    case PosterTemplate::kCheckInPoster: {
      json_io::rejectUnknownKeys(
          data, "/data",
          {"name", "hospitalName", "planTitle", "currentDays", "totalDays", "longestDays", "date"});
      readText(data, "planTitle", kMaxShortTextBytes, r.planTitle);
      std::int64_t n = 0;
      json_io::readInt(data, "currentDays", "/data", 0, kMaxDays, n, true);
      r.currentDays = static_cast<int>(n);
      r.totalDays = r.currentDays;
      r.longestDays = r.currentDays;
      if (json_io::readInt(data, "totalDays", "/data", 0, kMaxDays, n))
        r.totalDays = static_cast<int>(n);
      if (json_io::readInt(data, "longestDays", "/data", 0, kMaxDays, n))
        r.longestDays = static_cast<int>(n);
      std::string date;
      if (json_io::readString(data, "date", "/data", 16, date)) {
        r.date = parseDate(date);
        if (!r.date) fail("input.bad_date", "日期格式应为 YYYY-MM-DD 且为真实日期", "/data/date");
      }
      break;
    }
    default: {
      if (r.templ == PosterTemplate::kReferralHonour) {
        json_io::rejectUnknownKeys(data, "/data",
                                   {"name", "hospitalName", "friendBenefit", "message", "medal"});
        std::string medal;
        if (json_io::readString(data, "medal", "/data", 16, medal)) {
          if (medal == "bronze")
            r.medal = MedalTier::kBronze;
          else if (medal == "silver")
            r.medal = MedalTier::kSilver;
          else if (medal == "gold")
            r.medal = MedalTier::kGold;
          else if (medal != "none")
            fail("input.bad_enum", "medal 只能是 none、bronze、silver 或 gold", "/data/medal");
        }
      } else {
        json_io::rejectUnknownKeys(data, "/data",
                                   {"name", "hospitalName", "friendBenefit", "message"});
      }
      readText(data, "friendBenefit", kMaxShortTextBytes, r.friendBenefit);
      readText(data, "message", kMaxMessageBytes, r.message);
    }
  }
  if (j.contains("images") && !j.at("images").is_null()) {
    const Json& images = json_io::requireObject(j.at("images"), "/images");
    if (r.templ != PosterTemplate::kStory) {
      json_io::rejectUnknownKeys(images, "/images", {});
    }
    json_io::rejectUnknownKeys(images, "/images", {"photo"});
    if (images.contains("photo") && !images.at("photo").is_null()) {
      r.photo = decodeImage(images.at("photo"), "/images/photo");
    }
  }
  if (withQr) {
    if (!j.contains("referral")) fail("input.missing_field", "缺少必填字段 referral", "/referral");
    const Json& ref = json_io::requireObject(j.at("referral"), "/referral");
    json_io::rejectUnknownKeys(ref, "/referral", {"code", "linkBase"});
    std::string code;
    json_io::readString(ref, "code", "/referral", 256, code, true);
    Result<ReferralCode> checked = checkReferralCode(code);
    if (!checked.ok()) fail(checked.error().code, checked.error().message, "/referral/code");
    r.code = checked.value();
    json_io::readString(ref, "linkBase", "/referral", 1024, r.linkBase);
  }
  return r;
}

std::unique_ptr<QrEncoder> decodeQr(const Json& j) {
  if (!j.contains("qr") || j.at("qr").is_null()) return std::make_unique<NoQrEncoder>();
  const Json& qr = json_io::requireObject(j.at("qr"), "/qr");
  json_io::rejectUnknownKeys(qr, "/qr", {"payload", "rows"});
  std::string payload;
  json_io::readString(qr, "payload", "/qr", 2'000, payload, true);
  if (!qr.contains("rows")) fail("input.missing_field", "缺少必填字段 rows", "/qr/rows");
  const Json& list = json_io::requireArray(qr.at("rows"), "/qr/rows", 177);
  std::vector<std::string> rows;
  rows.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = childPath("/qr/rows", i);
    if (!list[i].is_string()) fail("input.wrong_type", "二维码的每一行应为由0和1组成的字符串", p);
    const auto& row = list[i].get_ref<const std::string&>();
    if (row.size() > 177) fail("input.out_of_range", "二维码的一行最多177个模块", p);
    rows.push_back(row);
  }
  return std::make_unique<PrecomputedQrEncoder>(std::move(payload), std::move(rows));
}

// "metrics": {"advances": {"W": 943, "你": 1000, ...}} — the widths the shell
// measured (milli-em, 0..4000), one code point per key; absent = built-in table.
std::optional<poster::MeasuredMetrics> decodeMetrics(const Json& j) {
  if (!j.contains("metrics") || j.at("metrics").is_null()) return std::nullopt;
  const Json& metrics = json_io::requireObject(j.at("metrics"), "/metrics");
  json_io::rejectUnknownKeys(metrics, "/metrics", {"advances"});
  if (!metrics.contains("advances"))
    fail("input.missing_field", "缺少必填字段 advances", "/metrics/advances");
  const Json& advances = json_io::requireObject(metrics.at("advances"), "/metrics/advances");
  if (advances.size() > kMaxMeasuredAdvances) {
    fail("input.too_many_items", "字宽表最多" + std::to_string(kMaxMeasuredAdvances) + "个字符",
         "/metrics/advances");
  }
  std::vector<std::pair<char32_t, int>> table;
  table.reserve(advances.size());
  for (auto it = advances.begin(); it != advances.end(); ++it) {
    const std::string& key = it.key();
    const std::string path = childPath("/metrics/advances", key);
    char32_t cp = 0;
    const std::size_t n = key.empty() ? 0 : decodeUtf8At(key, 0, cp);
    if (n == 0 || n != key.size() || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      fail("poster.bad_metrics", "字宽表的每个键应为一个可见字符",
           key.size() <= 16 ? path : std::string("/metrics/advances"));
    }
    std::int64_t advance = 0;
    json_io::readInt(advances, key.c_str(), "/metrics/advances", 0, 4'000, advance, true);
    table.emplace_back(cp, static_cast<int>(advance));
  }
  return poster::MeasuredMetrics(std::move(table));
}

const char* alignName(TextAlign a) {
  switch (a) {
    case TextAlign::kCenter:
      return "center";
    case TextAlign::kRight:
      return "right";
    default:
      return "left";
  }
}

struct OpEncoder {
  Json operator()(const RectOp& o) const { return {"rect", o.x, o.y, o.w, o.h, o.radius, o.fill}; }
  Json operator()(const GradientOp& o) const {
    return {"gradient", o.x, o.y, o.w, o.h, o.radius, o.from, o.to};
  }
  Json operator()(const StrokeOp& o) const {
    return {"stroke", o.x, o.y, o.w, o.h, o.radius, o.lineWidth, o.color};
  }
  Json operator()(const CircleOp& o) const { return {"circle", o.cx, o.cy, o.r, o.fill}; }
  Json operator()(const PathOp& o) const { return {"path", o.fill, o.d}; }
  Json operator()(const TextOp& o) const {
    return {"text", o.x, o.y, o.size, o.weight, alignName(o.align), o.color, o.text};
  }
  Json operator()(const ImageOp& o) const {
    return {"image", o.slot, o.dx, o.dy, o.dw, o.dh, o.sx, o.sy, o.sw, o.sh, o.radius};
  }
  Json operator()(const QrOp& o) const {
    return {"qr", o.x, o.y, o.moduleSize, o.quietZone, o.dark, o.light, o.rows};
  }
};

Json encodeScene(const Scene& s) {
  Json ops = Json::array();
  for (const DrawOp& op : s.ops) ops.push_back(std::visit(OpEncoder{}, op));
  Json scratch = nullptr;
  if (s.scratch) {
    scratch = {{"x", s.scratch->x},
               {"y", s.scratch->y},
               {"w", s.scratch->w},
               {"h", s.scratch->h},
               {"radius", s.scratch->radius},
               {"cover", s.scratch->cover},
               {"hint", s.scratch->hint},
               {"hintSize", s.scratch->hintSize},
               {"hintColor", s.scratch->hintColor}};
  }
  Json notices = Json::array();
  if (!s.truncatedFields.empty())
    notices.push_back("文字较长，海报上只显示了部分内容（以“…”结尾）");
  return {{"template", s.templateId},
          {"width", s.width},
          {"height", s.height},
          {"title", s.title},
          {"fontFamily", s.fontFamily},
          {"drawList", ops},
          {"svg", toSvg(s)},
          {"scratch", scratch},
          {"qrPayload", s.qrPayload.empty() ? Json(nullptr) : Json(s.qrPayload)},
          {"truncated", s.truncatedFields},
          {"notices", notices}};
}

Json encodeFlags(const std::vector<WordingFlag>& flags) {
  Json out = Json::array();
  for (const WordingFlag& f : flags) {
    const ModerationMatch& m = f.match;
    out.push_back({{"field", f.field},
                   {"ruleId", m.ruleId},
                   {"category", m.category},
                   {"categoryLabel", m.categoryLabel},
                   {"matchedText", m.matchedText},
                   {"byteStart", m.byteStart},
                   {"byteEnd", m.byteEnd},
                   {"utf16Start", m.utf16Start},
                   {"utf16End", m.utf16End},
                   {"explanation", m.explanation}});
  }
  return out;
}

}  // namespace

std::string layoutPosterJson(std::string_view requestText) {
  std::vector<WordingFlag> flags;
  std::optional<Error> flagged;
  std::string reply = json_io::runEntry(requestText, {}, [&](const Json& j) {
    const PosterRequest request = decodeRequest(j);
    const std::unique_ptr<QrEncoder> qr = decodeQr(j);
    const std::optional<poster::MeasuredMetrics> measured = decodeMetrics(j);
    Result<Scene> scene = measured ? layoutPoster(request, *qr, &flags, *measured)
                                   : layoutPoster(request, *qr, &flags);
    if (!scene.ok()) {
      if (scene.error().code == "poster.wording_flagged") flagged = scene.error();
      throw json_io::InputError{scene.error()};
    }
    return encodeScene(scene.value());
  });
  if (!flagged) return reply;
  // The one error that carries data: the spans the shell highlights in the editor.
  const Json envelope = {{"ok", false},
                         {"error",
                          {{"code", flagged->code},
                           {"message", flagged->message},
                           {"path", flagged->path},
                           {"matches", encodeFlags(flags)}}}};
  return envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace carecircle
