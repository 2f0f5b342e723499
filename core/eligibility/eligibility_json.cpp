#include "eligibility/eligibility_json.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>

#include "common/json_io.hpp"
#include "common/json_writer.hpp"
#include "eligibility/batch_scan.hpp"
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

void writeViolations(JsonWriter& w, const std::vector<Violation>& violations) {
  w.key("violations");
  w.beginArray();
  for (const Violation& v : violations) {
    w.beginObject();
    w.field("campaignId", v.campaignId);
    w.field("code", v.code);
    w.field("guard", v.guard);
    w.field("message", v.message);
    w.field("path", v.path);
    w.endObject();
  }
  w.endArray();
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
    json_io::rejectUnknownKeys(p, "/streakProgress",
                               {"ruleId", "done", "needed", "remaining", "text"});
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

json_io::Limits batchLimits() {
  json_io::Limits limits;
  limits.maxBytes = 32u << 20;  // 10,000 patients with their referrals
  return limits;
}

// The batch request decoded straight from its text by nlohmann's SAX parser:
// the patients go into their structs without a DOM of them (the shared part,
// a few campaigns and counters, is collected into a small DOM and decoded by
// decodeShared as before). It accepts only what decodeBatch accepts and
// yields the same request for it; on anything else (not JSON, a limit, a
// wrong type, an unknown or repeated key, a missing field) it gives up, and
// the caller decodes the text again through the DOM, whose error (code,
// message, path, and which of several comes first) is the answer.
class BatchSax {
 public:
  using string_t = Json::string_t;
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using binary_t = Json::binary_t;

  BatchSax(EligibilityBatchRequest& out, std::size_t maxDepth) : out_(out), maxDepth_(maxDepth) {}

  // The shared part, once the text is read; empty when something was refused.
  Json shared = Json::object();
  bool complete() const { return done_; }

  bool null() { return scalar(Value{Kind::kNull}); }
  bool boolean(bool b) {
    Value v{Kind::kBool};
    v.flag = b;
    return scalar(v);
  }
  bool number_integer(number_integer_t n) {
    Value v{Kind::kInt};
    v.integer = n;
    return scalar(v);
  }
  bool number_unsigned(number_unsigned_t n) {
    Value v{Kind::kUnsigned};
    v.unsignedInteger = n;
    return scalar(v);
  }
  bool number_float(number_float_t x, const string_t& /*text*/) {
    Value v{Kind::kFloat};
    v.real = x;
    return scalar(v);
  }
  bool string(string_t& s) {
    Value v{Kind::kString};
    v.text = &s;
    return scalar(v);
  }
  bool binary(binary_t& /*unused*/) { return false; }
  bool parse_error(std::size_t /*at*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    return false;
  }

  bool start_object(std::size_t /*unknown*/) { return open(true); }
  bool start_array(std::size_t /*unknown*/) { return open(false); }
  bool end_array() { return close(); }
  bool end_object() { return close(); }

  bool key(string_t& name) {
    Frame& f = frames_.back();
    if (f.ctx == Ctx::kCapture) {
      captureKey_ = std::move(name);
      return true;
    }
    if (f.ctx == Ctx::kSkip) return true;
    const std::string_view* keys = nullptr;
    std::size_t count = 0;
    switch (f.ctx) {
      case Ctx::kRoot:
        keys = kRootKeys, count = std::size(kRootKeys);
        break;
      case Ctx::kCase:
        keys = kCaseKeys, count = std::size(kCaseKeys);
        break;
      case Ctx::kPatient:
        keys = kPatientKeys, count = std::size(kPatientKeys);
        break;
      case Ctx::kReferral:
        keys = kReferralFactKeys, count = std::size(kReferralFactKeys);
        break;
      case Ctx::kMilestone:
        keys = kMilestoneKeys, count = std::size(kMilestoneKeys);
        break;
      case Ctx::kIssued:
        keys = kIssuedKeys, count = std::size(kIssuedKeys);
        break;
      default:
        return false;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (keys[i] == name) {
        if (f.seen & (1u << i)) return false;  // a repeated key: the DOM keeps the last
        f.seen |= 1u << i;
        field_ = static_cast<int>(i);
        if (f.ctx == Ctx::kRoot) rootKey_ = std::move(name);
        return true;
      }
    }
    return false;  // input.unknown_field
  }

 private:
  enum class Ctx : std::uint8_t {
    kRoot,
    kCapture,
    kPatients,
    kCase,
    kPatient,
    kReferrals,
    kReferral,
    kMilestones,
    kMilestone,
    kIssuedList,
    kIssued,
    kSkip
  };
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kUnsigned, kFloat, kString };
  struct Value {
    Kind kind;
    bool flag = false;
    std::int64_t integer = 0;
    std::uint64_t unsignedInteger = 0;
    double real = 0;
    string_t* text = nullptr;
  };
  struct Frame {
    Ctx ctx;
    std::uint32_t seen = 0;  // keys met, by their index in the context's key list
    Json* capture = nullptr;
  };

  static constexpr std::string_view kRootKeys[] = {
      "nowMs", "utcOffsetMinutes", "campaigns", "counters", "pools", "patients"};
  static constexpr int kPatientsField = 5;
  static constexpr std::string_view kCaseKeys[] = {"patient", "referrals", "milestones", "issued"};
  static constexpr std::string_view kPatientKeys[] = {"id", "isStaff", "isCommunityMember"};
  // The first two are read; the rest of a streak report's milestone is allowed as it is.
  static constexpr std::string_view kMilestoneKeys[] = {
      "key",         "ruleId",         "fromDate",   "toDate",    "state",
      "rewardTitle", "rewardValueFen", "rangeLabel", "earnedText"};
  static constexpr std::string_view kIssuedKeys[] = {"grantKey", "campaignId", "title",
                                                     "status",   "issuedAtMs", "usedAtMs"};

  // The readers below mirror json_io's: null is an absent field.
  static bool readText(const Value& v, std::size_t maxBytes, std::string& out) {
    if (v.kind == Kind::kNull) return true;
    if (v.kind != Kind::kString || v.text->size() > maxBytes) return false;
    out = std::move(*v.text);
    return true;
  }
  static bool readFlag(const Value& v, bool& out) {
    if (v.kind == Kind::kNull) return true;
    if (v.kind != Kind::kBool) return false;
    out = v.flag;
    return true;
  }
  static bool readNumber(const Value& v, std::int64_t min, std::int64_t max, std::int64_t& out) {
    std::int64_t n = 0;
    if (v.kind == Kind::kNull) return true;
    if (v.kind == Kind::kInt) {
      n = v.integer;
    } else if (v.kind == Kind::kUnsigned) {
      if (v.unsignedInteger > static_cast<std::uint64_t>(max)) return false;
      n = static_cast<std::int64_t>(v.unsignedInteger);
    } else {
      return false;
    }
    if (n < min || n > max) return false;
    out = n;
    return true;
  }
  static bool readInstantValue(const Value& v, std::int64_t& out) {
    std::int64_t ms = 0;
    if (!readNumber(v, 0, kMaxInstantMs, ms)) return false;
    if (ms != 0 && ms < kMinInstantMs) return false;
    out = ms;
    return true;
  }

  PatientCase& currentCase() { return out_.patients.back(); }

  bool scalar(const Value& v) {
    if (frames_.empty()) return false;  // the request must be an object
    Frame& f = frames_.back();
    switch (f.ctx) {
      case Ctx::kRoot:
        if (field_ == kPatientsField) return false;  // null or not a list
        shared[rootKey_] = toJson(v);
        return true;
      case Ctx::kCapture:
        if (f.capture->is_array())
          f.capture->push_back(toJson(v));
        else
          (*f.capture)[captureKey_] = toJson(v);
        return true;
      case Ctx::kSkip:
        return true;
      case Ctx::kCase:
        // A null list is an empty one; a null patient is a missing one.
        return v.kind == Kind::kNull && field_ != 0;
      case Ctx::kPatient: {
        PatientFacts& p = currentCase().patient;
        switch (field_) {
          case 0:
            return readText(v, kMaxIdBytes, p.id);
          case 1:
            return readFlag(v, p.isStaff);
          default:
            return readFlag(v, p.isCommunityMember);
        }
      }
      case Ctx::kReferral: {
        ReferralFacts& x = currentCase().referrals.back();
        switch (field_) {
          case 0:
            return readText(v, kMaxIdBytes, x.id);
          case 1:
            return readText(v, kMaxIdBytes, x.referrerId);
          case 2:
            return readText(v, kMaxIdBytes, x.refereeId);
          case 3: {
            std::int64_t level = x.level;
            if (!readNumber(v, 1, 1000, level)) return false;
            x.level = static_cast<int>(level);
            return true;
          }
          case 4:
            return readText(v, 32, x.channel);
          case 5:
            return readFlag(v, x.refereeIsNewPatient);
          case 6:
            return readFlag(v, x.refereeIsInpatient);
          case 7:
            return readFlag(v, x.referrerIsMember);
          case 8:
            return readInstantValue(v, x.registrationConfirmedAtMs);
          case 9:
            return readInstantValue(v, x.arrivalConfirmedAtMs);
          case 10:
            return readInstantValue(v, x.conversionConfirmedAtMs);
          case 11:
            return readInstantValue(v, x.admissionConfirmedAtMs);
          case 12:
            return readInstantValue(v, x.dischargeConfirmedAtMs);
          case 13:
            return readInstantValue(v, x.complaintAtMs);
          default:
            return readText(v, kMaxTitleBytes, x.refereeName);
        }
      }
      case Ctx::kMilestone: {
        MilestoneFact& x = currentCase().milestones.back();
        if (field_ == 0) return readText(v, kMaxIdBytes * 2, x.key);
        if (field_ == 1) return readText(v, kMaxIdBytes, x.ruleId);
        return true;  // allowed, not read
      }
      case Ctx::kIssued: {
        IssuedReward& x = currentCase().issued.back();
        switch (field_) {
          case 0:
            return readText(v, kMaxIdBytes * 4, x.grantKey);
          case 1:
            return readText(v, kMaxIdBytes, x.campaignId);
          case 2:
            return readText(v, kMaxTitleBytes, x.title);
          case 3: {
            std::string status;
            if (!readText(v, 32, status)) return false;
            if (v.kind == Kind::kNull) return true;
            if (status == "issued")
              x.status = IssuedStatus::kIssued;
            else if (status == "used")
              x.status = IssuedStatus::kUsed;
            else if (status == "void")
              x.status = IssuedStatus::kVoid;
            else
              return false;
            return true;
          }
          case 4:
            return readNumber(v, kMinInstantMs, kMaxInstantMs, x.issuedAtMs);
          default:
            return readInstantValue(v, x.usedAtMs);
        }
      }
      default:
        return false;  // a list item that is not an object
    }
  }

  static Json toJson(const Value& v) {
    switch (v.kind) {
      case Kind::kNull:
        return nullptr;
      case Kind::kBool:
        return v.flag;
      case Kind::kInt:
        return v.integer;
      case Kind::kUnsigned:
        return v.unsignedInteger;
      case Kind::kFloat:
        return v.real;
      default:
        return std::move(*v.text);
    }
  }

  bool push(Ctx ctx, Json* capture = nullptr) {
    if (frames_.size() >= maxDepth_) return false;  // input.too_deep
    frames_.push_back(Frame{ctx, 0, capture});
    return true;
  }

  // A list of at most `max` items gets one more.
  template <typename T>
  static bool grow(std::vector<T>& list, std::size_t max) {
    if (list.size() >= max) return false;  // input.too_many_items
    list.emplace_back();
    return true;
  }

  bool open(bool object) {
    if (frames_.empty()) return object && push(Ctx::kRoot);
    Frame& f = frames_.back();
    switch (f.ctx) {
      case Ctx::kRoot: {
        if (field_ == kPatientsField) return !object && push(Ctx::kPatients);
        Json& slot = shared[rootKey_];
        slot = object ? Json::object() : Json::array();
        return push(Ctx::kCapture, &slot);
      }
      case Ctx::kCapture: {
        Json child = object ? Json::object() : Json::array();
        Json* slot = nullptr;
        if (f.capture->is_array()) {
          f.capture->push_back(std::move(child));
          slot = &f.capture->back();
        } else {
          slot = &((*f.capture)[captureKey_] = std::move(child));
        }
        return push(Ctx::kCapture, slot);
      }
      case Ctx::kSkip:
        return push(Ctx::kSkip);
      case Ctx::kPatients:
        return object && grow(out_.patients, 10'000) && push(Ctx::kCase);
      case Ctx::kCase:
        switch (field_) {
          case 0:
            return object && push(Ctx::kPatient);
          case 1:
            return !object && push(Ctx::kReferrals);
          case 2:
            return !object && push(Ctx::kMilestones);
          default:
            return !object && push(Ctx::kIssuedList);
        }
      case Ctx::kReferrals:
        return object && grow(currentCase().referrals, kMaxReferrals) && push(Ctx::kReferral);
      case Ctx::kMilestones:
        return object && grow(currentCase().milestones, kMaxIssued) && push(Ctx::kMilestone);
      case Ctx::kIssuedList:
        return object && grow(currentCase().issued, kMaxIssued) && push(Ctx::kIssued);
      case Ctx::kMilestone:
        return field_ >= 2 && push(Ctx::kSkip);  // an allowed field not read: any value
      default:
        return false;  // a container where a number, text or flag belongs
    }
  }

  bool close() {
    const Frame f = frames_.back();
    frames_.pop_back();
    switch (f.ctx) {
      case Ctx::kRoot:
        done_ = (f.seen & (1u << kPatientsField)) != 0;
        return done_;
      case Ctx::kCase:
        return (f.seen & 1u) != 0;  // the patient is required
      case Ctx::kPatient:
        return !currentCase().patient.id.empty();
      case Ctx::kReferral: {
        const ReferralFacts& x = currentCase().referrals.back();
        return !x.id.empty() && !x.referrerId.empty() && !x.refereeId.empty();
      }
      case Ctx::kMilestone: {
        const MilestoneFact& x = currentCase().milestones.back();
        return !x.key.empty() && !x.ruleId.empty();
      }
      case Ctx::kIssued: {
        const IssuedReward& x = currentCase().issued.back();
        return !x.grantKey.empty() && !x.campaignId.empty() && x.issuedAtMs != 0;
      }
      default:
        return true;
    }
  }

  EligibilityBatchRequest& out_;
  std::size_t maxDepth_;
  std::vector<Frame> frames_;
  int field_ = -1;
  std::string rootKey_;
  std::string captureKey_;
  bool done_ = false;
};

// The batch request read by the plain-form scanner (batch_scan.hpp), its
// shared part decoded from a small DOM as decodeBatch does; nothing when the
// scanner or the shared part refuses the text.
std::optional<EligibilityBatchRequest> decodeBatchScanned(std::string_view text) {
  const json_io::Limits limits = batchLimits();
  if (text.size() > limits.maxBytes) return std::nullopt;
  try {
    EligibilityBatchRequest request;
    std::string sharedText;
    if (!scanEligibilityBatchPatients(text, request, sharedText)) return std::nullopt;
    Result<Json> shared = json_io::parseRequest(sharedText, limits);
    if (!shared.ok()) return std::nullopt;
    decodeShared(shared.value(), request);
    return request;
  } catch (...) {
    return std::nullopt;  // InputError from decodeShared, std::bad_alloc, ...
  }
}

// The batch request when the scanner or the streaming decoder accepts the
// text whole, else nothing (decodeBatch then answers from the DOM, error and
// all).
std::optional<EligibilityBatchRequest> decodeBatchStreaming(std::string_view text) {
  if (std::optional<EligibilityBatchRequest> scanned = decodeBatchScanned(text)) return scanned;
  const json_io::Limits limits = batchLimits();
  if (text.size() > limits.maxBytes) return std::nullopt;
  try {
    EligibilityBatchRequest request;
    BatchSax sax(request, limits.maxDepth);
    if (!Json::sax_parse(text.begin(), text.end(), &sax, Json::input_format_t::json,
                         /*strict=*/true) ||
        !sax.complete()) {
      return std::nullopt;
    }
    decodeShared(sax.shared, request);
    return request;
  } catch (...) {
    return std::nullopt;  // InputError from decodeShared, std::bad_alloc, ...
  }
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

// Every object below writes its keys in ascending byte order: the order of
// the std::map-backed objects the replies were first defined by (and of the
// golden fixtures).
void writeReasons(JsonWriter& w, const std::vector<Reason>& reasons) {
  w.beginArray();
  for (const Reason& r : reasons) {
    w.beginObject();
    w.field("code", r.code);
    if (!r.friendName.empty()) w.field("friend", r.friendName);
    w.field("message", r.message);
    w.endObject();
  }
  w.endArray();
}

void writeDateOrNull(JsonWriter& w, std::string_view key, bool has, DayNumber d) {
  w.key(key);
  if (has)
    w.value(formatDate(d));
  else
    w.null();
}

void writeGrant(JsonWriter& w, const std::string& campaignId, const Grant& g) {
  w.beginObject();
  w.field("beneficiary", g.beneficiary);
  w.field("campaignId", campaignId);
  w.field("holdDaysLeft", g.holdDaysLeft);
  w.field("key", g.key);
  w.key("reasons");
  writeReasons(w, g.reasons);
  w.field("referralId", g.referralId);
  w.key("reward");
  w.beginObject();
  w.field("id", g.reward.id);
  w.field("quantity", g.reward.quantity);
  w.field("title", g.reward.title);
  w.field("type", rewardTypeName(g.reward.type));
  w.field("validDays", g.reward.validDays);
  w.field("valueFen", g.reward.valueFen);
  w.endObject();
  w.field("state", grantStateName(g.state));
  writeDateOrNull(w, "vestsOn", g.hasVestsOn, g.vestsOn);
  w.endObject();
}

void writeCampaign(JsonWriter& w, const CampaignEligibility& c) {
  w.beginObject();
  w.field("campaignId", c.campaignId);
  w.field("eligible", c.eligible);
  w.key("grants");
  w.beginArray();
  for (const Grant& g : c.grants) writeGrant(w, c.campaignId, g);
  w.endArray();
  w.field("nextStep", c.nextStep);
  w.key("reasons");
  writeReasons(w, c.reasons);
  w.field("status", statusName(c.status));
  w.key("tier");
  if (c.hasTier) {
    w.beginObject();
    w.field("currentTierId", c.tier.currentTierId);
    w.field("currentTierTitle", c.tier.currentTierTitle);
    w.field("nextTierId", c.tier.nextTierId);
    w.field("nextTierTitle", c.tier.nextTierTitle);
    w.field("referralsToNext", c.tier.referralsToNext);
    w.field("successfulReferrals", c.tier.successfulReferrals);
    w.endObject();
  } else {
    w.null();
  }
  w.field("title", c.title);
  writeDateOrNull(w, "unlockOn", c.hasUnlockOn, c.unlockOn);
  w.endObject();
}

void writeEligibility(JsonWriter& w, const EligibilityReport& report) {
  w.beginObject();
  w.key("badges");
  w.beginArray();
  for (const Badge& b : report.badges) {
    w.beginObject();
    w.field("campaignId", b.campaignId);
    w.field("earned", b.earned);
    w.field("referralsToGo", b.referralsToGo);
    w.field("tierId", b.tierId);
    w.field("title", b.title);
    w.endObject();
  }
  w.endArray();
  w.key("campaigns");
  w.beginArray();
  for (const CampaignEligibility& c : report.campaigns) writeCampaign(w, c);
  w.endArray();
  w.field("today", formatDate(report.today));
  w.key("wallet");
  w.beginArray();
  for (const WalletItem& item : report.wallet) {
    w.beginObject();
    w.field("campaignId", item.campaignId);
    writeDateOrNull(w, "date", item.hasDate, item.date);
    w.field("dateText", item.dateText);
    w.field("key", item.key);
    w.field("quantity", item.quantity);
    w.field("rewardType", item.known ? rewardTypeName(item.type) : "unknown");
    w.field("status", walletStatusName(item.status));
    w.field("title", item.title);
    w.field("valueFen", item.valueFen);
    w.field("why", item.why);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

// {"results":[{"eligible":[ids],"patientId":id,"pending":[ids]}]}
void writeBatch(JsonWriter& w, const EligibilityBatchRequest& request) {
  Result<std::vector<PatientSummary>> summaries = evaluateEligibilityBatch(request);
  if (!summaries.ok()) throw json_io::InputError{summaries.error()};
  const auto ids = [&w](std::string_view key, const std::vector<std::string>& list) {
    w.key(key);
    w.beginArray();
    for (const std::string& id : list) w.value(id);
    w.endArray();
  };
  w.beginObject();
  w.key("results");
  w.beginArray();
  for (const PatientSummary& s : summaries.value()) {
    w.beginObject();
    ids("eligible", s.eligible);
    w.field("patientId", s.patientId);
    ids("pending", s.pending);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

json_io::Limits configLimits() {
  json_io::Limits limits;
  limits.maxBytes = 2u << 20;  // a campaign set is configuration: 2 MiB is already absurd
  return limits;
}

}  // namespace

std::string validateCampaignsJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, configLimits(), [](const Json& j, JsonWriter& w) {
    json_io::rejectUnknownKeys(j, "", {"campaigns"});
    const std::vector<Violation> violations = validateCampaigns(decodeCampaigns(j));
    w.beginObject();
    w.field("valid", violations.empty());
    writeViolations(w, violations);
    w.endObject();
  });
}

std::string validateCampaignChangeJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, configLimits(), [](const Json& j, JsonWriter& w) {
    json_io::rejectUnknownKeys(j, "", {"before", "after"});
    if (!has(j, "before")) fail("input.missing_field", "缺少必填字段 before", "/before");
    if (!has(j, "after")) fail("input.missing_field", "缺少必填字段 after", "/after");
    const Campaign before = decodeCampaign(j.at("before"), "/before");
    const Campaign after = decodeCampaign(j.at("after"), "/after");
    const std::vector<Violation> violations = validateCampaignChange(before, after);
    w.beginObject();
    w.field("allowed", violations.empty());
    writeViolations(w, violations);
    w.endObject();
  });
}

std::string evaluateEligibilityJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, {}, [](const Json& j, JsonWriter& w) {
    Result<EligibilityReport> report = evaluateEligibility(decodeEligibility(j));
    if (!report.ok()) throw json_io::InputError{report.error()};
    writeEligibility(w, report.value());
  });
}

std::string evaluateEligibilityBatchJson(std::string_view requestText) {
  std::optional<EligibilityBatchRequest> streamed = decodeBatchStreaming(requestText);
  if (!streamed) return evaluateEligibilityBatchJsonViaDom(requestText);
  return json_io::writeEnvelope([&](JsonWriter& w) { writeBatch(w, *streamed); });
}

std::string evaluateEligibilityBatchJsonViaDom(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, batchLimits(), [](const Json& j, JsonWriter& w) {
    writeBatch(w, decodeBatch(j));
  });
}

bool eligibilityBatchStreams(std::string_view requestText) {
  return decodeBatchStreaming(requestText).has_value();
}

bool eligibilityBatchScans(std::string_view requestText) {
  return decodeBatchScanned(requestText).has_value();
}

Result<EligibilityBatchRequest> parseEligibilityBatch(std::string_view requestText) {
  if (std::optional<EligibilityBatchRequest> streamed = decodeBatchStreaming(requestText))
    return std::move(*streamed);
  try {
    Result<Json> j = json_io::parseRequest(requestText, batchLimits());
    if (!j.ok()) return j.error();
    return decodeBatch(j.value());
  } catch (const json_io::InputError& e) {
    return e.error;
  } catch (...) {
    return Error{"internal.unexpected", "系统内部错误，请稍后重试", ""};
  }
}

std::string mayShowInvitePromptJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, {}, [](const Json& j, JsonWriter& w) {
    json_io::rejectUnknownKeys(
        j, "",
        {"nowMs", "utcOffsetMinutes", "shownAtMs", "optedOut", "inClinicalMoment",
         "clinicalMoments", "rewardsAtMs", "isStaff", "maxPrompts", "windowDays"});
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
          m.kind =
              readEnum<ClinicalMomentKind>(n, "kind", p,
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
    const InvitePromptDecision& decision = d.value();
    w.beginObject();
    w.field("allowed", decision.allowed);
    w.key("nextAllowedAtMs");
    if (decision.hasNextAllowedAtMs)
      w.value(decision.nextAllowedAtMs);
    else
      w.null();
    w.key("reasons");
    writeReasons(w, decision.reasons);
    w.field("remainingInWindow", decision.remainingInWindow);
    w.endObject();
  });
}

}  // namespace carecircle
