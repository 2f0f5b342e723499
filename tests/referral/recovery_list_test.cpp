// The staff's recovery list (recoveryListJson): exactly the lapsed referrals
// the forest keeps, with the held offer's end — the same day the consenting
// referrer's own lapse notice names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "referral/referral_json.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1796000000000;  // 2026-12-09T21:33:20Z
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

json records() {
  return json::array({
      {{"id", "r-lapsed"}, {"referrerId", "p-wang"}, {"refereeId", "p-li"}, {"invitedAtMs", kNow - 10 * kDay},
       {"registeredAtMs", kNow - 5 * kDay}, {"consentToShareProgress", true}},
      {{"id", "r-edge"}, {"referrerId", "p-wang"}, {"refereeId", "p-zhao"}, {"invitedAtMs", kNow - 10 * kDay},
       {"registeredAtMs", kNow - 48 * kHour}},
      {{"id", "r-fresh"}, {"referrerId", "p-wang"}, {"refereeId", "p-sun"}, {"invitedAtMs", kNow - 10 * kDay},
       {"registeredAtMs", kNow - 48 * kHour + 1}},
      {{"id", "r-converted"}, {"referrerId", "p-wang"}, {"refereeId", "p-wu"}, {"invitedAtMs", kNow - 10 * kDay},
       {"arrivedAtMs", kNow - 9 * kDay}, {"convertedAtMs", kNow - 9 * kDay + kHour}},
      {{"id", "r-complaint"}, {"referrerId", "p-wang"}, {"refereeId", "p-zhou"}, {"invitedAtMs", kNow - 10 * kDay},
       {"voidedAtMs", kNow - 8 * kDay}},
  });
}

TEST(RecoveryList, ExactlyTheLapsedReferralsFromTheMomentOf48Hours) {
  const json reply = json::parse(recoveryListJson(json{{"nowMs", kNow}, {"records", records()}}.dump()));
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  std::set<std::string> ids;
  for (const json& item : reply["value"]["items"]) ids.insert(item["recordId"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"r-lapsed", "r-edge"}));  // 48 h to the millisecond lapses; 1 ms less does not
  EXPECT_EQ(reply["value"]["count"], 2);
  const json& edge = reply["value"]["items"][0];  // the most recent lapse first
  EXPECT_EQ(edge["recordId"], "r-edge");
  EXPECT_EQ(edge["lapsedAtMs"], kNow);
  EXPECT_EQ(edge["heldUntilMs"], kNow + 30 * kDay);
  EXPECT_EQ(edge["lastStep"], "registered");
  EXPECT_TRUE(edge["offerHeld"].get<bool>());
}

TEST(RecoveryList, HeldUntilIsTheDayThePatientsLapseNoticeNames) {
  const json patients = json::array({{{"id", "p-wang"}, {"name", "王建国"}}, {{"id", "p-li"}, {"name", "李晓芳"}}});
  const json staff = json::parse(recoveryListJson(json{{"nowMs", kNow}, {"records", records()}, {"patients", patients}}.dump()));
  const json mine = json::parse(
      myReferralTreeJson(json{{"nowMs", kNow}, {"patientId", "p-wang"}, {"records", records()}, {"patients", patients}}.dump()));
  ASSERT_TRUE(staff["ok"].get<bool>() && mine["ok"].get<bool>());
  const json& item = staff["value"]["items"][1];
  ASSERT_EQ(item["recordId"], "r-lapsed");
  EXPECT_EQ(item["refereeMaskedName"], "李*芳");
  EXPECT_EQ(item["consentToShareProgress"], true);
  const std::string date = item["heldUntilDate"].get<std::string>();  // YYYY-MM-DD
  const std::string monthDay = std::to_string(std::stoi(date.substr(5, 2))) + "月" + std::to_string(std::stoi(date.substr(8, 2))) + "日";
  bool named = false;
  for (const json& e : mine["value"]["feed"]) {
    if (e["kind"] == "lapsed" && e["text"].get<std::string>().find(monthDay) != std::string::npos) named = true;
  }
  EXPECT_TRUE(named) << "the referrer's notice names " << monthDay << ": " << mine["value"]["feed"].dump();
}

TEST(RecoveryList, NeedsNowAndRefusesUnknownKeys) {
  const json noNow = json::parse(recoveryListJson(json{{"records", records()}}.dump()));
  EXPECT_EQ(noNow["error"]["code"], "input.missing_field");
  EXPECT_EQ(noNow["error"]["path"], "/nowMs");
  const json unknown = json::parse(recoveryListJson(json{{"nowMs", kNow}, {"records", records()}, {"layout", json::object()}}.dump()));
  EXPECT_EQ(unknown["error"]["code"], "input.unknown_field");
  const json badRecord = json::parse(recoveryListJson(R"({"nowMs": 1796000000000, "records": [{"id": "x"}]})"));
  EXPECT_EQ(badRecord["error"]["code"], "input.missing_field");
  EXPECT_EQ(json::parse(recoveryListJson("\xff\xfe{"))["ok"], false);
}

}  // namespace
}  // namespace carecircle
