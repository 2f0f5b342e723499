// Referral channels and their tokens (docs/api/referral.md, "Channels").
//
// A friend's join records how they came: a typed code (`code`), a shared
// link or QR (`link`), one of the three e-referral letters (`letterHonour`
// 健康大使推荐函, `letterBenefit` 成长基金推荐函, `letter` 黑金推荐函 — the
// privilege letter, the channel the seed's 黑金推荐函 campaigns name) or the
// discharge thank-you card (`dischargeCard`, 感恩卡). Campaigns of their own
// fire on the letter and card channels, so those channels are never taken on
// the client's word: the letter or card carries a token the server issued,
// and the join is recorded on that channel only when the token is one the
// server issued, for that channel and for that referral code; a card's token
// (its card number, 凭卡号可领取) is spent by the first join.
//
// A token is 17 symbols of the referral codes' alphabet: a kind symbol (H, B,
// P for the honour, benefit and privilege letters, D for the card), 15
// random symbols (75 bits, unguessable) and a Damm check symbol, shown as
// "DK3M-9QXR-A2BT-6W5Z0". Nothing personal is in it. Randomness is an input.
//
// The card is handed over at discharge (G16): never before the discharge,
// at most kCardIssueWindowDays after it, and one card per discharge.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace carecircle {

inline constexpr std::size_t kChannelTokenLength = 17;      // kind + 15 random + check
inline constexpr std::size_t kChannelTokenRandomBytes = 10; // minimum input (the first 75 bits are used)
inline constexpr std::int64_t kCardIssueWindowDays = 30;

enum class ReferralChannel { Code, Link, LetterHonour, LetterBenefit, LetterPrivilege, DischargeCard };

// "code", "link", "letterHonour", "letterBenefit", "letter", "dischargeCard".
std::string_view channelName(ReferralChannel channel);
std::optional<ReferralChannel> channelFromName(std::string_view name);
// True for the channels that need a token (the letters and the card).
bool channelNeedsToken(ReferralChannel channel);
// "honour", "benefit", "privilege" for the letters; "" otherwise.
std::string_view letterTemplateOf(ReferralChannel channel);

struct ChannelToken {
  std::string token;    // 17 canonical symbols
  std::string display;  // grouped 4-4-4-5
  ReferralChannel channel;
};

// A new token for a letter or the card from `random` (>= 10 bytes).
// Errors: referral.weak_random (too few bytes, or all equal);
// referral.bad_channel (code or link carry no token); referral.token_unusable
// (the symbols hold a run of 7 digits, which a link may not carry: draw again).
Result<ChannelToken> makeChannelToken(ReferralChannel channel, std::span<const std::uint8_t> random);

// Reads a token as printed, scanned or typed (case, O/I/L, hyphens and spaces
// forgiven). Errors: referral.bad_token.
Result<ChannelToken> readChannelToken(std::string_view text);

// The discharge card rule (G16): may a card be issued now for a discharge at
// `dischargedAtMs`, with `cardsAlreadyIssued` cards already issued for it?
// Errors: referral.card_before_discharge, referral.card_discharge_too_old,
// referral.card_already_issued.
Result<bool> mayIssueDischargeCard(std::int64_t nowMs, std::int64_t dischargedAtMs,
                                   std::int64_t cardsAlreadyIssued);

// JSON entry points.
// {"channel","randomHex","linkBase"?, "nowMs"?, "dischargedAtMs"?, "cardsAlreadyIssued"?}
//   → {"token","display","channel","template","linkBase"}
std::string makeChannelTokenJson(std::string_view requestText);
// {"code","channel","token"?,"issued"?} → {"channel","template","token","spendsToken","verified"}
std::string checkChannelClaimJson(std::string_view requestText);

}  // namespace carecircle
