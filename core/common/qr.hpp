// QR codes as data: one small encoder interface and the module grid it returns
// (docs/api/poster.md; "data, not pixels" in docs/product-rules.md). The core never draws a QR code and has no QR encoder
// of its own: encoding is Nayuki's QR Code generator library —
//  - natively, Debian's libqrcodegencpp behind nayukiQrEncoder()
//    (qr_native.hpp, not part of the wasm build);
//  - in the browser, the same library's npm build (`nayuki-qr-code-generator`),
//    run by the shell, whose grid reaches the core inside the poster request
//    and is checked here (PrecomputedQrEncoder).
// Both call encodeText(payload, ecc) with Nayuki's defaults (versions 1..40,
// automatic mask, boosted ECC), so the same payload gives the same grid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace carecircle {

enum class QrEcc { kLow, kMedium, kQuartile, kHigh };
const char* qrEccName(QrEcc ecc);  // "L" | "M" | "Q" | "H"

// The error correction every referral QR asks for (15 % of the symbol may be
// damaged — a crease, a thumb over the corner). Nayuki may boost it higher
// when that costs no extra size.
inline constexpr QrEcc kReferralQrEcc = QrEcc::kMedium;

// A QR symbol as its module grid. rows[y][x] is '1' for a dark module and
// '0' for a light one; size = 17 + 4 * version (21..177). No quiet zone: the
// renderer adds it.
struct QrGrid {
  int size = 0;
  int version = 0;  // 1..40
  QrEcc ecc = QrEcc::kMedium;
  int mask = 0;  // 0..7
  std::vector<std::string> rows;
};

class QrEncoder {
 public:
  virtual ~QrEncoder() = default;
  // The grid for `payload` (UTF-8 text, 1..2,000 bytes) at error correction
  // `minEcc` or better. Errors: poster.bad_qr (payload empty or too long, or,
  // for a precomputed grid, one that does not match).
  virtual Result<QrGrid> encode(std::string_view payload, QrEcc minEcc) const = 0;
};

// Reads and checks a module grid produced elsewhere: square, 21..177 modules
// with (size - 17) divisible by 4, only '0' / '1', the three finder patterns
// with their separators, both timing patterns, and both copies of the format
// information, which must be an intact BCH(15,5) word naming an error
// correction level >= minEcc. It does not decode the data (that takes a
// decoder; the browser tests scan every poster with zbar). A grid whose rows
// and columns were swapped fails the format check. Errors: poster.bad_qr.
Result<QrGrid> readQrGrid(const std::vector<std::string>& rows, QrEcc minEcc);

// The encoder of a JSON request: the shell encoded `payload` with Nayuki's
// npm build and sent the grid. encode() returns the checked grid when asked
// for exactly that payload, poster.bad_qr otherwise.
class PrecomputedQrEncoder final : public QrEncoder {
 public:
  PrecomputedQrEncoder(std::string payload, std::vector<std::string> rows)
      : payload_(std::move(payload)), rows_(std::move(rows)) {}
  Result<QrGrid> encode(std::string_view payload, QrEcc minEcc) const override;

 private:
  std::string payload_;
  std::vector<std::string> rows_;
};

// Used when no grid was supplied: every encode() is poster.bad_qr ("the QR
// code of ... is missing from the request").
class NoQrEncoder final : public QrEncoder {
 public:
  Result<QrGrid> encode(std::string_view payload, QrEcc minEcc) const override;
};

}  // namespace carecircle
