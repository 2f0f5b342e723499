// Posters (docs/api/poster.md; G3, G4, G11, G12 in docs/compliance.md; referral codes in docs/product-rules.md).
//
// layoutPoster() turns a template and its data into one Scene: a flat list of
// drawing verbs with integer arguments on a 750 px wide logical canvas. The
// shell replays the verbs on a canvas at the device pixel ratio
// (web/poster/replay.js, a short switch) and exports a PNG; toSvg() turns the
// same scene into an SVG string. Both are pure functions of the request: no
// clock, no randomness, no floating point, so the native core and the .wasm
// give the same bytes.
//
// Templates (kPosterWidth × height):
//  - storyPoster 病友故事官 (750×1334): title, story, photo slot, masked name.
//    Carries NO booking link, phone, price, coupon or referral QR (G12): such
//    fields are refused (poster.forbidden_field), a link in the text too, and
//    the title and story must pass the wording check (G11,
//    poster.wording_flagged) — the moderation module's story rules.
//  - referralHonour 健康大使推荐函 (with a bronze / silver / gold medal),
//    referralBenefit 成长基金推荐函, referralPrivilege 黑金推荐函 (750×1334):
//    what the friend gets, the referrer's masked name, the referral code and
//    the QR code a friend scans to register.
//  - thankYouCard 感恩卡 (750×1100): the discharge thank-you card; its code
//    and QR lie under a scratch-off layer that the shell draws over
//    Scene::scratch (the core's card is the revealed card).
//  - checkInPoster 打卡成就 (750×1334): streak numbers. Sharing it earns
//    nothing and it says nothing about sharing (G3, G4); it has no QR.
//
// Draw verbs (the JSON array form in brackets; docs/api/poster.md):
//  rect      [x, y, w, h, radius, fill]                 filled rounded rectangle
//  gradient  [x, y, w, h, radius, from, to]             vertical linear gradient, top → bottom
//  stroke    [x, y, w, h, radius, lineWidth, color]     rectangle outline, centred on its edge
//  circle    [cx, cy, r, fill]
//  path      [fill, d]                                  SVG path data, integer coordinates,
//                                                       always made by the core (never user text)
//  text      [x, y, size, weight, align, color, text]   one line; y is the alphabetic baseline;
//                                                       align "left" | "center" | "right" about x
//  image     [slot, dx, dy, dw, dh, sx, sy, sw, sh, radius]   the shell's image for `slot`,
//                                                       source rect (image px) → dest rect
//  qr        [x, y, moduleSize, quietZone, dark, light, rows]  (x, y) = outer corner of the
//                                                       quiet zone; rows[r][c] '1' = dark
// Colours are "#rrggbb" constants of the templates. Text comes from the user
// and is normalized (poster_text.hpp: no control characters, valid UTF-8).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/civil_date.hpp"
#include "common/error.hpp"
#include "common/qr.hpp"
#include "moderation/moderation.hpp"
#include "poster/poster_text.hpp"
#include "referral/referral_code.hpp"

namespace carecircle {

inline constexpr int kPosterWidth = 750;

enum class PosterTemplate {
  kStory,              // "storyPoster"
  kReferralHonour,     // "referralHonour"
  kReferralBenefit,    // "referralBenefit"
  kReferralPrivilege,  // "referralPrivilege"
  kThankYouCard,       // "thankYouCard"
  kCheckInPoster,      // "checkInPoster"
};
const char* posterTemplateId(PosterTemplate t);
std::optional<PosterTemplate> parsePosterTemplate(std::string_view id);
bool posterHasQr(PosterTemplate t);  // the three letters and the thank-you card

enum class TextAlign { kLeft, kCenter, kRight };
enum class ImageFit { kCover, kContain };
enum class MedalTier { kNone, kBronze, kSilver, kGold };  // kNone: not (yet) an ambassador

struct RectOp {
  int x, y, w, h, radius;
  std::string fill;
};
struct GradientOp {
  int x, y, w, h, radius;
  std::string from, to;
};
struct StrokeOp {
  int x, y, w, h, radius, lineWidth;
  std::string color;
};
struct CircleOp {
  int cx, cy, r;
  std::string fill;
};
struct PathOp {
  std::string fill, d;
};
struct TextOp {
  int x, y, size, weight;
  TextAlign align;
  std::string color, text;
};
struct ImageOp {
  std::string slot;
  int dx, dy, dw, dh;  // destination, poster px
  int sx, sy, sw, sh;  // source, image px
  int radius;
  int imageWidth, imageHeight;  // intrinsic size (for the SVG)
};
struct QrOp {
  int x, y, moduleSize, quietZone;
  std::string dark, light;
  std::vector<std::string> rows;
};
using DrawOp = std::variant<RectOp, GradientOp, StrokeOp, CircleOp, PathOp, TextOp, ImageOp, QrOp>;

// Where the shell lays its scratch-off foil (poster px), and what it says.
struct ScratchRegion {
  int x = 0, y = 0, w = 0, h = 0, radius = 0;
  std::string cover;  // foil colour
  std::string hint;   // e.g. "刮开查看您的专属推荐码", centred on the foil
  int hintSize = 30;  // px
  std::string hintColor;
};

struct Scene {
  std::string templateId;
  int width = kPosterWidth;
  int height = 0;
  std::string fontFamily;  // CSS font-family list for canvas and SVG
  std::string title;       // accessible name, e.g. "病友故事海报"
  std::vector<DrawOp> ops;
  std::map<std::string, std::string> imageHrefs;  // slot → href, for the SVG only
  std::optional<ScratchRegion> scratch;           // thank-you card only
  std::string qrPayload;                          // "" when the poster has no QR
  std::vector<std::string> truncatedFields;       // JSON paths of texts cut with "…"
};

struct PosterImage {
  int width = 0;  // intrinsic px, 1..20,000
  int height = 0;
  ImageFit fit = ImageFit::kCover;
  std::string href;  // optional, SVG only: data:image/(png|jpeg|webp);base64,… | blob:… | https://…
};

struct PosterRequest {
  PosterTemplate templ = PosterTemplate::kStory;
  std::string name;          // the patient's name as stored; the poster shows it masked (李*芳)
  std::string hospitalName;  // staff configuration; shown small
  // storyPoster
  std::string title;
  std::string story;
  std::optional<PosterImage> photo;  // absent → the layout closes the gap
  // letters and card
  std::string friendBenefit;  // what the friend gets, e.g. "首次体检享100元体检券"
  std::string message;        // the referrer's own words (optional; wording-checked)
  MedalTier medal = MedalTier::kNone;  // referralHonour: only a medal the patient really holds
  std::optional<ReferralCode> code;    // required with a QR
  std::string linkBase;                // optional; see referralQrPayload()
  // checkInPoster
  std::string planTitle;  // e.g. "颈部康复操"
  int currentDays = 0;    // 0..36,600
  int totalDays = 0;
  int longestDays = 0;
  std::optional<DayNumber> date;  // the day shown on the poster
};

// A wording-check finding on one field (G11).
struct WordingFlag {
  std::string field;  // JSON path, e.g. "/data/story"
  ModerationMatch match;
};

// The wording check of every text the patient wrote (title, story, message)
// with the moderation module's story rules. Empty = clean.
std::vector<WordingFlag> checkPosterWording(const PosterRequest& request);

// Lays out one poster. `qr` encodes the referral payload (PrecomputedQrEncoder
// for JSON requests, nayukiQrEncoder() natively). Errors:
// poster.forbidden_field (G12 / G3: a code or link on a story or check-in
// poster), poster.wording_flagged (G11; `flags` receives the findings),
// poster.bad_qr, poster.bad_link, poster.bad_image.
Result<Scene> layoutPoster(const PosterRequest& request, const QrEncoder& qr,
                           std::vector<WordingFlag>* flags = nullptr,
                           const poster::TextMetrics& metrics = poster::builtInMetrics());

// The scene as a standalone SVG document (UTF-8). Every user text is
// XML-escaped character data of a <text> element; attribute values are
// escaped too; nothing from the request becomes markup, an event handler or
// a script. Images with an href become <image> elements clipped to their
// slot; without one, a placeholder rectangle.
std::string toSvg(const Scene& scene);

}  // namespace carecircle
