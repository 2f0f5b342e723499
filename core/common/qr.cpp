#include "common/qr.hpp"

#include <cstdlib>

namespace carecircle {
namespace {

Error badQr(std::string message) {
  return Error{"poster.bad_qr", std::move(message), "/qr/rows"};
}

bool dark(const std::vector<std::string>& rows, int x, int y) {
  return rows[y][x] == '1';
}

// ISO/IEC 18004 format information: 2 bits of error correction level (L = 01,
// M = 00, Q = 11, H = 10), 3 bits of mask, 10 bits of BCH(15,5) with the
// generator x^10 + x^8 + x^5 + x^4 + x^2 + x + 1 (0x537), XOR 0x5412.
int formatRemainder(int data) {
  int rem = data;
  for (int i = 0; i < 10; ++i) rem = (rem << 1) ^ (((rem >> 9) & 1) * 0x537);
  return rem & 0x3FF;
}

// The two copies as the standard places them (x = column, y = row): bit i of
// copy 1 runs down column 8 then left along row 8 around the top-left finder;
// copy 2 splits between row 8 at the right and column 8 at the bottom.
int readFormatCopy(const std::vector<std::string>& rows, int size, int copy) {
  int bits = 0;
  for (int i = 0; i < 15; ++i) {
    int x = 0;
    int y = 0;
    if (copy == 1) {
      if (i <= 5)
        x = 8, y = i;
      else if (i == 6)
        x = 8, y = 7;
      else if (i == 7)
        x = 8, y = 8;
      else if (i == 8)
        x = 7, y = 8;
      else
        x = 14 - i, y = 8;
    } else {
      if (i < 8)
        x = size - 1 - i, y = 8;
      else
        x = 8, y = size - 15 + i;
    }
    bits |= (dark(rows, x, y) ? 1 : 0) << i;
  }
  return bits;
}

bool finderIntact(const std::vector<std::string>& rows, int size, int left, int top) {
  for (int dy = -4; dy <= 4; ++dy) {
    for (int dx = -4; dx <= 4; ++dx) {
      const int x = left + 3 + dx;
      const int y = top + 3 + dy;
      if (x < 0 || y < 0 || x >= size || y >= size) continue;
      const int d = std::max(std::abs(dx), std::abs(dy));
      if (dark(rows, x, y) != (d != 2 && d != 4)) return false;
    }
  }
  return true;
}

}  // namespace

const char* qrEccName(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kLow:
      return "L";
    case QrEcc::kMedium:
      return "M";
    case QrEcc::kQuartile:
      return "Q";
    case QrEcc::kHigh:
      return "H";
  }
  return "M";
}

Result<QrGrid> readQrGrid(const std::vector<std::string>& rows, QrEcc minEcc) {
  const int size = static_cast<int>(rows.size());
  if (size < 21 || size > 177 || (size - 17) % 4 != 0) {
    return badQr("二维码尺寸无效：应为21到177个模块，且符合二维码版本规格");
  }
  for (const std::string& row : rows) {
    if (static_cast<int>(row.size()) != size) return badQr("二维码每一行的模块数必须与行数相同");
    if (row.find_first_not_of("01") != std::string::npos) return badQr("二维码模块只能是0或1");
  }
  if (!finderIntact(rows, size, 0, 0) || !finderIntact(rows, size, size - 7, 0) ||
      !finderIntact(rows, size, 0, size - 7)) {
    return badQr("二维码的定位图形不完整");
  }
  for (int i = 8; i < size - 8; ++i) {
    if (dark(rows, i, 6) != (i % 2 == 0) || dark(rows, 6, i) != (i % 2 == 0)) {
      return badQr("二维码的时序图形不正确");
    }
  }
  const int copy1 = readFormatCopy(rows, size, 1);
  const int copy2 = readFormatCopy(rows, size, 2);
  const int bits = copy1 ^ 0x5412;
  const int data = bits >> 10;
  if (copy1 != copy2 || formatRemainder(data) != (bits & 0x3FF) || !dark(rows, 8, size - 8)) {
    return badQr("二维码的格式信息损坏（可能行列颠倒）");
  }
  static constexpr QrEcc kByFormatBits[4] = {QrEcc::kMedium, QrEcc::kLow, QrEcc::kHigh,
                                             QrEcc::kQuartile};
  QrGrid grid;
  grid.size = size;
  grid.version = (size - 17) / 4;
  grid.ecc = kByFormatBits[data >> 3];
  grid.mask = data & 7;
  grid.rows = rows;
  if (grid.ecc < minEcc) {
    return badQr(std::string("二维码纠错等级过低：至少应为") + qrEccName(minEcc));
  }
  return grid;
}

Result<QrGrid> PrecomputedQrEncoder::encode(std::string_view payload, QrEcc minEcc) const {
  if (payload != payload_) {
    return Error{"poster.bad_qr", "二维码内容与推荐码不一致，请重新生成二维码", "/qr/payload"};
  }
  return readQrGrid(rows_, minEcc);
}

Result<QrGrid> NoQrEncoder::encode(std::string_view, QrEcc) const {
  return Error{"poster.bad_qr", "缺少推荐码的二维码数据（qr），请先生成二维码", "/qr"};
}

}  // namespace carecircle
