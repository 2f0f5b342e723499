// JSON entry points for referral codes.
#include <vector>

#include "common/json_io.hpp"
#include "common/qr.hpp"
#include "referral/referral_code.hpp"
#include "referral/referral_code_json.hpp"

namespace carecircle {
namespace {

using json_io::Json;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Json encodeCode(const ReferralCode& code, const Json& request) {
  std::string linkBase;
  json_io::readString(request, "linkBase", "", 1024, linkBase);
  Result<std::string> payload = referralQrPayload(code, linkBase);
  if (!payload.ok()) throw json_io::InputError{payload.error()};
  return {{"code", code.code},
          {"display", code.display},
          {"qrPayload", payload.value()},
          {"qrEcc", qrEccName(kReferralQrEcc)}};
}

}  // namespace

std::string makeReferralCodeJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"randomHex", "linkBase"});
    std::string hex;
    json_io::readString(j, "randomHex", "", 256, hex, true);
    if (hex.size() % 2 != 0) {
      json_io::fail("poster.weak_random", "随机数应为偶数个十六进制字符（每字节两位）",
                    "/randomHex");
    }
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      const int hi = hexValue(hex[i]);
      const int lo = hexValue(hex[i + 1]);
      if (hi < 0 || lo < 0)
        json_io::fail("poster.weak_random", "随机数只能由十六进制字符（0-9、a-f）组成",
                      "/randomHex");
      bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    Result<ReferralCode> code = makeReferralCode(bytes);
    if (!code.ok()) throw json_io::InputError{code.error()};
    return encodeCode(code.value(), j);
  });
}

std::string checkReferralCodeJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"code", "linkBase"});
    std::string typed;
    // A pasted paragraph is still answered with "should be 13 symbols".
    json_io::readString(j, "code", "", 4096, typed);
    Result<ReferralCode> code = checkReferralCode(typed);
    if (!code.ok()) throw json_io::InputError{code.error()};
    return encodeCode(code.value(), j);
  });
}

}  // namespace carecircle
