#include "eligibility/dry_run.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"
#include "eligibility/eligibility.hpp"
#include "eligibility/eligibility_json.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::int64_t kMaxCount = 100'000'000;          // patients or grants over all chunks
constexpr std::int64_t kMaxCarryFen = 1'000'000'000'000'000;  // far above any budget
constexpr std::size_t kMaxMonths = 2'400;                // 200 years of months

struct MonthTotal {
  std::int64_t grants = 0;
  std::int64_t valueFen = 0;
};

struct Totals {
  std::int64_t patients = 0;
  std::int64_t eligible = 0;
  std::int64_t pending = 0;
  std::int64_t receiving = 0;
  std::int64_t grants = 0;
  std::int64_t valueFen = 0;
  std::int64_t waitingGrants = 0;
  std::int64_t waitingFen = 0;
  std::map<std::string, MonthTotal> byMonth;  // "YYYY-MM" sorts as months do
};

std::int64_t readCount(const Json& j, const char* key, const std::string& path,
                       std::int64_t max) {
  std::int64_t n = 0;
  json_io::readInt(j, key, path, 0, max, n, /*required=*/true);
  return n;
}

// The totals handed back from the previous chunk's reply.
Totals decodeCarry(const Json& j) {
  const std::string path = "/carry";
  json_io::requireObject(j, path);
  json_io::rejectUnknownKeys(j, path,
                             {"patients", "eligible", "pending", "receiving", "grants",
                              "valueFen", "waitingGrants", "waitingFen", "byMonth"});
  Totals t;
  t.patients = readCount(j, "patients", path, kMaxCount);
  t.eligible = readCount(j, "eligible", path, kMaxCount);
  t.pending = readCount(j, "pending", path, kMaxCount);
  t.receiving = readCount(j, "receiving", path, kMaxCount);
  t.grants = readCount(j, "grants", path, kMaxCount);
  t.valueFen = readCount(j, "valueFen", path, kMaxCarryFen);
  t.waitingGrants = readCount(j, "waitingGrants", path, kMaxCount);
  t.waitingFen = readCount(j, "waitingFen", path, kMaxCarryFen);
  if (t.eligible + t.pending > t.patients || t.receiving > t.patients) {
    fail("input.out_of_range", "累计人数不一致", path);
  }
  if (!j.contains("byMonth") || j.at("byMonth").is_null()) {
    fail("input.missing_field", "缺少必填字段 byMonth", childPath(path, "byMonth"));
  }
  {
    const std::string mp = childPath(path, "byMonth");
    const Json& list = json_io::requireArray(j.at("byMonth"), mp, kMaxMonths);
    std::int64_t grants = 0;
    std::int64_t fen = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string ip = childPath(mp, i);
      json_io::requireObject(list[i], ip);
      json_io::rejectUnknownKeys(list[i], ip, {"month", "grants", "valueFen"});
      std::string month;
      json_io::readString(list[i], "month", ip, 7, month, true);
      const auto ym = parseYearMonth(month);
      if (!ym) fail("input.bad_date", "月份格式应为 YYYY-MM", childPath(ip, "month"));
      if (t.byMonth.count(month)) fail("input.out_of_range", "月份重复：" + month, childPath(ip, "month"));
      MonthTotal m;
      m.grants = readCount(list[i], "grants", ip, kMaxCount);
      m.valueFen = readCount(list[i], "valueFen", ip, kMaxCarryFen);
      grants += m.grants;
      fen += m.valueFen;
      t.byMonth.emplace(month, m);
    }
    if (grants != t.grants || fen != t.valueFen) {
      fail("input.out_of_range", "按月合计与总计不一致", mp);
    }
  }
  return t;
}

const char* statusName(EligibilityStatus s) {
  switch (s) {
    case EligibilityStatus::kEligible: return "eligible";
    case EligibilityStatus::kPending: return "pending";
    case EligibilityStatus::kLocked: return "locked";
    case EligibilityStatus::kIneligible: return "ineligible";
    case EligibilityStatus::kEnded: return "ended";
  }
  return "ineligible";
}

const char* stateName(GrantState s) {
  switch (s) {
    case GrantState::kIssuable: return "issuable";
    case GrantState::kHolding: return "holding";
    case GrantState::kWaiting: return "waiting";
    case GrantState::kIssued: return "issued";
    case GrantState::kVoid: return "void";
    case GrantState::kBlocked: return "blocked";
  }
  return "blocked";
}

Json encodeTotals(const Totals& t) {
  Json months = Json::array();
  for (const auto& [month, m] : t.byMonth) {
    months.push_back({{"month", month}, {"grants", m.grants}, {"valueFen", m.valueFen}});
  }
  return {{"patients", t.patients},         {"eligible", t.eligible},
          {"pending", t.pending},           {"receiving", t.receiving},
          {"grants", t.grants},             {"valueFen", t.valueFen},
          {"waitingGrants", t.waitingGrants}, {"waitingFen", t.waitingFen},
          {"byMonth", months}};
}

}  // namespace

std::string dryRunCampaignJson(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 32u << 20;  // 10,000 patients with their referrals, as the batch
  return json_io::runEntry(requestText, limits, [&](const Json& j) {
    // The batch's own fields are decoded by the batch's decoder (same limits,
    // same errors); campaignId and carry are the dry run's.
    std::string campaignId;
    json_io::readString(j, "campaignId", "", 128, campaignId, true);
    Totals totals;
    if (j.contains("carry") && !j.at("carry").is_null()) totals = decodeCarry(j.at("carry"));
    Json batchJson = j;
    batchJson.erase("campaignId");
    batchJson.erase("carry");
    Result<EligibilityBatchRequest> parsed = parseEligibilityBatch(batchJson.dump());
    if (!parsed.ok()) throw json_io::InputError{parsed.error()};
    EligibilityBatchRequest batch = std::move(parsed).value();

    const auto target = std::find_if(batch.campaigns.begin(), batch.campaigns.end(),
                                     [&](const Campaign& c) { return c.id == campaignId; });
    if (target == batch.campaigns.end()) {
      fail("eligibility.unknown_campaign", "活动列表中没有这个活动：" + campaignId, "/campaignId");
    }
    const std::string title = target->title;
    const std::int64_t budgetFen = target->budgetFen;
    std::int64_t spentFen = 0;
    for (const CampaignCounter& c : batch.counters) {
      if (c.campaignId == campaignId) spentFen += c.spentFen;
    }
    if (totals.patients + static_cast<std::int64_t>(batch.patients.size()) > kMaxCount) {
      fail("input.out_of_range", "试运行的患者总数超出上限", "/patients");
    }

    // One request object reused for every patient: the campaign set is not
    // copied; each patient's facts are moved in and evaluated in turn.
    EligibilityRequest request;
    request.nowMs = batch.nowMs;
    request.utcOffsetMinutes = batch.utcOffsetMinutes;
    request.campaigns = std::move(batch.campaigns);
    request.counters = std::move(batch.counters);
    request.pools = std::move(batch.pools);
    const std::string thisMonth =
        formatYearMonth(yearMonthOf(civilDayOf(batch.nowMs, batch.utcOffsetMinutes)));

    Json rows = Json::array();
    for (std::size_t i = 0; i < batch.patients.size(); ++i) {
      PatientCase& p = batch.patients[i];
      if (p.patient.id.empty()) {
        fail("input.missing_field", "缺少患者编号", "/patients/" + std::to_string(i) + "/patient/id");
      }
      request.patient = std::move(p.patient);
      request.referrals = std::move(p.referrals);
      request.milestones = std::move(p.milestones);
      request.issued = std::move(p.issued);
      Result<EligibilityReport> report = evaluateEligibility(request);
      if (!report.ok()) throw json_io::InputError{report.error()};
      ++totals.patients;
      for (const CampaignEligibility& c : report.value().campaigns) {
        if (c.campaignId != campaignId) continue;
        // Counted exactly as evaluateEligibilityBatch lists the patient.
        if (c.eligible) ++totals.eligible;
        else if (c.status == EligibilityStatus::kPending) ++totals.pending;
        Json grants = Json::array();
        for (const Grant& g : c.grants) {
          if (g.state != GrantState::kIssuable && g.state != GrantState::kHolding &&
              g.state != GrantState::kWaiting) {
            continue;
          }
          const std::int64_t fen = g.reward.valueFen * g.reward.quantity;
          Json row = {{"key", g.key},
                      {"referralId", g.referralId},
                      {"rewardId", g.reward.id},
                      {"title", g.reward.title},
                      {"valueFen", fen},
                      {"quantity", g.reward.quantity},
                      {"state", stateName(g.state)},
                      {"month", nullptr},
                      {"vestsOn", nullptr}};
          if (g.state == GrantState::kWaiting) {
            ++totals.waitingGrants;
            totals.waitingFen += fen;
          } else {
            const std::string month =
                g.state == GrantState::kHolding && g.hasVestsOn
                    ? formatYearMonth(yearMonthOf(g.vestsOn))
                    : thisMonth;
            if (g.hasVestsOn) row["vestsOn"] = formatDate(g.vestsOn);
            row["month"] = month;
            MonthTotal& m = totals.byMonth[month];
            ++m.grants;
            m.valueFen += fen;
            ++totals.grants;
            totals.valueFen += fen;
          }
          grants.push_back(std::move(row));
        }
        if (!grants.empty()) {
          ++totals.receiving;
          rows.push_back({{"patientId", request.patient.id},
                          {"status", statusName(c.status)},
                          {"grants", std::move(grants)}});
        }
        break;
      }
    }
    if (totals.byMonth.size() > kMaxMonths) {
      fail("input.out_of_range", "试运行跨越的月份过多", "/carry/byMonth");
    }

    // Budget: what is spent already plus what the dry run would vest, month by
    // month; the first month the sum passes the budget (0 = no limit).
    Json budget = {{"budgetFen", budgetFen},
                   {"spentFen", spentFen},
                   {"plannedFen", totals.valueFen},
                   {"remainingFen", nullptr},
                   {"exceeded", false},
                   {"exceededInMonth", nullptr}};
    if (budgetFen > 0) {
      budget["remainingFen"] = budgetFen - spentFen - totals.valueFen;
      std::int64_t running = spentFen;
      for (const auto& [month, m] : totals.byMonth) {
        running += m.valueFen;
        if (running > budgetFen) {
          budget["exceeded"] = true;
          budget["exceededInMonth"] = month;
          break;
        }
      }
    }
    return Json{{"campaignId", campaignId}, {"title", title},       {"month", thisMonth},
                {"rows", std::move(rows)},  {"totals", encodeTotals(totals)},
                {"budget", std::move(budget)}};
  });
}

}  // namespace carecircle
