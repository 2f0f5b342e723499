// The QR encoder interface: Nayuki's C++ library natively, and the checks a
// grid from the shell (Nayuki's npm build) goes through. The golden fixtures'
// grids are proved to be what Nayuki's library makes for their payloads.
#include "common/qr.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/qr_native.hpp"

namespace carecircle {
namespace {

namespace fs = std::filesystem;

QrGrid encode(const std::string& payload, QrEcc ecc = kReferralQrEcc) {
  Result<QrGrid> grid = nayukiQrEncoder().encode(payload, ecc);
  EXPECT_TRUE(grid.ok()) << payload;
  return grid.value();
}

std::vector<std::string> transpose(const std::vector<std::string>& rows) {
  std::vector<std::string> out(rows.size(), std::string(rows.size(), '0'));
  for (std::size_t y = 0; y < rows.size(); ++y)
    for (std::size_t x = 0; x < rows.size(); ++x) out[x][y] = rows[y][x];
  return out;
}

TEST(Qr, NayukiGridsPassTheChecksAtEveryVersionAndLevel) {
  for (int length : {1, 13, 45, 100, 300, 800, 1500}) {
    const std::string payload =
        "https://carecircle.example.cn/r/" + std::string(static_cast<std::size_t>(length), 'A');
    for (QrEcc ecc : {QrEcc::kLow, QrEcc::kMedium, QrEcc::kQuartile, QrEcc::kHigh}) {
      Result<QrGrid> grid = nayukiQrEncoder().encode(payload, ecc);
      if (!grid.ok()) {
        EXPECT_EQ(grid.error().code, "poster.bad_qr");  // too long at this level
        continue;
      }
      const QrGrid& g = grid.value();
      EXPECT_EQ(g.size, 17 + 4 * g.version);
      EXPECT_GE(g.ecc, ecc);
      Result<QrGrid> read = readQrGrid(g.rows, ecc);
      ASSERT_TRUE(read.ok()) << read.error().message << " length " << length;
      EXPECT_EQ(read.value().ecc, g.ecc);
      EXPECT_EQ(read.value().mask, g.mask);
      EXPECT_EQ(read.value().version, g.version);
    }
  }
}

TEST(Qr, TheSamePayloadGivesTheSameGrid) {
  EXPECT_EQ(encode("7YD0RMEJX1XM6").rows, encode("7YD0RMEJX1XM6").rows);
  EXPECT_NE(encode("7YD0RMEJX1XM6").rows, encode("7YD0RMEJX1XM7").rows);
}

TEST(Qr, ATransposedOrMirroredGridIsRefused) {
  const QrGrid g = encode("https://carecircle.example.cn/r/BSQQN2WW1MF2V");
  EXPECT_EQ(readQrGrid(transpose(g.rows), QrEcc::kLow).error().code, "poster.bad_qr");
  std::vector<std::string> mirrored = g.rows;
  for (std::string& row : mirrored) row = std::string(row.rbegin(), row.rend());
  EXPECT_EQ(readQrGrid(mirrored, QrEcc::kLow).error().code, "poster.bad_qr");
}

TEST(Qr, BrokenGridsAreRefusedWithAReason) {
  const QrGrid g = encode("7YD0RMEJX1XM6");
  auto code = [](const std::vector<std::string>& rows) { return readQrGrid(rows, QrEcc::kLow); };
  EXPECT_FALSE(code({}).ok());
  EXPECT_FALSE(code(std::vector<std::string>(22, std::string(22, '0'))).ok());  // not 17 + 4v
  std::vector<std::string> rows = g.rows;
  rows[3].pop_back();
  EXPECT_EQ(code(rows).error().message, "二维码每一行的模块数必须与行数相同");
  rows = g.rows;
  rows[10][10] = 'x';
  EXPECT_EQ(code(rows).error().message, "二维码模块只能是0或1");
  rows = g.rows;
  rows[3][3] = '0';  // centre of the top-left finder
  EXPECT_EQ(code(rows).error().message, "二维码的定位图形不完整");
  rows = g.rows;
  rows[6][9] = rows[6][9] == '1' ? '0' : '1';
  EXPECT_EQ(code(rows).error().message, "二维码的时序图形不正确");
  rows = g.rows;
  rows[8][2] = rows[8][2] == '1' ? '0' : '1';  // one format bit
  EXPECT_EQ(code(rows).error().message, "二维码的格式信息损坏（可能行列颠倒）");
  EXPECT_TRUE(code(g.rows).ok());
}

TEST(Qr, ALevelBelowTheRequestIsRefused) {
  const QrGrid low = encode(std::string(60, '7'), QrEcc::kLow);
  if (low.ecc == QrEcc::kLow) {
    EXPECT_EQ(readQrGrid(low.rows, QrEcc::kMedium).error().code, "poster.bad_qr");
  }
  EXPECT_TRUE(readQrGrid(low.rows, QrEcc::kLow).ok());
}

TEST(Qr, APrecomputedGridAnswersOnlyForItsPayload) {
  const QrGrid g = encode("https://carecircle.example.cn/r/7YD0RMEJX1XM6");
  const PrecomputedQrEncoder encoder("https://carecircle.example.cn/r/7YD0RMEJX1XM6", g.rows);
  EXPECT_TRUE(encoder.encode("https://carecircle.example.cn/r/7YD0RMEJX1XM6", kReferralQrEcc).ok());
  Result<QrGrid> other =
      encoder.encode("https://carecircle.example.cn/r/M6SC7N75YR3H3", kReferralQrEcc);
  EXPECT_EQ(other.error().code, "poster.bad_qr");
  EXPECT_EQ(other.error().path, "/qr/payload");
  EXPECT_EQ(NoQrEncoder().encode("x", kReferralQrEcc).error().path, "/qr");
}

TEST(Qr, TheNativeEncoderRefusesWhatCannotBeEncoded) {
  EXPECT_EQ(nayukiQrEncoder().encode("", kReferralQrEcc).error().code, "poster.bad_qr");
  EXPECT_EQ(nayukiQrEncoder().encode(std::string(2001, 'a'), kReferralQrEcc).error().code,
            "poster.bad_qr");
  EXPECT_EQ(nayukiQrEncoder().encode(std::string("a\0b", 3), kReferralQrEcc).error().code,
            "poster.bad_qr");
  EXPECT_EQ(nayukiQrEncoder().encode(std::string(1990, '\xE4'), QrEcc::kHigh).error().code,
            "poster.bad_qr");
}

TEST(Qr, EncodeQrJsonIsTheNativeExport) {
  const auto reply =
      nlohmann::json::parse(encodeQrJson(R"({"payload":"7YD0RMEJX1XM6","ecc":"H"})"));
  ASSERT_TRUE(reply.at("ok").get<bool>());
  EXPECT_EQ(reply.at("value").at("ecc"), "H");
  EXPECT_EQ(reply.at("value").at("size"), 25);  // 13 alphanumerics at H need version 2
  EXPECT_EQ(reply.at("value").at("rows").size(), 25u);
  EXPECT_EQ(
      nlohmann::json::parse(encodeQrJson(R"({"payload":"x","ecc":"Z"})")).at("error").at("code"),
      "input.bad_enum");
  EXPECT_EQ(nlohmann::json::parse(encodeQrJson(R"({"payload":""})")).at("error").at("code"),
            "input.missing_field");
}

// Every grid in a golden fixture is what Nayuki's C++ library makes for the
// fixture's payload — so the fixtures test real QR codes, and the shell's npm
// build (the same library) must produce the same rows.
TEST(Qr, GoldenFixtureGridsAreNayukisEncoding) {
  int checked = 0;
  for (const auto& file :
       fs::directory_iterator(fs::path(CARECIRCLE_FIXTURES_DIR) / "poster" / "layoutPoster")) {
    const std::string name = file.path().filename().string();
    if (file.path().extension() != ".json" || name.ends_with(".expected.json")) continue;
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const auto request = nlohmann::json::parse(text.str(), nullptr, false);
    if (request.is_discarded() || !request.is_object() || !request.contains("qr")) continue;
    if (name.find("transposed") != std::string::npos) continue;  // broken on purpose
    SCOPED_TRACE(name);
    const auto& qr = request.at("qr");
    const QrGrid expected = encode(qr.at("payload").get<std::string>());
    EXPECT_EQ(qr.at("rows").get<std::vector<std::string>>(), expected.rows);
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace carecircle
