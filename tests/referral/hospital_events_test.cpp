// The hospital desk's one row check (checkHospitalEvents): what the server's
// hand entry, CSV import and signed webhook and the offline demo all ask
// before writing a hospital event — and hostile batches.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "referral/hospital_events.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kNow = 1796608800000;  // 2026-12-07 10:00 in Beijing

json request(json rows, json extra = json::object()) {
  json r = {{"nowMs", kNow},
            {"recordedBy", "staff-1"},
            {"referrals", json::array({{{"id", "r-1"}, {"patientId", "p-1"}},
                                       {{"id", "r-2"}, {"patientId", "p-2"},
                                        {"steps", {{"arrivalConfirmed", kNow - 2 * kDay}}}}})},
            {"rows", std::move(rows)}};
  for (auto& [k, v] : extra.items()) r[k] = v;
  return r;
}

json check(const json& r) {
  return json::parse(checkHospitalEventsJson(r.dump()));
}

json one(json row, json extra = json::object()) {
  const json reply = check(request(json::array({std::move(row)}), std::move(extra)));
  EXPECT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  return reply["value"]["rows"][0];
}

TEST(HospitalEvents, StepWordsAndStoredNames) {
  EXPECT_EQ(hospitalStepOf("arrivalConfirmed"), HospitalStep::kArrival);
  EXPECT_EQ(hospitalStepOf(" Arrival_Confirmed "), HospitalStep::kArrival);
  EXPECT_EQ(hospitalStepOf("到诊"), HospitalStep::kArrival);
  EXPECT_EQ(hospitalStepOf("住院"), HospitalStep::kAdmission);
  EXPECT_EQ(hospitalStepOf("完成\xE3\x80\x80就诊"), HospitalStep::kConversion);  // an ideographic space
  EXPECT_EQ(hospitalStepOf("出院"), HospitalStep::kDischarge);
  EXPECT_EQ(hospitalStepOf("COMPLAINT"), HospitalStep::kComplaint);
  EXPECT_FALSE(hospitalStepOf("挂号费"));
  EXPECT_FALSE(hospitalStepOf(""));
  EXPECT_FALSE(hospitalStepOf("arrivalconfirmedx"));
}

TEST(HospitalEvents, TimeTextInTheProgrammesZoneOrItsOwn) {
  const std::int64_t nine30 = 1796520600000;  // 2026-12-06 09:30 +08:00
  EXPECT_EQ(parseHospitalEventTime("2026-12-06 09:30", 480), nine30);
  EXPECT_EQ(parseHospitalEventTime(" 2026/12/6 9:30 ", 480), nine30);
  EXPECT_EQ(parseHospitalEventTime("2026-12-06T01:30:00Z", 480), nine30);
  EXPECT_EQ(parseHospitalEventTime("2026-12-06 09:30 +0800", 0), nine30);
  EXPECT_EQ(parseHospitalEventTime("2026-12-05 20:30-05:00", 480), nine30);
  EXPECT_EQ(parseHospitalEventTime("2026-12-06", 480), nine30 - 9 * kHour - 30 * 60'000);
  EXPECT_EQ(parseHospitalEventTime("2028-02-29 00:00", 0), 1835395200000);
  for (const char* bad : {"", "下周二", "2026-02-30 09:00", "2026-13-01", "2026-12-06 24:00", "2026-12-06 09:60",
                          "2026-12-06 9:5", "26-12-06", "2026-12-06 09:30 +15:00", "2026-12-06 09:30 +08:60",
                          "2026-12-06 09:30Z1", "2026-12-06T", "1795399200000"}) {
    EXPECT_FALSE(parseHospitalEventTime(bad, 480)) << bad;
  }
}

TEST(HospitalEvents, ApplyUntilTheBoundsToTheMillisecond) {
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "到院"}, {"atMs", kNow + 60'000}})["outcome"], "apply");
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "到院"}, {"atMs", kNow + 60'001}})["code"], "event.future_time");
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "到院"}, {"atMs", kNow - 7 * kDay}})["outcome"], "apply");
  const json old = one({{"patientId", "p-1"}, {"event", "到院"}, {"atMs", kNow - 7 * kDay - 1}});
  EXPECT_EQ(old["code"], "referral.event_too_old");
  EXPECT_EQ(old["reason"], "只能补录7天内的事件（奖励按事件时间计算）");
  EXPECT_EQ(old["path"], "/rows/0/atMs");
  // The bound is the caller's: 3 days.
  const json three = one({{"patientId", "p-1"}, {"event", "到院"}, {"atMs", kNow - 3 * kDay - 1}}, {{"backdateDays", 3}});
  EXPECT_EQ(three["reason"], "只能补录3天内的事件（奖励按事件时间计算）");
}

TEST(HospitalEvents, ReferralByIdDecidesOverPatient) {
  const json byId = one({{"referralId", "r-2"}, {"patientId", "p-1"}, {"event", "建档"}, {"atMs", kNow}});
  EXPECT_EQ(byId["referralId"], "r-2");
  const json unknown = one({{"referralId", "r-9"}, {"patientId", "p-1"}, {"event", "建档"}, {"atMs", kNow}});
  EXPECT_EQ(unknown["code"], "referral.unknown");
  EXPECT_EQ(unknown["path"], "/rows/0/referralId");
  EXPECT_FALSE(unknown.contains("referralId"));
  EXPECT_EQ(one({{"patientId", "p-9"}, {"event", "建档"}, {"atMs", kNow}})["path"], "/rows/0/patientId");
  EXPECT_EQ(one({{"event", "建档"}, {"atMs", kNow}})["code"], "event.missing_patient");
}

TEST(HospitalEvents, RecordedStepsAndEarlierRowsLeaveItUnchanged) {
  const json reply = check(request(json::array({
      {{"patientId", "p-2"}, {"event", "到院"}, {"atMs", kNow}},
      {{"patientId", "p-1"}, {"event", "出院"}, {"atMs", kNow - kHour}},
      {{"referralId", "r-1"}, {"event", "dischargeConfirmed"}, {"atMs", kNow}},
      {{"patientId", "p-1"}, {"event", "入院"}, {"atMs", kNow}},
  })));
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  const json& rows = reply["value"]["rows"];
  EXPECT_EQ(rows[0]["outcome"], "unchanged");
  EXPECT_EQ(rows[0]["atMs"], kNow - 2 * kDay);  // the recorded instant, not the row's
  EXPECT_EQ(rows[1]["outcome"], "apply");
  EXPECT_EQ(rows[2]["outcome"], "unchanged");
  EXPECT_EQ(rows[2]["atMs"], kNow - kHour);  // the batch's first row for the step
  EXPECT_EQ(rows[3]["outcome"], "apply");    // another step of the same referral
  EXPECT_EQ(reply["value"]["counts"], (json{{"apply", 2}, {"unchanged", 2}, {"refused", 0}}));
}

TEST(HospitalEvents, ChecksInOrderOneReasonPerRow) {
  // Wrong cells first, then who, then what, then when.
  EXPECT_EQ(one({{"patientId", "p-9"}, {"event", "x"}, {"atText", "x"}, {"columns", 2}, {"expected", 3}})["code"],
            "csv.wrong_columns");
  EXPECT_EQ(one({{"patientId", "p-9"}, {"event", "x"}, {"atText", "x"}})["code"], "referral.unknown");
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "x"}, {"atText", "x"}})["code"], "event.unknown_step");
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "建档"}, {"atText", "x"}})["code"], "event.bad_time");
  EXPECT_EQ(one({{"patientId", "p-1"}, {"event", "建档"}, {"atMs", -5}})["code"], "event.bad_time");
  // A long cell is echoed to 64 characters, never cut inside a character.
  std::string longStep;
  for (int i = 0; i < 100; ++i) longStep += "挂";
  const std::string reason = one({{"patientId", "p-1"}, {"event", longStep}, {"atMs", kNow}})["reason"];
  EXPECT_NE(reason.find(std::string(longStep, 0, 64 * 3) + "”"), std::string::npos);
  EXPECT_EQ(reason.find(std::string(longStep, 0, 65 * 3)), std::string::npos);
}

TEST(HospitalEvents, HostileBatchesAreRefusedWhole) {
  auto code = [](const json& r) { return check(r)["error"]["code"].get<std::string>(); };
  EXPECT_EQ(code(request(json::array(), {{"recordedBy", " \t"}})), "referral.bad_recorder");
  EXPECT_EQ(code(request(json::array(), {{"backdateDays", 91}})), "referral.bad_config");
  EXPECT_EQ(code(request(json::array(), {{"utcOffsetMinutes", 900}})), "referral.bad_config");
  EXPECT_EQ(code(request(json::array(), {{"nowMs", 0}})), "referral.bad_now");
  EXPECT_EQ(code(request(json::array({{{"event", json::array()}}}))), "input.wrong_type");
  EXPECT_EQ(code(request(json::array({{{"atMs", 1.5}}}))), "input.wrong_type");
  EXPECT_EQ(code(request(json::array({{{"atMs", 9007199254740992.0}}}))), "input.wrong_type");
  EXPECT_EQ(code(request(json::array({{{"columns", -1}}}))), "input.out_of_range");
  json tooMany = json::array();
  for (int i = 0; i < 10'001; ++i) tooMany.push_back(json::object());
  EXPECT_EQ(check(request(tooMany))["ok"], false);
  json steps = request(json::array());
  steps["referrals"][0]["steps"] = {{"complaint", -1}};
  EXPECT_EQ(code(steps), "input.out_of_range");
  EXPECT_EQ(json::parse(checkHospitalEventsJson("[]"))["error"]["code"], "input.wrong_type");
  EXPECT_EQ(json::parse(checkHospitalEventsJson(std::string(100, '[')))["ok"], false);
  EXPECT_EQ(json::parse(checkHospitalEventsJson("{\"nowMs\":\xff}"))["error"]["code"], "input.bad_json");
}

TEST(HospitalEvents, EveryRowGetsAVerdictAtScale) {
  json rows = json::array();
  for (int i = 0; i < 10'000; ++i) rows.push_back({{"patientId", i % 2 ? "p-1" : "p-2"}, {"event", "建档"}, {"atMs", kNow - i}});
  const json reply = check(request(rows));
  ASSERT_TRUE(reply["ok"].get<bool>());
  EXPECT_EQ(reply["value"]["rows"].size(), 10'000u);
  EXPECT_EQ(reply["value"]["counts"], (json{{"apply", 2}, {"unchanged", 9'998}, {"refused", 0}}));
}

}  // namespace
}  // namespace carecircle
