// The thank-you card's card number (卡号): the discharge card's channel token
// that its QR link carries (`t=`), printed under the foil beside the referral
// code so that a friend without a camera can type both; no number without a
// token; a letter's token or a malformed one on a card is refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/qr_native.hpp"
#include "poster/poster.hpp"
#include "referral/channel_token.hpp"

namespace carecircle {
namespace {

PosterRequest card(const std::string& linkBase) {
  PosterRequest r;
  r.templ = PosterTemplate::kThankYouCard;
  r.name = "李晓芳";
  r.friendBenefit = "亲友住院可减免一天床位费";
  r.code = checkReferralCode("7YD0-RMEJ-X1XM6").value();
  r.linkBase = linkBase;
  return r;
}

std::vector<TextOp> texts(const Scene& s) {
  std::vector<TextOp> out;
  for (const DrawOp& op : s.ops) {
    if (const auto* t = std::get_if<TextOp>(&op)) out.push_back(*t);
  }
  return out;
}

TEST(PosterCardNumber, TheCardPrintsItsTokenUnderTheFoilAndTheQrCarriesTheSame) {
  // The fixture token of makeChannelToken (card_at_discharge_moment).
  Result<Scene> s = layoutPoster(card("https://h.example.cn/join?t=DM6SC7N75YR3HGA9D&c="), nayukiQrEncoder());
  ASSERT_TRUE(s.ok()) << s.error().code;
  const Scene& scene = s.value();
  ASSERT_TRUE(scene.scratch.has_value());
  const ScratchRegion& foil = *scene.scratch;
  bool number = false;
  bool label = false;
  bool code = false;
  for (const TextOp& t : texts(scene)) {
    const bool inside = t.x >= foil.x && t.y > foil.y && t.y < foil.y + foil.h;
    if (t.text == "DM6S-C7N7-5YR3-HGA9D") number = inside;
    if (t.text == "卡号") label = inside;
    if (t.text == "7YD0-RMEJ-X1XM6") code = inside;
  }
  EXPECT_TRUE(number) << "the card number, grouped as the core displays it, under the foil";
  EXPECT_TRUE(label);
  EXPECT_TRUE(code);
  EXPECT_EQ(scene.qrPayload, "https://h.example.cn/join?t=DM6SC7N75YR3HGA9D&c=7YD0RMEJX1XM6");
  // What is printed reads back as the same discharge-card token.
  Result<ChannelToken> read = readChannelToken("DM6S-C7N7-5YR3-HGA9D");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value().channel, ReferralChannel::DischargeCard);
  EXPECT_EQ(read.value().token, "DM6SC7N75YR3HGA9D");
}

TEST(PosterCardNumber, NoTokenNoNumber) {
  Result<Scene> s = layoutPoster(card("https://h.example.cn/join?c="), nayukiQrEncoder());
  ASSERT_TRUE(s.ok()) << s.error().code;
  for (const TextOp& t : texts(s.value())) EXPECT_NE(t.text, "卡号");
}

TEST(PosterCardNumber, ALettersTokenOrAMistypedOneOnACardIsRefused) {
  Result<Scene> letter = layoutPoster(card("https://h.example.cn/join?t=HM6SC7N75YR3HGA94&c="), nayukiQrEncoder());
  ASSERT_FALSE(letter.ok());
  EXPECT_EQ(letter.error().code, "referral.token_wrong_channel");
  EXPECT_EQ(letter.error().path, "/referral/linkBase");
  // One symbol changed: the check symbol catches it.
  Result<Scene> typo = layoutPoster(card("https://h.example.cn/join?t=DM6SC7N75YR3HGA8D&c="), nayukiQrEncoder());
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, "referral.bad_token");
  // A letter's link may carry a token of its own: only the card prints one.
  PosterRequest honour = card("https://h.example.cn/join?t=HM6SC7N75YR3HGA94&c=");
  honour.templ = PosterTemplate::kReferralHonour;
  Result<Scene> h = layoutPoster(honour, nayukiQrEncoder());
  ASSERT_TRUE(h.ok()) << h.error().code;
  for (const TextOp& t : texts(h.value())) EXPECT_NE(t.text, "卡号");
}

}  // namespace
}  // namespace carecircle
