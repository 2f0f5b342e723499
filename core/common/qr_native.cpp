// Native only (see core/CMakeLists.txt): wraps Debian's libqrcodegencpp.
#include "common/qr_native.hpp"

#include <qrcodegen.hpp>

#include <exception>
#include <string>

#include "common/json_io.hpp"

namespace carecircle {
namespace {

constexpr std::size_t kMaxPayloadBytes = 2'000;

qrcodegen::QrCode::Ecc toNayuki(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kLow:
      return qrcodegen::QrCode::Ecc::LOW;
    case QrEcc::kMedium:
      return qrcodegen::QrCode::Ecc::MEDIUM;
    case QrEcc::kQuartile:
      return qrcodegen::QrCode::Ecc::QUARTILE;
    case QrEcc::kHigh:
      return qrcodegen::QrCode::Ecc::HIGH;
  }
  return qrcodegen::QrCode::Ecc::MEDIUM;
}

QrEcc fromNayuki(qrcodegen::QrCode::Ecc ecc) {
  switch (ecc) {
    case qrcodegen::QrCode::Ecc::LOW:
      return QrEcc::kLow;
    case qrcodegen::QrCode::Ecc::MEDIUM:
      return QrEcc::kMedium;
    case qrcodegen::QrCode::Ecc::QUARTILE:
      return QrEcc::kQuartile;
    case qrcodegen::QrCode::Ecc::HIGH:
      return QrEcc::kHigh;
  }
  return QrEcc::kMedium;
}

class NayukiQrEncoder final : public QrEncoder {
 public:
  Result<QrGrid> encode(std::string_view payload, QrEcc minEcc) const override {
    if (payload.empty() || payload.size() > kMaxPayloadBytes) {
      return Error{"poster.bad_qr", "二维码内容为空或过长（上限2000字节）", "/payload"};
    }
    // encodeText takes a C string: a NUL inside would silently cut the payload.
    if (payload.find('\0') != std::string_view::npos) {
      return Error{"poster.bad_qr", "二维码内容不能包含空字符", "/payload"};
    }
    try {
      const std::string text(payload);
      const qrcodegen::QrCode qr = qrcodegen::QrCode::encodeText(text.c_str(), toNayuki(minEcc));
      QrGrid grid;
      grid.size = qr.getSize();
      grid.version = qr.getVersion();
      grid.ecc = fromNayuki(qr.getErrorCorrectionLevel());
      grid.mask = qr.getMask();
      grid.rows.assign(static_cast<std::size_t>(grid.size),
                       std::string(static_cast<std::size_t>(grid.size), '0'));
      for (int y = 0; y < grid.size; ++y) {
        for (int x = 0; x < grid.size; ++x) {
          if (qr.getModule(x, y))
            grid.rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] = '1';
        }
      }
      return grid;
    } catch (const qrcodegen::data_too_long&) {
      return Error{"poster.bad_qr", "二维码内容过长，无法编码", "/payload"};
    } catch (const std::exception&) {
      return Error{"poster.bad_qr", "二维码生成失败", "/payload"};
    }
  }
};

}  // namespace

const QrEncoder& nayukiQrEncoder() {
  static const NayukiQrEncoder encoder;
  return encoder;
}

std::string encodeQrJson(std::string_view requestText) {
  using json_io::Json;
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"payload", "ecc"});
    std::string payload;
    json_io::readString(j, "payload", "", kMaxPayloadBytes, payload, true);
    QrEcc ecc = kReferralQrEcc;
    std::string name;
    if (json_io::readString(j, "ecc", "", 4, name)) {
      if (name == "L")
        ecc = QrEcc::kLow;
      else if (name == "M")
        ecc = QrEcc::kMedium;
      else if (name == "Q")
        ecc = QrEcc::kQuartile;
      else if (name == "H")
        ecc = QrEcc::kHigh;
      else
        json_io::fail("input.bad_enum", "ecc 只能是 L、M、Q 或 H", "/ecc");
    }
    Result<QrGrid> grid = nayukiQrEncoder().encode(payload, ecc);
    if (!grid.ok()) throw json_io::InputError{grid.error()};
    const QrGrid& g = grid.value();
    return Json{{"payload", payload},      {"size", g.size}, {"version", g.version},
                {"ecc", qrEccName(g.ecc)}, {"mask", g.mask}, {"rows", g.rows}};
  });
}

}  // namespace carecircle
