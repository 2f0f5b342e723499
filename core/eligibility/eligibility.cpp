#include "eligibility/eligibility.hpp"

#include "common/mask_name.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace carecircle {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

std::string dateZh(DayNumber d) {
  const std::string iso = formatDate(d);  // YYYY-MM-DD
  return iso.substr(0, 4) + "年" + std::to_string(std::stoi(iso.substr(5, 2))) + "月" +
         std::to_string(std::stoi(iso.substr(8, 2))) + "日";
}

const char* eventNameZh(Trigger t) {
  switch (t) {
    case Trigger::kRegistrationConfirmed:
      return "建档";
    case Trigger::kArrivalConfirmed:
      return "到院";
    case Trigger::kConversionConfirmed:
      return "完成就诊";
    case Trigger::kAdmissionConfirmed:
      return "入院";
    case Trigger::kDischargeConfirmed:
      return "出院";
    default:
      return "确认";
  }
}

std::int64_t eventAt(const ReferralFacts& r, Trigger t) {
  switch (t) {
    case Trigger::kRegistrationConfirmed:
      return r.registrationConfirmedAtMs;
    case Trigger::kArrivalConfirmed:
      return r.arrivalConfirmedAtMs;
    case Trigger::kConversionConfirmed:
      return r.conversionConfirmedAtMs;
    case Trigger::kAdmissionConfirmed:
      return r.admissionConfirmedAtMs;
    case Trigger::kDischargeConfirmed:
      return r.dischargeConfirmedAtMs;
    default:
      return 0;  // never a hospital event: validation refuses such campaigns
  }
}

std::string titles(const std::vector<Reward>& rewards) {
  std::string out;
  for (const Reward& r : rewards) {
    if (!out.empty()) out += "、";
    out += r.title;
    if (r.quantity > 1) out += "×" + std::to_string(r.quantity);
  }
  return out;
}

// What one referral is worth under one set of conditions, for one side.
struct Outcome {
  enum State { kNotCounted, kWaiting, kHolding, kVested, kVoid } state = kNotCounted;
  Reason reason;
  DayNumber vestsOn = 0;
  int daysLeft = 0;
};

// Without `wording` the outcome's reason is left empty: the state, dates and
// counts are the same (the batch decides without words).
Outcome referralOutcome(const ReferralConditions& rc, const ReferralFacts& r, DayNumber today,
                        int offset, bool forReferrer, bool wording = true) {
  Outcome o;
  if (r.level != 1) {
    if (wording) o.reason = {"eligibility.not_direct_referral", "只有您直接推荐的朋友计入奖励"};
  } else if (rc.refereeMustBeNew && !r.refereeIsNewPatient) {
    if (wording)
      o.reason = {"eligibility.referee_not_new", "这位朋友此前已在本院就诊，不属于新患者推荐"};
  } else if (rc.refereeMustBeInpatient && !r.refereeIsInpatient) {
    if (wording)
      o.reason = {"eligibility.referee_not_inpatient", "本活动仅适用于推荐住院治疗的新患者"};
  } else if (!rc.channel.empty() && r.channel != rc.channel) {
    if (!wording) return o;
    const char* channel = rc.channel == "dischargeCard" ? "出院感恩卡推荐码"
                          : rc.channel == "letter"      ? "推荐函"
                                                        : "指定推荐渠道";
    o.reason = {"eligibility.wrong_channel",
                std::string("本活动仅适用于通过") + channel + "完成的推荐"};
  } else if (rc.referrerMustBeMember && !r.referrerIsMember) {
    if (wording) o.reason = {"eligibility.referrer_not_member", "推荐人需是病友社群成员"};
  } else if (eventAt(r, rc.trigger) == 0) {
    o.state = Outcome::kWaiting;
    if (wording) {
      o.reason = {"eligibility.awaiting_event",
                  std::string("等待医院确认朋友已") + eventNameZh(rc.trigger)};
    }
  } else {
    const DayNumber eventDay = civilDayOf(eventAt(r, rc.trigger), offset);
    if (!forReferrer) {
      o.state = Outcome::kVested;
      o.vestsOn = eventDay;
      return o;
    }
    o.vestsOn = eventDay + rc.holdDays;
    // A complaint inside the holding period voids the reward (G20).
    if (r.complaintAtMs != 0 && civilDayOf(r.complaintAtMs, offset) <= o.vestsOn) {
      o.state = Outcome::kVoid;
      if (wording)
        o.reason = {"eligibility.voided_by_complaint", "该推荐在保证期内收到投诉，奖励已作废"};
    } else if (today < o.vestsOn) {
      o.state = Outcome::kHolding;
      o.daysLeft = o.vestsOn - today;
      if (wording)
        o.reason = {"eligibility.quality_hold", "朋友" + std::string(eventNameZh(rc.trigger)) +
                                                    "满" + std::to_string(rc.holdDays) +
                                                    "天且无投诉后发放，还需" +
                                                    std::to_string(o.daysLeft) + "天"};
    } else {
      o.state = Outcome::kVested;
    }
  }
  return o;
}

// What every patient of one evaluation shares.
struct Shared {
  std::int64_t nowMs;
  int utcOffsetMinutes;
  const std::vector<Campaign>& campaigns;
  const std::vector<CampaignCounter>& counters;
  const std::vector<PoolCounter>& pools;
};

// One patient's side of an evaluation (views into the request).
struct Case {
  const PatientFacts& patient;
  const std::vector<ReferralFacts>& referrals;
  const std::vector<MilestoneFact>& milestones;
  const std::vector<IssuedReward>& issued;
  const StreakProgressFact* streakProgress = nullptr;
};

// A reason about one referral names that friend, masked as on the tree.
void nameFriend(Reason& reason, const ReferralFacts& r) {
  if (r.refereeName.empty() || !reason.friendName.empty()) return;
  reason.friendName = maskName(r.refereeName);
  reason.message = reason.friendName + "：" + reason.message;
}

class Evaluator {
 public:
  // Without `wording` the report decides the same (statuses, grants, dates)
  // but carries no words: no reasons, next steps or titles (the batch).
  Evaluator(const Shared& shared, const Case& c, bool wording = true)
      : req_{shared.campaigns, shared.pools, c.patient, c.milestones, c.issued, c.streakProgress},
        wording_(wording),
        offset_(shared.utcOffsetMinutes),
        today_(civilDayOf(shared.nowMs, shared.utcOffsetMinutes)) {
    for (const IssuedReward& i : c.issued) issued_[i.grantKey] = &i;
    for (const CampaignCounter& k : shared.counters) counters_[k.campaignId] = &k;
    for (const ReferralFacts& r : c.referrals) {
      if (r.referrerId == c.patient.id && r.refereeId != c.patient.id) asReferrer_.push_back(&r);
      // One referrer per referee: first touch (earliest registration) wins.
      if (r.refereeId == c.patient.id && r.referrerId != c.patient.id &&
          (asReferee_ == nullptr || firstTouch(r, *asReferee_))) {
        asReferee_ = &r;
      }
    }
    std::sort(asReferrer_.begin(), asReferrer_.end(),
              [](const ReferralFacts* a, const ReferralFacts* b) { return a->id < b->id; });
  }

  EligibilityReport run(bool withWallet = true) {
    EligibilityReport report;
    report.today = today_;
    const auto& campaigns = req_.campaigns;
    report.campaigns.resize(campaigns.size());
    // Exclusive campaigns are decided in priority order, then configuration order.
    std::vector<std::size_t> order(campaigns.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    // A stable insertion sort: a handful of campaigns, no buffer per patient.
    for (std::size_t i = 1; i < order.size(); ++i) {
      const std::size_t k = order[i];
      std::size_t j = i;
      for (; j > 0 && campaigns[k].priority > campaigns[order[j - 1]].priority; --j)
        order[j] = order[j - 1];
      order[j] = k;
    }
    for (const Campaign& c : campaigns) anyExclusive_ = anyExclusive_ || !c.exclusiveWith.empty();
    for (std::size_t i : order) report.campaigns[i] = evaluate(campaigns[i]);
    if (withWallet) buildWallet(report);
    return report;
  }

 private:
  static bool firstTouch(const ReferralFacts& a, const ReferralFacts& b) {
    auto key = [](const ReferralFacts& r) {
      return std::make_tuple(r.registrationConfirmedAtMs == 0, r.registrationConfirmedAtMs, r.id);
    };
    return key(a) < key(b);
  }

  bool exclusive(const Campaign& a, const Campaign& b) const {
    return std::count(a.exclusiveWith.begin(), a.exclusiveWith.end(), b.id) ||
           std::count(b.exclusiveWith.begin(), b.exclusiveWith.end(), a.id);
  }

  // Reasons shared by every campaign type; true when the campaign stops here.
  bool blocked(const Campaign& c, CampaignEligibility& out, bool referralBased) const {
    if (!c.enabled) {
      out.status = EligibilityStatus::kIneligible;
      if (wording_) out.reasons.push_back({"eligibility.campaign_disabled", "活动已关闭"});
    } else if (c.status == CampaignStatus::kDraft) {
      out.status = EligibilityStatus::kIneligible;
      if (wording_) out.reasons.push_back({"eligibility.campaign_not_published", "活动尚未发布"});
    } else if (c.status == CampaignStatus::kEnded || (c.hasValidTo && today_ > c.validTo)) {
      out.status = EligibilityStatus::kEnded;
      if (wording_) out.reasons.push_back({"eligibility.campaign_ended", "活动已结束"});
    } else if (c.hasValidFrom && today_ < c.validFrom) {
      out.status = EligibilityStatus::kLocked;
      out.hasUnlockOn = true;
      out.unlockOn = c.validFrom;
      if (wording_)
        out.reasons.push_back(
            {"eligibility.campaign_not_started", "活动将于" + dateZh(c.validFrom) + "开始"});
    } else if (referralBased && req_.patient.isStaff) {
      out.status = EligibilityStatus::kIneligible;
      if (wording_)
        out.reasons.push_back({"eligibility.staff_excluded", "医院员工和医生不参与推荐奖励"});
    } else {
      return false;
    }
    out.nextStep.clear();  // nothing the patient can do about these
    return true;
  }

  Grant grantFor(std::string key, const Reward& reward, const std::string& referralId) const {
    Grant g;
    g.key = std::move(key);
    g.beneficiary = "self";
    g.referralId = referralId;
    if (wording_) {
      g.reward = reward;
    } else {  // what limits and budgets read
      g.reward.type = reward.type;
      g.reward.valueFen = reward.valueFen;
      g.reward.quantity = reward.quantity;
    }
    return g;
  }

  // A grant's key is read by the issued lookup and the per-person limit (and
  // shown with words); without words and with neither, it is not built.
  bool keyed(const Campaign& c) const {
    return wording_ || !issued_.empty() || c.perPersonLimit > 0;
  }

  void applyOutcome(Grant& g, const Outcome& o) const {
    switch (o.state) {
      case Outcome::kNotCounted:
        g.state = GrantState::kBlocked;
        if (wording_) g.reasons.push_back(o.reason);
        break;
      case Outcome::kWaiting:
        g.state = GrantState::kWaiting;
        if (wording_) g.reasons.push_back(o.reason);
        break;
      case Outcome::kVoid:
        g.state = GrantState::kVoid;
        if (wording_) g.reasons.push_back(o.reason);
        break;
      case Outcome::kHolding:
        g.state = GrantState::kHolding;
        g.hasVestsOn = true;
        g.vestsOn = o.vestsOn;
        g.holdDaysLeft = o.daysLeft;
        if (wording_) g.reasons.push_back(o.reason);
        break;
      case Outcome::kVested:
        issuableOrIssued(g);
        break;
    }
  }

  void issuableOrIssued(Grant& g) const {
    g.state = issued_.count(g.key) ? GrantState::kIssued : GrantState::kIssuable;
  }

  // Per-person limit and campaign budget, applied to grants in order.
  void applyLimits(const Campaign& c, CampaignEligibility& out) const {
    std::set<std::string> subjects;  // a referral, tier, pool-month or milestone counts once
    const auto counter = counters_.find(c.id);
    std::int64_t spent = counter == counters_.end() ? 0 : counter->second->spentFen;
    for (Grant& g : out.grants) {
      if (g.state == GrantState::kBlocked || g.state == GrantState::kVoid) continue;
      if (c.perPersonLimit > 0) {
        std::string subject = g.key.substr(0, g.key.rfind(':'));
        if (!subjects.count(subject) && static_cast<int>(subjects.size()) >= c.perPersonLimit &&
            g.state != GrantState::kIssued) {
          g.state = GrantState::kBlocked;
          if (wording_) {
            g.reasons.push_back(
                {"eligibility.per_person_limit",
                 "每人最多可获得" + std::to_string(c.perPersonLimit) + "次本活动奖励"});
          }
          continue;
        }
        subjects.insert(std::move(subject));
      }
      if (g.state == GrantState::kIssuable && c.budgetFen > 0) {
        const std::int64_t cost = g.reward.valueFen * g.reward.quantity;
        if (spent + cost > c.budgetFen) {
          g.state = GrantState::kBlocked;
          if (wording_) g.reasons.push_back({"eligibility.budget_exhausted", "本期活动预算已用完"});
          continue;
        }
        spent += cost;
      }
    }
  }

  void summarise(CampaignEligibility& out) const {
    bool pending = false;
    // One line per reason and friend: two friends waiting for the same event
    // are two lines, each naming its friend.
    std::set<std::pair<std::string, std::string>> seen;
    for (const Reason& r : out.reasons) seen.insert({r.code, r.friendName});
    for (const Grant& g : out.grants) {
      if (g.state == GrantState::kIssuable) out.eligible = true;
      if (g.state == GrantState::kHolding || g.state == GrantState::kWaiting) pending = true;
      if (g.state == GrantState::kHolding && (!out.hasUnlockOn || g.vestsOn < out.unlockOn)) {
        out.hasUnlockOn = true;
        out.unlockOn = g.vestsOn;
      }
      for (const Reason& r : g.reasons) {
        if (seen.insert({r.code, r.friendName}).second) out.reasons.push_back(r);
      }
    }
    if (out.eligible)
      out.status = EligibilityStatus::kEligible;
    else if (pending)
      out.status = EligibilityStatus::kPending;
    else if (out.hasUnlockOn)
      out.status = EligibilityStatus::kLocked;
    else
      out.status = EligibilityStatus::kIneligible;
  }

  CampaignEligibility evaluate(const Campaign& c) {
    CampaignEligibility out;
    if (wording_) out.campaignId = c.id;  // the batch names campaigns by position
    if (wording_) out.title = c.title;
    switch (c.type) {
      case CampaignType::kReferralReward:
        referralReward(c, out);
        break;
      case CampaignType::kReferralTier:
        referralTier(c, out);
        break;
      case CampaignType::kMonthlyQuota:
        monthlyQuota(c, out);
        break;
      case CampaignType::kCheckInMilestone:
        checkInMilestone(c, out);
        break;
    }
    return out;
  }

  void referralReward(const Campaign& c, CampaignEligibility& out) {
    if (wording_) {
      const std::string offer =
          c.referrerRewards.empty() ? "" : "您可得" + titles(c.referrerRewards);
      const std::string friendOffer =
          c.refereeRewards.empty() ? "" : "朋友可得" + titles(c.refereeRewards);
      out.nextStep = "邀请需要的朋友凭您的推荐码就诊：朋友" +
                     std::string(eventNameZh(c.referral.trigger)) + "后，" + offer +
                     (offer.empty() || friendOffer.empty() ? "" : "，") + friendOffer;
    }
    if (blocked(c, out, true)) return;
    auto consumedElsewhere = [&](const std::string& referralId) -> const Campaign* {
      const auto it = consumed_.find(referralId);
      if (it == consumed_.end()) return nullptr;
      for (const Campaign* other : it->second)
        if (exclusive(c, *other)) return other;
      return nullptr;
    };
    auto addSide = [&](const ReferralFacts& r, bool referrer) {
      const auto& rewards = referrer ? c.referrerRewards : c.refereeRewards;
      if (rewards.empty()) return;
      const Outcome o = referralOutcome(c.referral, r, today_, offset_, referrer, wording_);
      const Campaign* other = consumedElsewhere(r.id);
      for (const Reward& reward : rewards) {
        Grant g = grantFor(
            keyed(c) ? c.id + ":" + r.id + (referrer ? ":referrer" : ":referee") + ":" + reward.id
                     : std::string(),
            reward, r.id);
        if (other != nullptr && !issued_.count(g.key)) {
          g.state = GrantState::kBlocked;
          if (wording_)
            g.reasons.push_back(
                {"eligibility.not_stackable",
                 "这次推荐已在「" + other->title + "」中获得奖励，两项活动不能同时享受"});
        } else {
          applyOutcome(g, o);
        }
        if (referrer)
          for (Reason& reason : g.reasons) nameFriend(reason, r);
        out.grants.push_back(std::move(g));
      }
      if (other == nullptr && o.state != Outcome::kNotCounted && o.state != Outcome::kVoid) {
        if (anyExclusive_) consumed_[r.id].push_back(&c);
      }
    };
    for (const ReferralFacts* r : asReferrer_) addSide(*r, true);
    if (asReferee_ != nullptr) addSide(*asReferee_, false);
    applyLimits(c, out);
    summarise(out);
    if (out.grants.empty() && c.referrerRewards.empty()) {
      if (wording_)
        out.reasons.push_back({"eligibility.for_referees_only", "本活动的礼遇由您推荐的朋友享受"});
    } else if (out.grants.empty()) {
      if (wording_) out.reasons.push_back({"eligibility.no_referrals", "您还没有推荐朋友"});
    }
    if (!wording_) return;
    for (const Grant& g : out.grants) {
      if (g.state == GrantState::kHolding && g.vestsOn == out.unlockOn) {
        std::string who;
        for (const ReferralFacts* r : asReferrer_) {
          if (r->id == g.referralId && !r->refereeName.empty())
            who = maskName(r->refereeName) + "：";
        }
        out.nextStep = who + "奖励将于" + dateZh(out.unlockOn) + "到账（朋友" +
                       eventNameZh(c.referral.trigger) + "满" +
                       std::to_string(c.referral.holdDays) + "天且无投诉）";
        break;
      }
    }
    if (out.eligible) out.nextStep = "奖励已可发放，请在“我的券包”查看";
  }

  int successfulReferrals(const ReferralConditions& rc,
                          std::vector<DayNumber>& holdingVests) const {
    int count = 0;
    for (const ReferralFacts* r : asReferrer_) {
      const Outcome o = referralOutcome(rc, *r, today_, offset_, true, wording_);
      if (o.state == Outcome::kVested) ++count;
      if (o.state == Outcome::kHolding) holdingVests.push_back(o.vestsOn);
    }
    std::sort(holdingVests.begin(), holdingVests.end());
    return count;
  }

  void referralTier(const Campaign& c, CampaignEligibility& out) {
    if (blocked(c, out, true) && out.status != EligibilityStatus::kEnded)
      return;  // no medals for staff
    out.hasTier = true;
    std::vector<DayNumber> holding;
    const int successes = successfulReferrals(c.referral, holding);
    TierProgress& t = out.tier;
    t.successfulReferrals = successes;
    const Tier* next = nullptr;
    for (const Tier& tier : c.tiers) {
      if (tier.minReferrals <= successes) {
        t.currentTierId = tier.id;
        t.currentTierTitle = tier.title;
      } else if (next == nullptr) {
        next = &tier;
      }
    }
    if (next != nullptr) {
      t.nextTierId = next->id;
      t.nextTierTitle = next->title;
      t.referralsToNext = next->minReferrals - successes;
      out.nextStep =
          "再成功推荐" + std::to_string(t.referralsToNext) + "位朋友即可获得" + next->title;
    } else {
      out.nextStep = "您已获得最高等级：" + t.currentTierTitle;
    }
    if (out.status == EligibilityStatus::kEnded) {
      out.nextStep.clear();
      return;
    }
    for (const Tier& tier : c.tiers) {
      if (tier.minReferrals > successes) break;
      for (const Reward& reward : tier.rewards) {
        Grant g =
            grantFor(keyed(c) ? c.id + ":" + tier.id + ":" + reward.id : std::string(), reward, "");
        issuableOrIssued(g);
        out.grants.push_back(std::move(g));
      }
    }
    applyLimits(c, out);
    summarise(out);
    if (next != nullptr) {
      if (wording_)
        out.reasons.push_back(
            {"eligibility.tier_not_reached",
             "距离" + next->title + "还差" + std::to_string(t.referralsToNext) + "位成功推荐"});
      // Referrals in their quality hold will count on known dates.
      if (static_cast<int>(holding.size()) >= t.referralsToNext) {
        out.hasUnlockOn = true;
        out.unlockOn = holding[static_cast<std::size_t>(t.referralsToNext - 1)];
        if (out.status == EligibilityStatus::kIneligible) out.status = EligibilityStatus::kPending;
      }
    }
  }

  void monthlyQuota(const Campaign& c, CampaignEligibility& out) {
    if (wording_) {
      out.nextStep =
          "每月" + std::to_string(c.releaseDayOfMonth) + "日开放名额，社群成员推荐的新患者先到先得";
    }
    if (blocked(c, out, true)) return;
    const ReferralFacts* r = asReferee_;
    if (r == nullptr || !r->referrerIsMember || r->level != 1) {
      if (wording_)
        out.reasons.push_back(
            {"eligibility.not_referred_by_member", "名额仅限病友社群成员推荐的新患者"});
      return;
    }
    if (!r->refereeIsNewPatient) {
      if (wording_) out.reasons.push_back({"eligibility.referee_not_new", "名额仅限新患者"});
      return;
    }
    if (r->registrationConfirmedAtMs == 0) {
      out.status = EligibilityStatus::kPending;
      if (wording_) out.reasons.push_back({"eligibility.awaiting_event", "等待医院确认您已建档"});
      return;
    }
    const YearMonth month = yearMonthOf(today_);
    const DayNumber release = firstDayOf(month) + c.releaseDayOfMonth - 1;
    if (today_ < release) {
      out.status = EligibilityStatus::kLocked;
      out.hasUnlockOn = true;
      out.unlockOn = release;
      if (wording_)
        out.reasons.push_back(
            {"eligibility.quota_not_released", "本月名额将于" + dateZh(release) + "开放"});
      return;
    }
    const DayNumber nextRelease = firstDayOf(nextMonth(month)) + c.releaseDayOfMonth - 1;
    for (const QuotaPool& pool : c.pools) {
      Grant g = grantFor(
          keyed(c) ? c.id + ":" + pool.id + "@" + formatYearMonth(month) + ":" + pool.reward.id
                   : std::string(),
          pool.reward, r->id);
      issuableOrIssued(g);
      if (g.state == GrantState::kIssuable) {
        int used = 0;
        for (const PoolCounter& p : req_.pools) {
          if (p.campaignId == c.id && p.poolId == pool.id && monthKey(p.month) == monthKey(month))
            used = p.used;
        }
        if (used >= pool.size) {
          g.state = GrantState::kBlocked;
          if (wording_)
            g.reasons.push_back(
                {"eligibility.quota_exhausted",
                 pool.reward.title + "本月名额已领完，下次开放：" + dateZh(nextRelease)});
        }
      }
      out.grants.push_back(std::move(g));
    }
    applyLimits(c, out);
    summarise(out);
    if (!out.eligible) {
      out.hasUnlockOn = true;
      out.unlockOn = nextRelease;
      if (out.status == EligibilityStatus::kIneligible) out.status = EligibilityStatus::kLocked;
    }
  }

  void checkInMilestone(const Campaign& c, CampaignEligibility& out) {
    if (wording_) out.nextStep = "坚持每日康复打卡，连续达标即可获得" + titles(c.rewards);
    if (blocked(c, out, false)) return;  // G4: own check-ins only; staff may be patients too
    for (const MilestoneFact& m : req_.milestones) {
      if (m.ruleId != c.milestoneRuleId) continue;
      for (const Reward& reward : c.rewards) {
        Grant g =
            grantFor(keyed(c) ? c.id + ":" + m.key + ":" + reward.id : std::string(), reward, "");
        issuableOrIssued(g);
        out.grants.push_back(std::move(g));
      }
    }
    applyLimits(c, out);
    summarise(out);
    // On its way: the check-in screen's own progress, word for word, so the
    // two screens never disagree ("再坚持1天…" there, not "暂无可领" here).
    const StreakProgressFact* p = req_.streakProgress;
    if (p != nullptr && p->ruleId == c.milestoneRuleId && !out.eligible && p->remaining > 0) {
      out.status = EligibilityStatus::kPending;
      out.nextStep = p->text;
    } else if (out.grants.empty()) {
      if (wording_) out.reasons.push_back({"eligibility.no_milestone", "还没有达成连续打卡目标"});
    }
  }

  // Medals and titles are honours, shown as badges; the wallet holds what can
  // be used (vouchers, services, memberships, privileges).
  static bool belongsInWallet(RewardType t) {
    return t != RewardType::kMedal && t != RewardType::kTitle;
  }

  void buildWallet(EligibilityReport& report) const {
    std::map<std::string, const Grant*> grants;
    for (const CampaignEligibility& c : report.campaigns) {
      for (const Grant& g : c.grants) grants[g.key] = &g;
    }
    for (const IssuedReward& i : req_.issued) {
      WalletItem w;
      w.key = i.grantKey;
      w.campaignId = i.campaignId;
      w.title = i.title;
      const auto g = grants.find(i.grantKey);
      int validDays = 0;
      if (g != grants.end() && !belongsInWallet(g->second->reward.type)) continue;
      if (g != grants.end()) {
        w.known = true;
        w.type = g->second->reward.type;
        w.title = g->second->reward.title;
        w.valueFen = g->second->reward.valueFen;
        w.quantity = g->second->reward.quantity;
        validDays = g->second->reward.validDays;
      }
      if (i.status == IssuedStatus::kVoid) {
        w.status = WalletStatus::kVoid;
        w.why = "该券因推荐收到投诉已作废";
        w.dateText = "已作废";
      } else if (i.status == IssuedStatus::kUsed) {
        w.status = WalletStatus::kUsed;
        w.hasDate = i.usedAtMs != 0;
        w.date = w.hasDate ? civilDayOf(i.usedAtMs, offset_) : 0;
        w.why = w.hasDate ? "已于" + dateZh(w.date) + "使用" : "已使用";
        w.dateText = w.why;
      } else {
        const DayNumber issuedDay = civilDayOf(i.issuedAtMs, offset_);
        w.status = WalletStatus::kAvailable;
        w.dateText = "长期有效";
        if (validDays > 0) {
          w.hasDate = true;
          w.date = issuedDay + validDays - 1;  // last usable day
          w.dateText = "有效期至" + dateZh(w.date);
          if (today_ > w.date) {
            w.status = WalletStatus::kExpired;
            w.why = "已于" + dateZh(w.date) + "过期";
            w.dateText = w.why;
          }
        }
      }
      report.wallet.push_back(std::move(w));
    }
    for (const CampaignEligibility& c : report.campaigns) {
      for (const Grant& g : c.grants) {
        if (g.state != GrantState::kHolding && g.state != GrantState::kIssuable) continue;
        if (!belongsInWallet(g.reward.type)) continue;
        WalletItem w;
        w.key = g.key;
        w.campaignId = c.campaignId;
        w.title = g.reward.title;
        w.valueFen = g.reward.valueFen;
        w.quantity = g.reward.quantity;
        w.known = true;
        w.type = g.reward.type;
        if (g.state == GrantState::kHolding) {
          w.status = WalletStatus::kLocked;
          w.hasDate = true;
          w.date = g.vestsOn;
          w.dateText = dateZh(g.vestsOn) + "解锁";
          w.why = g.reasons.empty() ? "" : g.reasons.front().message;
        } else {
          w.status = WalletStatus::kPending;
          w.why = "奖励正在发放中，到账后即可使用";
          w.dateText = "发放中";
        }
        report.wallet.push_back(std::move(w));
      }
      if (!c.hasTier) continue;
      const Campaign* campaign = nullptr;
      for (const Campaign& k : req_.campaigns)
        if (k.id == c.campaignId) campaign = &k;
      for (const Tier& t : campaign->tiers) {
        const bool earned = c.tier.successfulReferrals >= t.minReferrals;
        report.badges.push_back(Badge{c.campaignId, t.id, t.title, earned,
                                      earned ? 0 : t.minReferrals - c.tier.successfulReferrals});
      }
    }
    std::stable_sort(report.wallet.begin(), report.wallet.end(),
                     [](const WalletItem& a, const WalletItem& b) {
                       return std::tie(a.status, a.date, a.key) < std::tie(b.status, b.date, b.key);
                     });
  }

  struct View {
    const std::vector<Campaign>& campaigns;
    const std::vector<PoolCounter>& pools;
    const PatientFacts& patient;
    const std::vector<MilestoneFact>& milestones;
    const std::vector<IssuedReward>& issued;
    const StreakProgressFact* streakProgress;
  } req_;
  bool wording_;
  int offset_;
  DayNumber today_;
  std::map<std::string, const IssuedReward*> issued_;
  std::map<std::string, const CampaignCounter*> counters_;
  std::vector<const ReferralFacts*> asReferrer_;
  const ReferralFacts* asReferee_ = nullptr;
  std::map<std::string, std::vector<const Campaign*>> consumed_;  // referral → campaigns paying it
  bool anyExclusive_ = false;  // consumed_ is read only when a campaign excludes another
};

}  // namespace

namespace {

std::optional<Error> checkShared(const std::vector<Campaign>& campaigns, std::int64_t nowMs,
                                 int offset) {
  const std::vector<Violation> violations = validateCampaigns(campaigns);
  if (!violations.empty()) {
    return Error{violations.front().code, violations.front().message, violations.front().path};
  }
  if (nowMs < kMinInstantMs || nowMs > kMaxInstantMs - 400 * kMsPerDay) {
    return Error{"eligibility.bad_now", "当前时间无效", "/nowMs"};
  }
  if (offset < -kMaxUtcOffsetMinutes || offset > kMaxUtcOffsetMinutes) {
    return Error{"input.out_of_range", "时区偏移必须在 UTC-14：00 到 UTC+14：00 之间",
                 "/utcOffsetMinutes"};
  }
  return std::nullopt;
}

}  // namespace

Result<EligibilityReport> evaluateEligibility(const EligibilityRequest& r) {
  if (auto error = checkShared(r.campaigns, r.nowMs, r.utcOffsetMinutes)) return *error;
  if (r.patient.id.empty()) return Error{"input.missing_field", "缺少患者编号", "/patient/id"};
  return Evaluator(Shared{r.nowMs, r.utcOffsetMinutes, r.campaigns, r.counters, r.pools},
                   Case{r.patient, r.referrals, r.milestones, r.issued,
                        r.hasStreakProgress ? &r.streakProgress : nullptr})
      .run();
}

Result<std::vector<PatientSummary>> evaluateEligibilityBatch(const EligibilityBatchRequest& r) {
  if (auto error = checkShared(r.campaigns, r.nowMs, r.utcOffsetMinutes)) return *error;
  const Shared shared{r.nowMs, r.utcOffsetMinutes, r.campaigns, r.counters, r.pools};
  std::vector<PatientSummary> out;
  out.reserve(r.patients.size());
  for (std::size_t i = 0; i < r.patients.size(); ++i) {
    const PatientCase& p = r.patients[i];
    if (p.patient.id.empty()) {
      return Error{"input.missing_field", "缺少患者编号",
                   "/patients/" + std::to_string(i) + "/patient/id"};
    }
    const EligibilityReport report =
        Evaluator(shared, Case{p.patient, p.referrals, p.milestones, p.issued, nullptr},
                  /*wording=*/false)
            .run(/*withWallet=*/false);
    PatientSummary summary;
    summary.patientId = p.patient.id;
    for (std::size_t k = 0; k < report.campaigns.size(); ++k) {  // in configuration order
      const CampaignEligibility& c = report.campaigns[k];
      if (c.eligible)
        summary.eligible.push_back(r.campaigns[k].id);
      else if (c.status == EligibilityStatus::kPending)
        summary.pending.push_back(r.campaigns[k].id);
    }
    out.push_back(std::move(summary));
  }
  return out;
}

bool clinicalMomentOn(const std::vector<ClinicalMoment>& moments, std::int64_t nowMs,
                      int utcOffsetMinutes) {
  const DayNumber today = civilDayOf(nowMs, utcOffsetMinutes);
  for (const ClinicalMoment& m : moments) {
    const DayNumber day = civilDayOf(m.atMs, utcOffsetMinutes);
    switch (m.kind) {
      case ClinicalMomentKind::kAdmission: {
        if (m.atMs > nowMs) break;
        // On until a discharge at or after the admission, up to now, is recorded.
        bool discharged = false;
        for (const ClinicalMoment& d : moments) {
          if (d.kind == ClinicalMomentKind::kDischarge && d.atMs >= m.atMs && d.atMs <= nowMs) {
            discharged = true;
          }
        }
        if (!discharged) return true;
        break;
      }
      case ClinicalMomentKind::kSurgery:
      case ClinicalMomentKind::kDischarge:
        if (today >= day - 1 && today <= day + 1) return true;
        break;
      case ClinicalMomentKind::kBadNews:
        if (today >= day && today <= day + 29) return true;
        break;
      case ClinicalMomentKind::kDeath:
        if (today >= day && today <= day + 89) return true;
        break;
      case ClinicalMomentKind::kSensitiveCase:
        if (m.atMs <= nowMs) return true;
        break;
    }
  }
  return false;
}

Result<InvitePromptDecision> mayShowInvitePrompt(const InvitePromptRequest& request) {
  if (request.nowMs < kMinInstantMs || request.nowMs > kMaxInstantMs) {
    return Error{"eligibility.bad_now", "当前时间无效", "/nowMs"};
  }
  if (request.utcOffsetMinutes < -kMaxUtcOffsetMinutes ||
      request.utcOffsetMinutes > kMaxUtcOffsetMinutes) {
    return Error{"input.out_of_range", "时区偏移超出范围", "/utcOffsetMinutes"};
  }
  for (std::size_t i = 0; i < request.clinicalMoments.size(); ++i) {
    const std::int64_t at = request.clinicalMoments[i].atMs;
    if (at < kMinInstantMs || at > kMaxInstantMs) {
      return Error{"input.out_of_range", "诊疗时刻应为有效的毫秒时间戳",
                   "/clinicalMoments/" + std::to_string(i) + "/atMs"};
    }
  }
  if (request.maxPrompts < 0 || request.maxPrompts > 3 || request.windowDays < 90 ||
      request.windowDays > 365) {
    // G17: never more than 3 prompts in 90 days, whatever the configuration says.
    return Error{"eligibility.bad_prompt_policy", "推荐提醒频率超出上限（每90天最多3次）",
                 "/maxPrompts"};
  }
  InvitePromptDecision d;
  const std::int64_t windowMs = std::int64_t{request.windowDays} * kMsPerDay;
  std::vector<std::int64_t> recent;
  for (std::int64_t t : request.shownAtMs) {
    if (t > request.nowMs - windowMs) recent.push_back(t);  // future stamps count: conservative
  }
  std::sort(recent.begin(), recent.end());
  const int shown = static_cast<int>(recent.size());
  d.remainingInWindow = std::max(0, request.maxPrompts - shown);
  if (request.optedOut) d.reasons.push_back({"eligibility.prompt_opted_out", "您已关闭推荐提醒"});
  if (request.isStaff)
    d.reasons.push_back({"eligibility.staff_excluded", "医院员工和医生不参与推荐奖励"});
  if (request.inClinicalMoment ||
      clinicalMomentOn(request.clinicalMoments, request.nowMs, request.utcOffsetMinutes)) {
    d.reasons.push_back({"eligibility.prompt_clinical_moment", "就诊和诊疗过程中不展示推荐提醒"});
  }
  const DayNumber today = civilDayOf(request.nowMs, request.utcOffsetMinutes);
  for (std::int64_t t : request.rewardsAtMs) {
    if (civilDayOf(t, request.utcOffsetMinutes) == today) {
      d.reasons.push_back(
          {"eligibility.prompt_reward_day", "今天是您收到奖励的日子，不展示推荐提醒"});
      break;
    }
  }
  if (shown >= request.maxPrompts) {
    d.reasons.push_back(
        {"eligibility.prompt_cap_reached", std::to_string(request.windowDays) + "天内最多提醒" +
                                               std::to_string(request.maxPrompts) + "次"});
    if (!request.optedOut && request.maxPrompts > 0) {
      d.hasNextAllowedAtMs = true;
      d.nextAllowedAtMs = recent[static_cast<std::size_t>(shown - request.maxPrompts)] + windowMs;
    }
  }
  d.allowed = d.reasons.empty();
  return d;
}

}  // namespace carecircle
