// Exact edges of poster rules: every no-line-start and no-line-end mark of the
// line breaker (the whole lists, not a sample), every link marker of G12 in
// every story field, and the QR's 3-px module minimum at the version where
// it is reached.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/qr_native.hpp"
#include "poster/poster.hpp"
#include "poster/poster_text.hpp"

namespace carecircle {
namespace {

// The line-breaking rules' lists as the product defines them (clreq / JIS X
// 4051 closing marks, pauses, stops, small kana and the prolonged sound mark
// may not start a line; opening marks may not end one). Kept here on purpose:
// a mark dropped from the core's table fails the test that walks this list.
const std::u32string_view kNoStart =
    U"。，、；：？！）」》』】〕〉〗〙〛”’…—～·ー々〆ゝゞヽヾ"
    U"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    U"，．：；？！）］｝〜％｠"
    U".,;:!?)]}%";
const std::u32string_view kNoEnd = U"（「《『【〔〈〖〘〚“‘［｛＜｟([{";

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::vector<std::string> lines(const std::string& text, int size, int width) {
  std::vector<std::string> out;
  const poster::TextBlock block =
      poster::breakLines(poster::normalizeText(text), poster::builtInMetrics(), size, width, 100);
  for (const poster::LaidLine& l : block.lines) out.push_back(l.text);
  return out;
}

TEST(PosterEdges, EveryNoStartMarkNeverBeginsALine) {
  ASSERT_EQ(kNoStart.size(), 76u);  // the list is walked whole
  for (char32_t cp : kNoStart) {
    const std::string mark = utf8(cp);
    // "一二三" fills a 30-px line at 10 px: the mark would start the second line.
    const std::string text = "一二三" + mark + "四五";
    const std::vector<std::string> out = lines(text, 10, 30);
    ASSERT_GE(out.size(), 2u) << text;
    for (std::size_t i = 1; i < out.size(); ++i)
      EXPECT_FALSE(out[i].starts_with(mark)) << "line " << i << " starts with " << mark;
  }
}

TEST(PosterEdges, EveryNoEndMarkNeverEndsALine) {
  ASSERT_EQ(kNoEnd.size(), 19u);
  for (char32_t cp : kNoEnd) {
    const std::string mark = utf8(cp);
    // The mark would be the last thing on a full first line.
    const std::string text = "一二" + mark + "三四五";
    const std::vector<std::string> out = lines(text, 10, 30);
    ASSERT_GE(out.size(), 2u) << text;
    for (const std::string& line : out)
      EXPECT_FALSE(line.ends_with(mark)) << "a line ends with " << mark;
  }
}

// ---- G12: no link in any story field --------------------------------------

PosterRequest story() {
  PosterRequest r;
  r.templ = PosterTemplate::kStory;
  r.title = "术后第30天";
  r.story = "现在我每天坚持打卡。";
  r.name = "李晓芳";
  return r;
}

TEST(PosterEdges, G12EveryLinkMarkerInEveryStoryField) {
  for (const char* marker : {"http://", "https://", "www.", "HTTP://", "Https://", "WWW."}) {
    for (const char* field : {"/data/title", "/data/story"}) {
      PosterRequest r = story();
      (std::string_view(field) == "/data/title" ? r.title : r.story) +=
          std::string(" ") + marker + "x.cn";
      Result<Scene> s = layoutPoster(r, nayukiQrEncoder());
      ASSERT_FALSE(s.ok()) << marker << " in " << field;
      EXPECT_EQ(s.error().code, "poster.forbidden_field");
      EXPECT_EQ(s.error().path, field) << marker;
    }
  }
  // Near misses are not links.
  PosterRequest r = story();
  r.story = "http 与 www 都只是字母";
  EXPECT_TRUE(layoutPoster(r, nayukiQrEncoder()).ok());
}

TEST(PosterEdges, G3NoCodeOnAnyTemplateWithoutAQr) {
  for (PosterTemplate t : {PosterTemplate::kStory, PosterTemplate::kCheckInPoster}) {
    PosterRequest r = story();
    r.templ = t;
    r.currentDays = 3;
    r.totalDays = 3;
    r.longestDays = 3;
    EXPECT_TRUE(layoutPoster(r, nayukiQrEncoder()).ok()) << static_cast<int>(t);
    r.code = checkReferralCode("7YD0-RMEJ-X1XM6").value();
    Result<Scene> s = layoutPoster(r, nayukiQrEncoder());
    ASSERT_FALSE(s.ok()) << static_cast<int>(t);
    EXPECT_EQ(s.error().code, "poster.forbidden_field");
    EXPECT_EQ(s.error().path, "/referral");
  }
}

// ---- the QR: whole modules of 3 px or more ------------------------------------

// A grid of the given size (all light modules: only the geometry matters here).
class SizedEncoder final : public QrEncoder {
 public:
  explicit SizedEncoder(int size) : size_(size) {}
  Result<QrGrid> encode(std::string_view, QrEcc ecc) const override {
    return QrGrid{size_, (size_ - 17) / 4, ecc, 0,
                  std::vector<std::string>(static_cast<std::size_t>(size_),
                                           std::string(static_cast<std::size_t>(size_), '0'))};
  }

 private:
  int size_;
};

TEST(PosterEdges, QrModulesNeverBelowThreePixels) {
  for (PosterTemplate t : {PosterTemplate::kReferralHonour, PosterTemplate::kReferralBenefit,
                           PosterTemplate::kReferralPrivilege, PosterTemplate::kThankYouCard}) {
    PosterRequest r;
    r.templ = t;
    r.name = "李晓芳";
    r.code = checkReferralCode("7YD0-RMEJ-X1XM6").value();
    bool sawThree = false;
    bool sawRefusal = false;
    for (int size = 57; size <= 89; size += 4) {  // versions 10..18 span the 3-px edge
      Result<Scene> s = layoutPoster(r, SizedEncoder(size));
      if (!s.ok()) {
        EXPECT_EQ(s.error().code, "poster.bad_qr") << size;
        sawRefusal = true;
        continue;
      }
      EXPECT_FALSE(sawRefusal) << "a larger grid fitted after a smaller one was refused";
      int module = 0;
      for (const DrawOp& op : s.value().ops)
        if (const auto* q = std::get_if<QrOp>(&op)) module = q->moduleSize;
      EXPECT_GE(module, 3) << "template " << static_cast<int>(t) << " size " << size;
      sawThree = sawThree || module == 3;
    }
    EXPECT_TRUE(sawThree) << static_cast<int>(t);
    EXPECT_TRUE(sawRefusal) << static_cast<int>(t);
  }
}

}  // namespace
}  // namespace carecircle
