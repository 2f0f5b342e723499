// Line breaking, auto-fit and ellipsis of poster text (poster_text.hpp).
#include "poster/poster_text.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace carecircle::poster {
namespace {

const TextMetrics& m() {
  return builtInMetrics();
}

std::vector<std::string> lines(std::string_view text, int size, int width, int maxLines = 100) {
  std::vector<std::string> out;
  for (const LaidLine& l : breakLines(normalizeText(text), m(), size, width, maxLines).lines)
    out.push_back(l.text);
  return out;
}

using Lines = std::vector<std::string>;

TEST(PosterText, BuiltInMetricsAreTheMeasuredTable) {
  EXPECT_EQ(m().advance(U'中'), 1000);
  EXPECT_EQ(m().advance(U'，'), 1000);
  EXPECT_EQ(m().advance(U'A'), 608);
  EXPECT_EQ(m().advance(U'0'), 551);
  EXPECT_EQ(m().advance(U' '), 260);
  EXPECT_EQ(m().advance(0x0301), 0);  // combining acute
  EXPECT_EQ(m().advance(0xFE0F), 0);  // variation selector
  EXPECT_EQ(m().advance(0x1F600), 1100);
  EXPECT_EQ(measureLine("中文", m(), 30), 60);
  EXPECT_EQ(measureLine("A", m(), 10), 7);  // 6.08 px rounds up: never narrower than drawn
}

TEST(PosterText, CjkBreaksBetweenAnyTwoIdeographs) {
  EXPECT_EQ(lines("一二三四五六", 10, 30), (Lines{"一二三", "四五六"}));
  // Seven: the last line would hold one lone character, so two go down.
  EXPECT_EQ(lines("一二三四五六七", 10, 30), (Lines{"一二三", "四五", "六七"}));
}

TEST(PosterText, NoStartMarksNeverBeginALine) {
  // "三" would end the first line, "。" would start the second: "三" goes down with it.
  EXPECT_EQ(lines("一二三。四五", 10, 30), (Lines{"一二", "三。", "四五"}));
  for (const char* mark :
       {"，", "、", "；", "：", "？", "！", "）", "」", "》", "…", "—", "%", ".", ","}) {
    const std::string text = std::string("一二三") + mark + "四五";
    for (const std::string& line : lines(text, 10, 30)) {
      EXPECT_NE(line.rfind(mark, 0), 0u) << "line starts with " << mark << " in " << text;
    }
  }
}

TEST(PosterText, NoEndMarksNeverEndALine) {
  EXPECT_EQ(lines("一二（三四", 10, 30), (Lines{"一二", "（三四"}));
  for (const char* mark : {"（", "「", "《", "“", "(", "["}) {
    const std::string text = std::string("一二") + mark + "三四五";
    const Lines out = lines(text, 10, 30);
    for (const std::string& line : out) {
      ASSERT_GE(line.size(), std::string(mark).size());
      EXPECT_FALSE(line.ends_with(mark)) << "line ends with " << mark << " in " << text;
    }
  }
}

TEST(PosterText, DoubledDashesAndEllipsesStayTogether) {
  for (const std::string& line : lines("一二三——四五六……七", 10, 40)) {
    EXPECT_FALSE(line.starts_with("—")) << line;
    EXPECT_FALSE(line.starts_with("…")) << line;
  }
}

TEST(PosterText, LatinWordsAndNumbersAreNotSplit) {
  // At 10 px: "COVID-19" is ~53 px, wider than what is left after "中文".
  const Lines out = lines("中文COVID-19病毒", 10, 60);
  EXPECT_EQ(out, (Lines{"中文", "COVID-19", "病毒"}));
  EXPECT_EQ(lines("每天3.5km慢跑", 10, 40), (Lines{"每天", "3.5km", "慢跑"}));
  for (const std::string& line : lines("走了 3.5km 和 24680 步，又走了 97979 步", 10, 45)) {
    if (line.find('3') != std::string::npos)
      EXPECT_NE(line.find("3.5km"), std::string::npos) << line;
    if (line.find('2') != std::string::npos)
      EXPECT_NE(line.find("24680"), std::string::npos) << line;
    if (line.find('9') != std::string::npos)
      EXPECT_NE(line.find("97979"), std::string::npos) << line;
  }
}

TEST(PosterText, SpacesBreakLatinTextAndDoNotCountAtLineEnds) {
  const Lines out = lines("keep going every day", 10, 60);
  EXPECT_EQ(out, (Lines{"keep going", "every day"}));
  for (const LaidLine& l : breakLines("keep going every day", m(), 10, 60, 10).lines) {
    EXPECT_LE(l.width, 60);
    EXPECT_FALSE(l.text.ends_with(" "));
    EXPECT_FALSE(l.text.starts_with(" "));
  }
}

TEST(PosterText, AWordWiderThanTheLineIsCutWhereItOverflows) {
  const Lines out = lines("Pneumonoultramicroscopicsilicovolcanoconiosis", 10, 100);
  ASSERT_GE(out.size(), 3u);
  std::string joined;
  for (const std::string& l : out) joined += l;
  EXPECT_EQ(joined, "Pneumonoultramicroscopicsilicovolcanoconiosis");
  for (const LaidLine& l :
       breakLines("Pneumonoultramicroscopicsilicovolcanoconiosis", m(), 10, 100, 10).lines) {
    EXPECT_LE(l.width, 100);
  }
}

TEST(PosterText, CombiningMarksAndEmojiSequencesStayWhole) {
  // e + U+0301 is one cluster; breaking between them would orphan the accent.
  for (const std::string& line : lines("éééééééééé", 10, 20)) {
    EXPECT_FALSE(line.starts_with("\u0301")) << line;
  }
  const std::string family = "👨‍👩‍👧";  // man ZWJ woman ZWJ girl
  const std::string flag = "🇨🇳";
  const std::string thumb = "👍🏽";
  for (const std::string& line : lines(family + family + flag + flag + thumb + thumb, 10, 40)) {
    EXPECT_FALSE(line.starts_with("\u200D")) << line;
    EXPECT_FALSE(line.starts_with("\U0001F3FD")) << line;
    EXPECT_EQ(line.find("\xF0\x9F\x87\xB3\xF0\x9F\x87\xA8"), std::string::npos)
        << "split flag: " << line;
  }
  bool cut = false;
  const std::vector<Cluster> c = clusterize(family + flag + thumb + "e\u0301", m(), 100, cut);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].width, 3300);  // three people: as wide as where no emoji font joins them
  EXPECT_EQ(c[1].width, 2200);
  EXPECT_EQ(c[3].width, m().advance(U'e'));
}

TEST(PosterText, ANewlineStartsAParagraphAndBlankLinesAreDropped) {
  EXPECT_EQ(normalizeText("\n\n一\r\n\r\n\n二\r三\n\n"), "一\n二\n三");
  EXPECT_EQ(lines("一\n\n\n二", 10, 100), (Lines{"一", "二"}));
  const TextBlock block =
      fitText(normalizeText("一\n二"), m(), {100, 100, 10, 10, 1500, 0, 500, false});
  ASSERT_EQ(block.lines.size(), 2u);
  EXPECT_EQ(block.lines[1].top, 15 + 7);  // line height 15 + half of it between paragraphs
  EXPECT_EQ(block.height, 37);
}

TEST(PosterText, AParagraphDoesNotEndWithOneLoneCharacter) {
  // 12 ideographs, 11 to a line: greedy gives 11 + 1; the break moves back.
  const Lines out = lines("一二三四五六七八九十百千", 10, 110);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "一二三四五六七八九十");
  EXPECT_EQ(out[1], "百千");
}

TEST(PosterText, NormalizeDropsControlsBidiOverridesAndBadBytes) {
  EXPECT_EQ(normalizeText("a\x01"
                          "b\x7F"
                          "c\tend"),
            "abc end");
  EXPECT_EQ(normalizeText("\u202Eevil\u202C"), "evil");
  EXPECT_EQ(normalizeText("ok\xFF\xFE"), "ok\uFFFD\uFFFD");
  EXPECT_EQ(normalizeText("\xEF\xBB\xBF"
                          "bom"),
            "bom");
  EXPECT_EQ(normalizeText(""), "");
  EXPECT_EQ(normalizeText("\x80\x80"), "\uFFFD\uFFFD");
}

TEST(PosterText, AutoFitPicksTheLargestSizeThatFits) {
  const std::string text = "一二三四五六七八九十";
  // 10 ideographs; box 200 wide, 1 line of 1.0 line height: 20 px fits exactly.
  TextBlock b = fitText(text, m(), {200, 20, 10, 40, 1000, 0, 0, false});
  EXPECT_EQ(b.size, 20);
  EXPECT_FALSE(b.truncated);
  ASSERT_EQ(b.lines.size(), 1u);
  // Taller box: two lines of 1.0 at 28 px (7 + 3 after the orphan rule) fit in 56 px.
  b = fitText(text, m(), {200, 56, 10, 40, 1000, 0, 0, false});
  EXPECT_EQ(b.size, 28);
  EXPECT_EQ(b.lines.size(), 2u);
  EXPECT_FALSE(b.truncated);
  // maxLines caps the count even when height would allow more.
  b = fitText(text, m(), {200, 1000, 10, 40, 1000, 1, 0, false});
  EXPECT_EQ(b.size, 20);
  EXPECT_EQ(b.lines.size(), 1u);
}

TEST(PosterText, BalanceSplitsATwoLineTitleNearItsMiddle) {
  const std::string title = "术后第30天，我又能唱歌了";
  const TextBlock plain = fitText(title, m(), {630, 150, 40, 56, 1250, 2, 0, false});
  const TextBlock balanced = fitText(title, m(), {630, 150, 40, 56, 1250, 2, 0, true});
  EXPECT_EQ(plain.size, 56);
  EXPECT_EQ(balanced.size, 56);
  ASSERT_EQ(balanced.lines.size(), 2u);
  EXPECT_EQ(balanced.lines[0].text, "术后第30天，");
  EXPECT_EQ(balanced.lines[1].text, "我又能唱歌了");
}

TEST(PosterText, EllipsisWhenEvenTheSmallestSizeDoesNotFit) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "坚持康复";
  const TextBlock b = fitText(text, m(), {200, 60, 16, 20, 1500, 0, 0, false});
  EXPECT_EQ(b.size, 16);
  EXPECT_TRUE(b.truncated);
  ASSERT_EQ(b.lines.size(), 2u);  // 60 / 24
  EXPECT_TRUE(b.lines.back().text.ends_with("…"));
  for (const LaidLine& l : b.lines) EXPECT_LE(l.width, 200);
}

TEST(PosterText, EllipsisNeverFollowsAnOpeningMarkOrASpace) {
  const TextBlock b = breakLines("一二三四（五六七八九十", m(), 10, 60, 1);
  ASSERT_EQ(b.lines.size(), 1u);
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.lines[0].text, "一二三四…");
  const TextBlock latin = breakLines("aaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbb", m(), 10, 40, 1);
  EXPECT_EQ(latin.lines[0].text, "aaaa…");
}

TEST(PosterText, EmptyTextGivesOneEmptyLine) {
  const TextBlock b = fitText("", m(), {100, 100, 10, 20, 1500, 0, 0, false});
  EXPECT_FALSE(b.truncated);
  EXPECT_LE(b.lines.size(), 1u);
}

TEST(PosterText, AHundredKilobyteStoryIsCutQuickly) {
  std::string story;
  while (story.size() < 100 * 1024)
    story += "我是一名甲状腺术后的患者，想把这段经历写下来。Keep going! ";
  const auto start = std::chrono::steady_clock::now();
  const TextBlock b = fitText(normalizeText(story), m(), {590, 400, 26, 34, 1600, 0, 450, false});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.size, 26);
  EXPECT_LE(b.height, 400);
  EXPECT_LT(ms, 200);  // measured ≈ 1 ms; generous for sanitizer builds
}

TEST(PosterText, ZeroWidthFloodDoesNotHang) {
  std::string flood;
  for (int i = 0; i < 50'000; ++i) flood += "\u200B";
  const TextBlock b = fitText(normalizeText(flood), m(), {300, 300, 20, 30, 1500, 0, 0, false});
  EXPECT_GE(b.lines.size(), 1u);
}

}  // namespace
}  // namespace carecircle::poster
