#include "eligibility/eligibility_json.hpp"

#include <utility>

#include "common/json_io.hpp"
#include "eligibility/eligibility.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxTitleBytes = 256;
constexpr std::size_t kMaxTextBytes = 4096;
constexpr std::size_t kMaxCampaigns = 200;
constexpr std::size_t kMaxItems = 100;
constexpr std::size_t kMaxReferrals = 10'000;
constexpr std::size_t kMaxIssued = 10'000;
constexpr std::int64_t kMaxFen = 100'000'000'00;  // 100 million yuan
using json_io::kMaxJsonSafeInt;

template <typename Enum>
Enum readEnum(const Json& j, const char* key, const std::string& path,
              std::initializer_list<std::pair<const char*, Enum>> names, Enum fallback) {
  std::string text;
  if (!json_io::readString(j, key, path, 32, text)) return fallback;
  for (const auto& [name, value] : names) {
    if (text == name) return value;
  }
  fail("input.bad_enum", std::string("字段取值无效：") + key, childPath(path, key));
}

int readSmallInt(const Json& j, const char* key, const std::string& path, int min, int max,
                 int fallback) {
  std::int64_t n = fallback;
  json_io::readInt(j, key, path, min, max, n);
  return static_cast<int>(n);
}

DayNumber readDate(const Json& j, const char* key, const std::string& path) {
  std::string text;
  json_io::readString(j, key, path, 16, text, true);
  const auto day = parseDate(text);
  if (!day) fail("input.bad_date", "日期格式应为 YYYY-MM-DD 且为真实日期", childPath(path, key));
  return *day;
}

bool has(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

template <typename T, typename Fn>
std::vector<T> readList(const Json& j, const char* key, const std::string& path, std::size_t max,
                        Fn decode) {
  std::vector<T> out;
  if (!has(j, key)) return out;
  const std::string p = childPath(path, key);
  const Json& list = json_io::requireArray(j.at(key), p, max);
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(decode(list[i], childPath(p, i)));
  return out;
}

Reward decodeReward(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  json_io::rejectUnknownKeys(j, path,
                             {"id", "type", "title", "valueFen", "quantity", "validDays",
                              "transferable", "cashConvertible"});
  Reward r;
  json_io::readString(j, "id", path, kMaxIdBytes, r.id, true);
  r.type = readEnum<RewardType>(j, "type", path,
                                {{"voucher", RewardType::kVoucher},
                                 {"service", RewardType::kService},
                                 {"membership", RewardType::kMembership},
                                 {"medal", RewardType::kMedal},
                                 {"privilege", RewardType::kPrivilege},
                                 {"title", RewardType::kTitle},
                                 {"cash", RewardType::kCash},
                                 {"redPacket", RewardType::kRedPacket},
                                 {"balance", RewardType::kBalance},
                                 {"points", RewardType::kPoints}},
                                r.type);
  json_io::readString(j, "title", path, kMaxTitleBytes, r.title, true);
  json_io::readInt(j, "valueFen", path, -kMaxFen, kMaxFen, r.valueFen);
  r.quantity = readSmallInt(j, "quantity", path, -1000, 1000, r.quantity);
  r.validDays = readSmallInt(j, "validDays", path, -100000, 100000, r.validDays);
  json_io::readBool(j, "transferable", path, r.transferable);
  json_io::readBool(j, "cashConvertible", path, r.cashConvertible);
  return r;
}

void decodeReferralConditions(const Json& j, const std::string& path, ReferralConditions& rc) {
  json_io::requireObject(j, path);
  json_io::rejectUnknownKeys(j, path,
                             {"trigger", "refereeMustBeNew", "refereeMustBeInpatient", "channel",
                              "referrerMustBeMember", "holdDays"});
  rc.trigger = readEnum<Trigger>(j, "trigger", path,
                                 {{"registrationConfirmed", Trigger::kRegistrationConfirmed},
                                  {"arrivalConfirmed", Trigger::kArrivalConfirmed},
                                  {"conversionConfirmed", Trigger::kConversionConfirmed},
                                  {"admissionConfirmed", Trigger::kAdmissionConfirmed},
                                  {"dischargeConfirmed", Trigger::kDischargeConfirmed},
                                  {"shareToMoments", Trigger::kShareToMoments},
                                  {"shareToGroup", Trigger::kShareToGroup},
                                  {"scan", Trigger::kScan},
                                  {"click", Trigger::kClick},
                                  {"signUp", Trigger::kSignUp},
                                  {"inviteSent", Trigger::kInviteSent}},
                                 rc.trigger);
  json_io::readBool(j, "refereeMustBeNew", path, rc.refereeMustBeNew);
  json_io::readBool(j, "refereeMustBeInpatient", path, rc.refereeMustBeInpatient);
  json_io::readString(j, "channel", path, 32, rc.channel);
  json_io::readBool(j, "referrerMustBeMember", path, rc.referrerMustBeMember);
  rc.holdDays = readSmallInt(j, "holdDays", path, -100000, 100000, rc.holdDays);
}

Campaign decodeCampaign(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  json_io::rejectUnknownKeys(j, path,
                             {"id",
                              "title",
                              "description",
                              "type",
                              "status",
                              "enabled",
                              "validFrom",
                              "validTo",
                              "referral",
                              "referrerRewards",
                              "refereeRewards",
                              "tiers",
                              "releaseDayOfMonth",
                              "pools",
                              "milestoneRuleId",
                              "rewards",
                              "perPersonLimit",
                              "budgetFen",
                              "exclusiveWith",
                              "priority",
                              "rewardLevels",
                              "includeStaff",
                              "minSpendFen",
                              "requiresShareTo",
                              "selection"});
  Campaign c;
  json_io::readString(j, "id", path, kMaxIdBytes, c.id, true);
  json_io::readString(j, "title", path, kMaxTitleBytes, c.title, true);
  json_io::readString(j, "description", path, kMaxTextBytes, c.description);
  if (!has(j, "type")) fail("input.missing_field", "缺少必填字段 type", childPath(path, "type"));
  c.type = readEnum<CampaignType>(j, "type", path,
                                  {{"referralReward", CampaignType::kReferralReward},
                                   {"referralTier", CampaignType::kReferralTier},
                                   {"monthlyQuota", CampaignType::kMonthlyQuota},
                                   {"checkInMilestone", CampaignType::kCheckInMilestone}},
                                  c.type);
  c.status = readEnum<CampaignStatus>(j, "status", path,
                                      {{"draft", CampaignStatus::kDraft},
                                       {"running", CampaignStatus::kRunning},
                                       {"ended", CampaignStatus::kEnded}},
                                      c.status);
  json_io::readBool(j, "enabled", path, c.enabled);
  if (has(j, "validFrom")) {
    c.hasValidFrom = true;
    c.validFrom = readDate(j, "validFrom", path);
  }
  if (has(j, "validTo")) {
    c.hasValidTo = true;
    c.validTo = readDate(j, "validTo", path);
  }
  if (has(j, "referral"))
    decodeReferralConditions(j.at("referral"), childPath(path, "referral"), c.referral);
  c.referrerRewards = readList<Reward>(j, "referrerRewards", path, kMaxItems, decodeReward);
  c.refereeRewards = readList<Reward>(j, "refereeRewards", path, kMaxItems, decodeReward);
  c.tiers = readList<Tier>(j, "tiers", path, kMaxItems, [](const Json& t, const std::string& p) {
    json_io::requireObject(t, p);
    json_io::rejectUnknownKeys(t, p, {"id", "title", "minReferrals", "rewards"});
    Tier tier;
    json_io::readString(t, "id", p, kMaxIdBytes, tier.id, true);
    json_io::readString(t, "title", p, kMaxTitleBytes, tier.title, true);
    tier.minReferrals = readSmallInt(t, "minReferrals", p, -100000, 100000, tier.minReferrals);
    tier.rewards = readList<Reward>(t, "rewards", p, kMaxItems, decodeReward);
    return tier;
  });
  c.releaseDayOfMonth =
      readSmallInt(j, "releaseDayOfMonth", path, -1000, 1000, c.releaseDayOfMonth);
  c.pools =
      readList<QuotaPool>(j, "pools", path, kMaxItems, [](const Json& q, const std::string& p) {
        json_io::requireObject(q, p);
        json_io::rejectUnknownKeys(q, p, {"id", "size", "reward"});
        QuotaPool pool;
        json_io::readString(q, "id", p, kMaxIdBytes, pool.id, true);
        pool.size = readSmallInt(q, "size", p, -1'000'000, 1'000'000, pool.size);
        if (!has(q, "reward"))
          fail("input.missing_field", "缺少必填字段 reward", childPath(p, "reward"));
        pool.reward = decodeReward(q.at("reward"), childPath(p, "reward"));
        return pool;
      });
  json_io::readString(j, "milestoneRuleId", path, kMaxIdBytes, c.milestoneRuleId);
  c.rewards = readList<Reward>(j, "rewards", path, kMaxItems, decodeReward);
  c.perPersonLimit =
      readSmallInt(j, "perPersonLimit", path, -1'000'000, 1'000'000, c.perPersonLimit);
  json_io::readInt(j, "budgetFen", path, -kMaxFen, kMaxFen, c.budgetFen);
  c.exclusiveWith = readList<std::string>(
      j, "exclusiveWith", path, kMaxItems, [](const Json& s, const std::string& p) {
        if (!s.is_string() || s.get_ref<const std::string&>().size() > kMaxIdBytes) {
          fail("input.wrong_type", "互斥活动应为活动编号字符串", p);
        }
        return s.get<std::string>();
      });
  c.priority = readSmallInt(j, "priority", path, -1000, 1000, c.priority);
  if (has(j, "rewardLevels")) {
    c.rewardLevels =
        readList<int>(j, "rewardLevels", path, 16, [](const Json& n, const std::string& p) {
          if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > 100) {
            fail("input.out_of_range", "推荐层级应为1到100的整数", p);
          }
          return static_cast<int>(n.get<std::int64_t>());
        });
  }
  json_io::readBool(j, "includeStaff", path, c.includeStaff);
  json_io::readInt(j, "minSpendFen", path, 0, kMaxFen, c.minSpendFen);
  json_io::readString(j, "requiresShareTo", path, 32, c.requiresShareTo);
  json_io::readString(j, "selection", path, 32, c.selection);
  return c;
}

std::vector<Campaign> decodeCampaigns(const Json& j) {
  if (!has(j, "campaigns")) fail("input.missing_field", "缺少必填字段 campaigns", "/campaigns");
  return readList<Campaign>(j, "campaigns", "", kMaxCampaigns, decodeCampaign);
}

Json encodeViolations(const std::vector<Violation>& violations) {
  Json out = Json::array();
  for (const Violation& v : violations) {
    out.push_back({{"campaignId", v.campaignId},
                   {"code", v.code},
                   {"guard", v.guard},
                   {"message", v.message},
                   {"path", v.path}});
  }
  return out;
}

std::int64_t readInstant(const Json& j, const char* key, const std::string& path) {
  std::int64_t ms = 0;
  json_io::readInt(j, key, path, 0, kMaxInstantMs, ms);
  if (ms != 0 && ms < kMinInstantMs)
    fail("input.out_of_range", "时间早于2000年，无效", childPath(path, key));
  return ms;
}

// The parts of a request that describe one patient, at `path`.
void decodeCase(const Json& j, const std::string& path, PatientFacts& patient,
                std::vector<ReferralFacts>& referrals, std::vector<MilestoneFact>& milestones,
                std::vector<IssuedReward>& issued) {
  if (!has(j, "patient"))
    fail("input.missing_field", "缺少必填字段 patient", childPath(path, "patient"));
  const std::string pp = childPath(path, "patient");
  const Json& p = json_io::requireObject(j.at("patient"), pp);
  json_io::rejectUnknownKeys(p, pp, {"id", "isStaff", "isCommunityMember"});
  json_io::readString(p, "id", pp, kMaxIdBytes, patient.id, true);
  json_io::readBool(p, "isStaff", pp, patient.isStaff);
  json_io::readBool(p, "isCommunityMember", pp, patient.isCommunityMember);
  referrals = readList<ReferralFacts>(
      j, "referrals", path, kMaxReferrals, [](const Json& f, const std::string& fp) {
        json_io::requireObject(f, fp);
        json_io::rejectUnknownKeys(
            f, fp,
            {"id", "referrerId", "refereeId", "level", "channel", "refereeIsNewPatient",
             "refereeIsInpatient", "referrerIsMember", "registrationConfirmedAtMs",
             "arrivalConfirmedAtMs", "conversionConfirmedAtMs", "admissionConfirmedAtMs",
             "dischargeConfirmedAtMs", "complaintAtMs", "refereeName"});
        ReferralFacts x;
        json_io::readString(f, "id", fp, kMaxIdBytes, x.id, true);
        json_io::readString(f, "referrerId", fp, kMaxIdBytes, x.referrerId, true);
        json_io::readString(f, "refereeId", fp, kMaxIdBytes, x.refereeId, true);
        x.level = readSmallInt(f, "level", fp, 1, 1000, x.level);
        json_io::readString(f, "channel", fp, 32, x.channel);
        json_io::readBool(f, "refereeIsNewPatient", fp, x.refereeIsNewPatient);
        json_io::readBool(f, "refereeIsInpatient", fp, x.refereeIsInpatient);
        json_io::readBool(f, "referrerIsMember", fp, x.referrerIsMember);
        x.registrationConfirmedAtMs = readInstant(f, "registrationConfirmedAtMs", fp);
        x.arrivalConfirmedAtMs = readInstant(f, "arrivalConfirmedAtMs", fp);
        x.conversionConfirmedAtMs = readInstant(f, "conversionConfirmedAtMs", fp);
        x.admissionConfirmedAtMs = readInstant(f, "admissionConfirmedAtMs", fp);
        x.dischargeConfirmedAtMs = readInstant(f, "dischargeConfirmedAtMs", fp);
        x.complaintAtMs = readInstant(f, "complaintAtMs", fp);
        json_io::readString(f, "refereeName", fp, kMaxTitleBytes, x.refereeName);
        return x;
      });
  milestones = readList<MilestoneFact>(
      j, "milestones", path, kMaxIssued, [](const Json& m, const std::string& mp) {
        json_io::requireObject(m, mp);
        json_io::rejectUnknownKeys(
            m, mp,
            {"key", "ruleId", "fromDate", "toDate", "state", "rewardTitle", "rewardValueFen",
             "rangeLabel", "earnedText"});  // a streak report's milestones fit as they are
        MilestoneFact x;
        json_io::readString(m, "key", mp, kMaxIdBytes * 2, x.key, true);
        json_io::readString(m, "ruleId", mp, kMaxIdBytes, x.ruleId, true);
        return x;
      });
  issued = readList<IssuedReward>(
      j, "issued", path, kMaxIssued, [](const Json& i, const std::string& ip) {
        json_io::requireObject(i, ip);
        json_io::rejectUnknownKeys(
            i, ip, {"grantKey", "campaignId", "title", "status", "issuedAtMs", "usedAtMs"});
        IssuedReward x;
        json_io::readString(i, "grantKey", ip, kMaxIdBytes * 4, x.grantKey, true);
        json_io::readString(i, "campaignId", ip, kMaxIdBytes, x.campaignId, true);
        json_io::readString(i, "title", ip, kMaxTitleBytes, x.title);
        x.status = readEnum<IssuedStatus>(i, "status", ip,
                                          {{"issued", IssuedStatus::kIssued},
                                           {"used", IssuedStatus::kUsed},
                                           {"void", IssuedStatus::kVoid}},
                                          x.status);
        json_io::readInt(i, "issuedAtMs", ip, kMinInstantMs, kMaxInstantMs, x.issuedAtMs, true);
        x.usedAtMs = readInstant(i, "usedAtMs", ip);
        return x;
      });
}

// The parts every patient of a request shares.
template <typename Request>
void decodeShared(const Json& j, Request& r) {
  json_io::readInt(j, "nowMs", "", 0, kMaxJsonSafeInt, r.nowMs, true);
  r.utcOffsetMinutes = readSmallInt(j, "utcOffsetMinutes", "", -kMaxUtcOffsetMinutes,
                                    kMaxUtcOffsetMinutes, r.utcOffsetMinutes);
  r.campaigns = decodeCampaigns(j);
  r.counters = readList<CampaignCounter>(
      j, "counters", "", kMaxCampaigns, [](const Json& c, const std::string& cp) {
        json_io::requireObject(c, cp);
        json_io::rejectUnknownKeys(c, cp, {"campaignId", "grants", "spentFen"});
        CampaignCounter x;
        json_io::readString(c, "campaignId", cp, kMaxIdBytes, x.campaignId, true);
        x.grants = readSmallInt(c, "grants", cp, 0, 100'000'000, 0);
        json_io::readInt(c, "spentFen", cp, 0, kMaxFen, x.spentFen);
        return x;
      });
  r.pools = readList<PoolCounter>(
      j, "pools", "", kMaxCampaigns * 10, [](const Json& q, const std::string& qp) {
        json_io::requireObject(q, qp);
        json_io::rejectUnknownKeys(q, qp, {"campaignId", "poolId", "month", "used"});
        PoolCounter x;
        json_io::readString(q, "campaignId", qp, kMaxIdBytes, x.campaignId, true);
        json_io::readString(q, "poolId", qp, kMaxIdBytes, x.poolId, true);
        std::string month;
        json_io::readString(q, "month", qp, 16, month, true);
        const auto ym = parseYearMonth(month);
        if (!ym) fail("input.bad_date", "月份格式应为 YYYY-MM", childPath(qp, "month"));
        x.month = *ym;
        x.used = readSmallInt(q, "used", qp, 0, 100'000'000, 0);
        return x;
      });
}

EligibilityRequest decodeEligibility(const Json& j) {
  json_io::rejectUnknownKeys(j, "",
                             {"nowMs", "utcOffsetMinutes", "campaigns", "patient", "referrals",
                              "milestones", "streakProgress", "issued", "counters", "pools"});
  EligibilityRequest r;
  decodeShared(j, r);
  decodeCase(j, "", r.patient, r.referrals, r.milestones, r.issued);
  // The streak report's progress as it is (null when it has none).
  if (has(j, "streakProgress") && !j.at("streakProgress").is_null()) {
    const Json& p = json_io::requireObject(j.at("streakProgress"), "/streakProgress");
    json_io::rejectUnknownKeys(p, "/streakProgress", {"ruleId", "done", "needed", "remaining", "text"});
    StreakProgressFact& f = r.streakProgress;
    json_io::readString(p, "ruleId", "/streakProgress", kMaxIdBytes, f.ruleId, true);
    f.done = readSmallInt(p, "done", "/streakProgress", 0, 100'000, 0);
    f.needed = readSmallInt(p, "needed", "/streakProgress", 0, 100'000, 0);
    f.remaining = readSmallInt(p, "remaining", "/streakProgress", 0, 100'000, 0);
    json_io::readString(p, "text", "/streakProgress", kMaxTitleBytes, f.text, true);
    r.hasStreakProgress = true;
  }
  return r;
}

EligibilityBatchRequest decodeBatch(const Json& j) {
  json_io::rejectUnknownKeys(
      j, "", {"nowMs", "utcOffsetMinutes", "campaigns", "counters", "pools", "patients"});
  EligibilityBatchRequest r;
  decodeShared(j, r);
  if (!has(j, "patients")) fail("input.missing_field", "缺少必填字段 patients", "/patients");
  r.patients =
      readList<PatientCase>(j, "patients", "", 10'000, [](const Json& c, const std::string& cp) {
        json_io::requireObject(c, cp);
        json_io::rejectUnknownKeys(c, cp, {"patient", "referrals", "milestones", "issued"});
        PatientCase pc;
        decodeCase(c, cp, pc.patient, pc.referrals, pc.milestones, pc.issued);
        return pc;
      });
  return r;
}

const char* grantStateName(GrantState s) {
  switch (s) {
    case GrantState::kIssuable:
      return "issuable";
    case GrantState::kHolding:
      return "holding";
    case GrantState::kWaiting:
      return "waiting";
    case GrantState::kIssued:
      return "issued";
    case GrantState::kVoid:
      return "void";
    case GrantState::kBlocked:
      return "blocked";
  }
  return "blocked";
}

const char* statusName(EligibilityStatus s) {
  switch (s) {
    case EligibilityStatus::kEligible:
      return "eligible";
    case EligibilityStatus::kPending:
      return "pending";
    case EligibilityStatus::kLocked:
      return "locked";
    case EligibilityStatus::kIneligible:
      return "ineligible";
    case EligibilityStatus::kEnded:
      return "ended";
  }
  return "ineligible";
}

const char* walletStatusName(WalletStatus s) {
  switch (s) {
    case WalletStatus::kAvailable:
      return "available";
    case WalletStatus::kPending:
      return "pending";
    case WalletStatus::kLocked:
      return "locked";
    case WalletStatus::kUsed:
      return "used";
    case WalletStatus::kExpired:
      return "expired";
    case WalletStatus::kVoid:
      return "void";
  }
  return "void";
}

const char* rewardTypeName(RewardType t) {
  switch (t) {
    case RewardType::kVoucher:
      return "voucher";
    case RewardType::kService:
      return "service";
    case RewardType::kMembership:
      return "membership";
    case RewardType::kMedal:
      return "medal";
    case RewardType::kPrivilege:
      return "privilege";
    case RewardType::kTitle:
      return "title";
    default:
      return "forbidden";  // never reached: validation refuses them first
  }
}

Json encodeReasons(const std::vector<Reason>& reasons) {
  Json out = Json::array();
  for (const Reason& r : reasons) {
    Json reason{{"code", r.code}, {"message", r.message}};
    if (!r.friendName.empty()) reason["friend"] = r.friendName;
    out.push_back(std::move(reason));
  }
  return out;
}

Json dateOrNull(bool has, DayNumber d) {
  return has ? Json(formatDate(d)) : Json(nullptr);
}

Json encodeEligibility(const EligibilityReport& report) {
  Json campaigns = Json::array();
  for (const CampaignEligibility& c : report.campaigns) {
    Json grants = Json::array();
    for (const Grant& g : c.grants) {
      grants.push_back({{"key", g.key},
                        {"campaignId", c.campaignId},
                        {"beneficiary", g.beneficiary},
                        {"referralId", g.referralId},
                        {"reward",
                         {{"id", g.reward.id},
                          {"type", rewardTypeName(g.reward.type)},
                          {"title", g.reward.title},
                          {"valueFen", g.reward.valueFen},
                          {"quantity", g.reward.quantity},
                          {"validDays", g.reward.validDays}}},
                        {"state", grantStateName(g.state)},
                        {"vestsOn", dateOrNull(g.hasVestsOn, g.vestsOn)},
                        {"holdDaysLeft", g.holdDaysLeft},
                        {"reasons", encodeReasons(g.reasons)}});
    }
    Json entry = {{"campaignId", c.campaignId},
                  {"title", c.title},
                  {"status", statusName(c.status)},
                  {"eligible", c.eligible},
                  {"reasons", encodeReasons(c.reasons)},
                  {"unlockOn", dateOrNull(c.hasUnlockOn, c.unlockOn)},
                  {"nextStep", c.nextStep},
                  {"grants", grants},
                  {"tier", nullptr}};
    if (c.hasTier) {
      entry["tier"] = {{"successfulReferrals", c.tier.successfulReferrals},
                       {"currentTierId", c.tier.currentTierId},
                       {"currentTierTitle", c.tier.currentTierTitle},
                       {"nextTierId", c.tier.nextTierId},
                       {"nextTierTitle", c.tier.nextTierTitle},
                       {"referralsToNext", c.tier.referralsToNext}};
    }
    campaigns.push_back(std::move(entry));
  }
  Json wallet = Json::array();
  for (const WalletItem& w : report.wallet) {
    wallet.push_back({{"key", w.key},
                      {"campaignId", w.campaignId},
                      {"title", w.title},
                      {"valueFen", w.valueFen},
                      {"quantity", w.quantity},
                      {"status", walletStatusName(w.status)},
                      {"rewardType", w.known ? rewardTypeName(w.type) : "unknown"},
                      {"date", dateOrNull(w.hasDate, w.date)},
                      {"dateText", w.dateText},
                      {"why", w.why}});
  }
  Json badges = Json::array();
  for (const Badge& b : report.badges) {
    badges.push_back({{"campaignId", b.campaignId},
                      {"tierId", b.tierId},
                      {"title", b.title},
                      {"earned", b.earned},
                      {"referralsToGo", b.referralsToGo}});
  }
  return {{"today", formatDate(report.today)},
          {"campaigns", campaigns},
          {"wallet", wallet},
          {"badges", badges}};
}

json_io::Limits configLimits() {
  json_io::Limits limits;
  limits.maxBytes = 2u << 20;  // a campaign set is configuration: 2 MiB is already absurd
  return limits;
}

}  // namespace

std::string validateCampaignsJson(std::string_view requestText) {
  return json_io::runEntry(requestText, configLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"campaigns"});
    const std::vector<Violation> violations = validateCampaigns(decodeCampaigns(j));
    return Json{{"valid", violations.empty()}, {"violations", encodeViolations(violations)}};
  });
}

std::string validateCampaignChangeJson(std::string_view requestText) {
  return json_io::runEntry(requestText, configLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"before", "after"});
    if (!has(j, "before")) fail("input.missing_field", "缺少必填字段 before", "/before");
    if (!has(j, "after")) fail("input.missing_field", "缺少必填字段 after", "/after");
    const Campaign before = decodeCampaign(j.at("before"), "/before");
    const Campaign after = decodeCampaign(j.at("after"), "/after");
    const std::vector<Violation> violations = validateCampaignChange(before, after);
    return Json{{"allowed", violations.empty()}, {"violations", encodeViolations(violations)}};
  });
}

std::string evaluateEligibilityJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    Result<EligibilityReport> report = evaluateEligibility(decodeEligibility(j));
    if (!report.ok()) throw json_io::InputError{report.error()};
    return encodeEligibility(report.value());
  });
}

std::string evaluateEligibilityBatchJson(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 32u << 20;  // 10,000 patients with their referrals
  return json_io::runEntry(requestText, limits, [](const Json& j) {
    Result<std::vector<PatientSummary>> summaries = evaluateEligibilityBatch(decodeBatch(j));
    if (!summaries.ok()) throw json_io::InputError{summaries.error()};
    Json results = Json::array();
    for (const PatientSummary& s : summaries.value()) {
      results.push_back(
          {{"patientId", s.patientId}, {"eligible", s.eligible}, {"pending", s.pending}});
    }
    return Json{{"results", results}};
  });
}

Result<EligibilityBatchRequest> parseEligibilityBatch(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 32u << 20;
  try {
    Result<Json> j = json_io::parseRequest(requestText, limits);
    if (!j.ok()) return j.error();
    return decodeBatch(j.value());
  } catch (const json_io::InputError& e) {
    return e.error;
  } catch (...) {
    return Error{"internal.unexpected", "系统内部错误，请稍后重试", ""};
  }
}

std::string mayShowInvitePromptJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    json_io::rejectUnknownKeys(j, "",
                               {"nowMs", "utcOffsetMinutes", "shownAtMs", "optedOut",
                                "inClinicalMoment", "clinicalMoments", "rewardsAtMs", "isStaff",
                                "maxPrompts", "windowDays"});
    InvitePromptRequest r;
    json_io::readInt(j, "nowMs", "", 0, kMaxJsonSafeInt, r.nowMs, true);
    r.utcOffsetMinutes = readSmallInt(j, "utcOffsetMinutes", "", -kMaxUtcOffsetMinutes,
                                      kMaxUtcOffsetMinutes, r.utcOffsetMinutes);
    r.clinicalMoments = readList<ClinicalMoment>(
        j, "clinicalMoments", "", 1000, [](const Json& n, const std::string& p) {
          json_io::requireObject(n, p);
          json_io::rejectUnknownKeys(n, p, {"kind", "atMs"});
          ClinicalMoment m;
          std::string kind;
          json_io::readString(n, "kind", p, 32, kind, true);  // required
          m.kind = readEnum<ClinicalMomentKind>(
              n, "kind", p,
              {{"admission", ClinicalMomentKind::kAdmission},
               {"surgery", ClinicalMomentKind::kSurgery},
               {"discharge", ClinicalMomentKind::kDischarge},
               {"badNews", ClinicalMomentKind::kBadNews},
               {"death", ClinicalMomentKind::kDeath},
               {"sensitiveCase", ClinicalMomentKind::kSensitiveCase}},
              m.kind);
          json_io::readInt(n, "atMs", p, kMinInstantMs, kMaxInstantMs, m.atMs, true);
          return m;
        });
    r.shownAtMs =
        readList<std::int64_t>(j, "shownAtMs", "", 1000, [](const Json& n, const std::string& p) {
          if (!n.is_number_integer() || n.get<std::int64_t>() < 0 ||
              n.get<std::int64_t>() > kMaxInstantMs) {
            fail("input.out_of_range", "提醒时间应为有效的毫秒时间戳", p);
          }
          return n.get<std::int64_t>();
        });
    r.rewardsAtMs =
        readList<std::int64_t>(j, "rewardsAtMs", "", 1000, [](const Json& n, const std::string& p) {
          if (!n.is_number_integer() || n.get<std::int64_t>() < kMinInstantMs ||
              n.get<std::int64_t>() > kMaxInstantMs) {
            fail("input.out_of_range", "奖励时间应为有效的毫秒时间戳", p);
          }
          return n.get<std::int64_t>();
        });
    json_io::readBool(j, "optedOut", "", r.optedOut);
    json_io::readBool(j, "inClinicalMoment", "", r.inClinicalMoment);
    json_io::readBool(j, "isStaff", "", r.isStaff);
    r.maxPrompts = readSmallInt(j, "maxPrompts", "", -1000, 1000, r.maxPrompts);
    r.windowDays = readSmallInt(j, "windowDays", "", -100000, 100000, r.windowDays);
    Result<InvitePromptDecision> d = mayShowInvitePrompt(r);
    if (!d.ok()) throw json_io::InputError{d.error()};
    return Json{{"allowed", d.value().allowed},
                {"reasons", encodeReasons(d.value().reasons)},
                {"remainingInWindow", d.value().remainingInWindow},
                {"nextAllowedAtMs",
                 d.value().hasNextAllowedAtMs ? Json(d.value().nextAllowedAtMs) : Json(nullptr)}};
  });
}

}  // namespace carecircle
