#include "referral/channel_token.hpp"

#include <array>
#include <vector>

#include "common/json_io.hpp"
#include "referral/referral_code.hpp"

namespace carecircle {
namespace {

using json_io::Json;

constexpr std::int64_t kDayMs = 86'400'000;

struct ChannelInfo {
  ReferralChannel channel;
  std::string_view name;
  char kind;  // the token's first symbol; 0 for channels without a token
  std::string_view letterTemplate;
};

constexpr std::array<ChannelInfo, 6> kChannels{{
    {ReferralChannel::Code, "code", 0, ""},
    {ReferralChannel::Link, "link", 0, ""},
    {ReferralChannel::LetterHonour, "letterHonour", 'H', "honour"},
    {ReferralChannel::LetterBenefit, "letterBenefit", 'B', "benefit"},
    {ReferralChannel::LetterPrivilege, "letter", 'P', "privilege"},
    {ReferralChannel::DischargeCard, "dischargeCard", 'D', ""},
}};

const ChannelInfo& infoOf(ReferralChannel channel) {
  for (const ChannelInfo& info : kChannels)
    if (info.channel == channel) return info;
  return kChannels[0];
}

const ChannelInfo* infoOfKind(char kind) {
  for (const ChannelInfo& info : kChannels)
    if (info.kind != 0 && info.kind == kind) return &info;
  return nullptr;
}

std::string groupForReading(const std::string& token) {
  return token.substr(0, 4) + "-" + token.substr(4, 4) + "-" + token.substr(8, 4) + "-" +
         token.substr(12);
}

bool hasLongDigitRun(std::string_view text) {
  int run = 0;
  for (char c : text) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run >= 7) return true;
  }
  return false;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const Error kBadToken{"referral.bad_token",
                      "推荐函或感恩卡上的编码不完整或有误，请重新扫描二维码", "/token"};

}  // namespace

std::string_view channelName(ReferralChannel channel) { return infoOf(channel).name; }

std::optional<ReferralChannel> channelFromName(std::string_view name) {
  for (const ChannelInfo& info : kChannels)
    if (info.name == name) return info.channel;
  return std::nullopt;
}

bool channelNeedsToken(ReferralChannel channel) { return infoOf(channel).kind != 0; }

std::string_view letterTemplateOf(ReferralChannel channel) { return infoOf(channel).letterTemplate; }

Result<ChannelToken> makeChannelToken(ReferralChannel channel, std::span<const std::uint8_t> random) {
  if (!channelNeedsToken(channel)) {
    return Error{"referral.bad_channel", "只有推荐函和感恩卡带有渠道编码", "/channel"};
  }
  bool allEqual = true;
  for (std::uint8_t b : random) allEqual = allEqual && b == random[0];
  if (random.size() < kChannelTokenRandomBytes || allEqual) {
    return Error{"referral.weak_random", "随机数不足：至少需要10个来自安全随机源的字节",
                 "/randomHex"};
  }
  std::string token(1, infoOf(channel).kind);
  // 75 bits, big-endian, five at a time.
  for (std::size_t i = 0; i < kChannelTokenLength - 2; ++i) {
    unsigned value = 0;
    for (std::size_t bit = 0; bit < 5; ++bit) {
      const std::size_t at = i * 5 + bit;
      value = (value << 1) | ((random[at / 8] >> (7 - at % 8)) & 1u);
    }
    token += kCrockfordAlphabet[value];
  }
  token += referralCheckSymbol(token);
  if (hasLongDigitRun(token)) {
    return Error{"referral.token_unusable", "这组随机数生成的编码不能放进链接，请重新生成",
                 "/randomHex"};
  }
  return ChannelToken{token, groupForReading(token), channel};
}

Result<ChannelToken> readChannelToken(std::string_view text) {
  // The referral codes' forgiving reading (case, O/I/L, separators, full width),
  // then the token's own shape: its length, its kind symbol, its check symbol.
  if (text.empty() || text.size() > 128) return kBadToken;
  std::string symbols;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    char u = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 0x20) : c;
    if (u == 'O') u = '0';
    if (u == 'I' || u == 'L') u = '1';
    if (kCrockfordAlphabet.find(u) == std::string_view::npos) return kBadToken;
    symbols += u;
  }
  if (symbols.size() != kChannelTokenLength) return kBadToken;
  const ChannelInfo* info = infoOfKind(symbols[0]);
  if (info == nullptr) return kBadToken;
  if (referralCheckSymbol(std::string_view(symbols).substr(0, kChannelTokenLength - 1)) !=
      symbols.back()) {
    return kBadToken;
  }
  return ChannelToken{symbols, groupForReading(symbols), info->channel};
}

Result<bool> mayIssueDischargeCard(std::int64_t nowMs, std::int64_t dischargedAtMs,
                                   std::int64_t cardsAlreadyIssued) {
  if (dischargedAtMs > nowMs) {
    return Error{"referral.card_before_discharge", "感恩卡在出院后才能发放，请在患者出院后再发",
                 "/dischargedAtMs"};
  }
  if (nowMs - dischargedAtMs > kCardIssueWindowDays * kDayMs) {
    return Error{"referral.card_discharge_too_old", "感恩卡须在出院后30天内发放",
                 "/dischargedAtMs"};
  }
  if (cardsAlreadyIssued > 0) {
    return Error{"referral.card_already_issued", "这次出院已经发过感恩卡了，每次出院只发一张",
                 "/cardsAlreadyIssued"};
  }
  return true;
}

std::string makeChannelTokenJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    std::string name;
    json_io::readString(j, "channel", "", 64, name, true);
    const std::optional<ReferralChannel> channel = channelFromName(name);
    if (!channel) json_io::fail("referral.bad_channel", "没有这种推荐渠道", "/channel");
    if (*channel == ReferralChannel::DischargeCard) {
      json_io::rejectUnknownKeys(j, "", {"channel", "randomHex", "linkBase", "nowMs",
                                         "dischargedAtMs", "cardsAlreadyIssued"});
      std::int64_t nowMs = 0;
      std::int64_t dischargedAtMs = 0;
      std::int64_t already = 0;
      constexpr std::int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31
      json_io::readInt(j, "nowMs", "", 0, kMaxMs, nowMs, true);
      json_io::readInt(j, "dischargedAtMs", "", 0, kMaxMs, dischargedAtMs, true);
      json_io::readInt(j, "cardsAlreadyIssued", "", 0, 1'000'000, already, true);
      Result<bool> may = mayIssueDischargeCard(nowMs, dischargedAtMs, already);
      if (!may.ok()) throw json_io::InputError{may.error()};
    } else {
      json_io::rejectUnknownKeys(j, "", {"channel", "randomHex", "linkBase"});
    }
    std::string hex;
    json_io::readString(j, "randomHex", "", 256, hex, true);
    std::vector<std::uint8_t> bytes;
    if (hex.size() % 2 != 0) {
      json_io::fail("referral.weak_random", "随机数应为偶数个十六进制字符（0-9、a-f）", "/randomHex");
    }
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      if (hexValue(hex[i]) < 0 || hexValue(hex[i + 1]) < 0) {
        json_io::fail("referral.weak_random", "随机数应为偶数个十六进制字符（0-9、a-f）",
                      "/randomHex");
      }
      bytes.push_back(static_cast<std::uint8_t>(hexValue(hex[i]) * 16 + hexValue(hex[i + 1])));
    }
    Result<ChannelToken> token = makeChannelToken(*channel, bytes);
    if (!token.ok()) throw json_io::InputError{token.error()};
    Json reply = {{"token", token.value().token},
                  {"display", token.value().display},
                  {"channel", std::string(channelName(*channel))},
                  {"template", letterTemplateOf(*channel).empty()
                                   ? Json(nullptr)
                                   : Json(std::string(letterTemplateOf(*channel)))},
                  {"linkBase", nullptr}};
    std::string linkBase;
    json_io::readString(j, "linkBase", "", 1024, linkBase);
    if (!linkBase.empty()) {
      // <joinUrl>?…c= becomes <joinUrl>?…t=<token>&c=: the code stays last.
      const bool queryForm = linkBase.size() > 2 && linkBase.ends_with("c=") &&
                             (linkBase[linkBase.size() - 3] == '?' || linkBase[linkBase.size() - 3] == '&');
      if (!queryForm) {
        json_io::fail("poster.bad_link", "推荐链接须以 ?c= 或 &c= 结尾，才能带上推荐函或感恩卡的编码",
                      "/linkBase");
      }
      const std::string withToken =
          linkBase.substr(0, linkBase.size() - 2) + "t=" + token.value().token + "&c=";
      Result<ReferralCode> sample = checkReferralCode("7YD0RMEJX1XM6");
      Result<std::string> checked = referralQrPayload(sample.value(), withToken);
      if (!checked.ok()) throw json_io::InputError{checked.error()};
      reply["linkBase"] = withToken;
    }
    return reply;
  });
}

std::string checkChannelClaimJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"code", "channel", "token", "issued"});
    std::string typedCode;
    json_io::readString(j, "code", "", 4096, typedCode, true);
    Result<ReferralCode> code = checkReferralCode(typedCode);
    if (!code.ok()) throw json_io::InputError{Error{code.error().code, code.error().message, "/code"}};
    std::string name;
    json_io::readString(j, "channel", "", 64, name, true);
    const std::optional<ReferralChannel> channel = channelFromName(name);
    if (!channel) {
      json_io::fail("referral.bad_channel", "推荐渠道不正确：只能是填写推荐码、链接、推荐函或感恩卡",
                    "/channel");
    }
    std::string tokenText;
    const bool hasToken = json_io::readString(j, "token", "", 128, tokenText) && !tokenText.empty();
    Json reply = {{"channel", std::string(channelName(*channel))},
                  {"template", letterTemplateOf(*channel).empty()
                                   ? Json(nullptr)
                                   : Json(std::string(letterTemplateOf(*channel)))},
                  {"token", nullptr},
                  {"spendsToken", false},
                  {"verified", true}};
    if (!channelNeedsToken(*channel)) {
      // A typed code or a plain link proves nothing more, and needs nothing more.
      if (hasToken) {
        json_io::fail("referral.channel_mismatch",
                      "推荐函或感恩卡的编码只能随它自己的二维码登记，请重新扫描二维码", "/token");
      }
      if (j.contains("issued")) json_io::fail("input.unknown_field", "未知字段：issued", "/issued");
      return reply;
    }
    if (!hasToken) {
      json_io::fail("referral.channel_needs_token",
                    "推荐函和感恩卡须扫描上面的二维码登记；也可以直接填写推荐码", "/channel");
    }
    Result<ChannelToken> token = readChannelToken(tokenText);
    if (!token.ok()) throw json_io::InputError{token.error()};
    if (token.value().channel != *channel) {
      json_io::fail("referral.token_wrong_channel", "这个编码不属于这种推荐函或感恩卡，请重新扫描二维码",
                    "/token");
    }
    reply["token"] = token.value().token;
    reply["spendsToken"] = *channel == ReferralChannel::DischargeCard;
    if (!j.contains("issued")) {
      // Read only: the caller looks the canonical token up and asks again with it.
      reply["verified"] = false;
      return reply;
    }
    const Json& issued = j.at("issued");
    if (issued.is_null()) {
      json_io::fail("referral.unknown_token", "没有找到这份推荐函或感恩卡，请核对后重新扫描", "/token");
    }
    json_io::requireObject(issued, "/issued");
    json_io::rejectUnknownKeys(issued, "/issued", {"token", "channel", "code", "usedByReferralId"});
    std::string issuedToken;
    std::string issuedChannel;
    std::string issuedCode;
    std::string usedBy;
    json_io::readString(issued, "token", "/issued", 64, issuedToken, true);
    json_io::readString(issued, "channel", "/issued", 64, issuedChannel, true);
    json_io::readString(issued, "code", "/issued", 64, issuedCode, true);
    if (issued.contains("usedByReferralId") && !issued.at("usedByReferralId").is_null()) {
      json_io::readString(issued, "usedByReferralId", "/issued", 128, usedBy);
    }
    if (issuedToken != token.value().token) {
      json_io::fail("referral.unknown_token", "没有找到这份推荐函或感恩卡，请核对后重新扫描", "/token");
    }
    if (issuedChannel != channelName(*channel)) {
      json_io::fail("referral.token_wrong_channel", "这个编码不属于这种推荐函或感恩卡，请重新扫描二维码",
                    "/token");
    }
    Result<ReferralCode> owner = checkReferralCode(issuedCode);
    if (!owner.ok() || owner.value().code != code.value().code) {
      json_io::fail("referral.token_other_code", "推荐码与推荐函或感恩卡上的不一致，请重新扫描二维码",
                    "/code");
    }
    if (*channel == ReferralChannel::DischargeCard && !usedBy.empty()) {
      json_io::fail("referral.card_used", "这张感恩卡的卡号已经有朋友用过了，每张卡只能登记一位朋友",
                    "/token");
    }
    return reply;
  });
}

}  // namespace carecircle
