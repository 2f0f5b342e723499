// Referral channels and their tokens: each rule at its boundary
// (core/referral/channel_token.hpp). The golden fixtures in
// tests/fixtures/referral/{makeChannelToken,checkChannelClaim}/ pin the replies.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "referral/channel_token.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kDay = 86'400'000;

std::vector<std::uint8_t> bytesFrom(std::uint64_t seed) {
  std::vector<std::uint8_t> out(10);
  for (std::size_t i = 0; i < out.size(); ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    out[i] = static_cast<std::uint8_t>(seed >> 56);
  }
  return out;
}

json call(std::string (*fn)(std::string_view), const json& request) {
  return json::parse(fn(request.dump()));
}

std::string errorCode(const json& envelope) {
  return envelope.at("ok").get<bool>() ? std::string("ok") : envelope.at("error").at("code").get<std::string>();
}

TEST(ChannelToken, EveryChannelHasItsNameAndOnlyLettersAndTheCardNeedAToken) {
  const std::array<std::pair<ReferralChannel, bool>, 6> all{{{ReferralChannel::Code, false},
                                                            {ReferralChannel::Link, false},
                                                            {ReferralChannel::LetterHonour, true},
                                                            {ReferralChannel::LetterBenefit, true},
                                                            {ReferralChannel::LetterPrivilege, true},
                                                            {ReferralChannel::DischargeCard, true}}};
  for (const auto& [channel, needs] : all) {
    EXPECT_EQ(channelFromName(channelName(channel)), channel);
    EXPECT_EQ(channelNeedsToken(channel), needs) << channelName(channel);
  }
  // The 黑金推荐函 is the channel the seed's letter campaigns name.
  EXPECT_EQ(channelName(ReferralChannel::LetterPrivilege), "letter");
  EXPECT_EQ(letterTemplateOf(ReferralChannel::LetterPrivilege), "privilege");
  EXPECT_EQ(letterTemplateOf(ReferralChannel::DischargeCard), "");
  EXPECT_FALSE(channelFromName("Letter").has_value());
  EXPECT_FALSE(channelFromName("").has_value());
}

TEST(ChannelToken, MadeTokensReadBackOnTheirOwnChannel) {
  int made = 0;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    for (ReferralChannel channel : {ReferralChannel::LetterHonour, ReferralChannel::LetterBenefit,
                                    ReferralChannel::LetterPrivilege, ReferralChannel::DischargeCard}) {
      Result<ChannelToken> token = makeChannelToken(channel, bytesFrom(seed));
      if (!token.ok()) {
        EXPECT_EQ(token.error().code, "referral.token_unusable");
        continue;
      }
      ++made;
      ASSERT_EQ(token.value().token.size(), kChannelTokenLength);
      Result<ChannelToken> back = readChannelToken(token.value().display);
      ASSERT_TRUE(back.ok()) << token.value().display;
      EXPECT_EQ(back.value().token, token.value().token);
      EXPECT_EQ(back.value().channel, channel);
    }
  }
  EXPECT_GT(made, 7900);
}

TEST(ChannelToken, EverySingleSymbolChangeAndAdjacentSwapIsRefused) {
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  Result<ChannelToken> made = makeChannelToken(ReferralChannel::DischargeCard, bytesFrom(42));
  ASSERT_TRUE(made.ok());
  const std::string token = made.value().token;
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char c : alphabet) {
      if (c == token[i]) continue;
      std::string changed = token;
      changed[i] = c;
      Result<ChannelToken> read = readChannelToken(changed);
      // A changed kind symbol may name another channel: still a different, refused token.
      if (read.ok()) ADD_FAILURE() << "accepted " << changed;
    }
    if (i + 1 < token.size() && token[i] != token[i + 1]) {
      std::string swapped = token;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(readChannelToken(swapped).ok()) << swapped;
    }
  }
  EXPECT_FALSE(readChannelToken(token.substr(0, 16)).ok());
  EXPECT_FALSE(readChannelToken(token + "0").ok());
  EXPECT_FALSE(readChannelToken("").ok());
}

TEST(ChannelToken, RandomnessAtItsBoundary) {
  std::vector<std::uint8_t> nine = bytesFrom(7);
  nine.resize(9);
  EXPECT_EQ(makeChannelToken(ReferralChannel::LetterPrivilege, nine).error().code, "referral.weak_random");
  EXPECT_TRUE(makeChannelToken(ReferralChannel::LetterPrivilege, bytesFrom(7)).ok());
  const std::vector<std::uint8_t> same(10, 0xAB);
  EXPECT_EQ(makeChannelToken(ReferralChannel::LetterPrivilege, same).error().code, "referral.weak_random");
  EXPECT_EQ(makeChannelToken(ReferralChannel::Code, bytesFrom(7)).error().code, "referral.bad_channel");
}

TEST(ChannelToken, NoTokenHoldsSevenDigitsInARow) {
  // 6 zero symbols after the kind symbol, then a 1: a run of 7 digits is refused; 6 are fine.
  std::vector<std::uint8_t> seven(10, 0);
  seven[4] = 0x10;  // bits 35.. → symbol 7 (0-based 7th random symbol) becomes non-zero later
  seven[9] = 0xFF;
  Result<ChannelToken> run = makeChannelToken(ReferralChannel::LetterPrivilege, seven);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, "referral.token_unusable");
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    Result<ChannelToken> t = makeChannelToken(ReferralChannel::LetterHonour, bytesFrom(seed));
    if (!t.ok()) continue;
    int digits = 0;
    for (char c : t.value().token) {
      digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
      ASSERT_LT(digits, 7) << t.value().token;
    }
  }
}

TEST(ChannelToken, CardOnlyAfterDischargeWithinThirtyDaysOncePerDischarge) {
  EXPECT_TRUE(mayIssueDischargeCard(kNow, kNow, 0).ok());
  EXPECT_EQ(mayIssueDischargeCard(kNow, kNow + 1, 0).error().code, "referral.card_before_discharge");
  EXPECT_TRUE(mayIssueDischargeCard(kNow, kNow - 30 * kDay, 0).ok());
  EXPECT_EQ(mayIssueDischargeCard(kNow, kNow - 30 * kDay - 1, 0).error().code, "referral.card_discharge_too_old");
  EXPECT_EQ(mayIssueDischargeCard(kNow, kNow - 1, 1).error().code, "referral.card_already_issued");
  EXPECT_TRUE(mayIssueDischargeCard(kNow, kNow - 1, 0).ok());
}

TEST(ChannelToken, ClaimsAreRecordedOnlyOnTheChannelTheTokenProves) {
  const std::string code = "041061050R3GM";
  Result<ChannelToken> card = makeChannelToken(ReferralChannel::DischargeCard, bytesFrom(9));
  Result<ChannelToken> letter = makeChannelToken(ReferralChannel::LetterPrivilege, bytesFrom(9));
  ASSERT_TRUE(card.ok());
  ASSERT_TRUE(letter.ok());
  const json cardIssued = {{"token", card.value().token}, {"channel", "dischargeCard"}, {"code", code}};
  // A forged channel without a token, and a token claimed on another channel.
  EXPECT_EQ(errorCode(call(checkChannelClaimJson, {{"code", code}, {"channel", "dischargeCard"}})),
            "referral.channel_needs_token");
  EXPECT_EQ(errorCode(call(checkChannelClaimJson, {{"code", code}, {"channel", "letter"}, {"token", card.value().token}})),
            "referral.token_wrong_channel");
  EXPECT_EQ(errorCode(call(checkChannelClaimJson, {{"code", code}, {"channel", "code"}, {"token", card.value().token}})),
            "referral.channel_mismatch");
  // The server's record decides: unknown, other code, spent.
  EXPECT_EQ(errorCode(call(checkChannelClaimJson,
                           {{"code", code}, {"channel", "dischargeCard"}, {"token", card.value().token}, {"issued", nullptr}})),
            "referral.unknown_token");
  json other = cardIssued;
  other["code"] = "2491650N2RBHC";
  EXPECT_EQ(errorCode(call(checkChannelClaimJson,
                           {{"code", code}, {"channel", "dischargeCard"}, {"token", card.value().token}, {"issued", other}})),
            "referral.token_other_code");
  json spent = cardIssued;
  spent["usedByReferralId"] = "rf-x";
  EXPECT_EQ(errorCode(call(checkChannelClaimJson,
                           {{"code", code}, {"channel", "dischargeCard"}, {"token", card.value().token}, {"issued", spent}})),
            "referral.card_used");
  json unspent = cardIssued;
  unspent["usedByReferralId"] = nullptr;
  const json first = call(checkChannelClaimJson,
                          {{"code", code}, {"channel", "dischargeCard"}, {"token", card.value().token}, {"issued", unspent}});
  ASSERT_EQ(errorCode(first), "ok");
  EXPECT_EQ(first["value"]["channel"], "dischargeCard");
  EXPECT_EQ(first["value"]["spendsToken"], true);
  EXPECT_EQ(first["value"]["verified"], true);
  // A letter is shown to many friends: a join before does not spend it.
  const json letterIssued = {{"token", letter.value().token}, {"channel", "letter"}, {"code", code}, {"usedByReferralId", "rf-y"}};
  const json again = call(checkChannelClaimJson,
                          {{"code", code}, {"channel", "letter"}, {"token", letter.value().token}, {"issued", letterIssued}});
  ASSERT_EQ(errorCode(again), "ok");
  EXPECT_EQ(again["value"]["template"], "privilege");
  EXPECT_EQ(again["value"]["spendsToken"], false);
}

TEST(ChannelToken, TheLinkCarriesTheTokenBeforeTheCode) {
  const json reply = call(makeChannelTokenJson, {{"channel", "letter"},
                                                 {"randomHex", "a1b2c3d4e5f60718293a"},
                                                 {"linkBase", "https://h.example.cn/join?c="}});
  ASSERT_EQ(errorCode(reply), "ok");
  EXPECT_EQ(reply["value"]["linkBase"], "https://h.example.cn/join?t=" + reply["value"]["token"].get<std::string>() + "&c=");
  EXPECT_EQ(errorCode(call(makeChannelTokenJson, {{"channel", "letter"},
                                                  {"randomHex", "a1b2c3d4e5f60718293a"},
                                                  {"linkBase", "https://h.example.cn/join?xc="}})),
            "poster.bad_link");
}

}  // namespace
}  // namespace carecircle
