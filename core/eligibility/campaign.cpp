#include "eligibility/campaign.hpp"

#include <set>

namespace carecircle {
namespace {

bool isForbiddenRewardType(RewardType t) {
  return t == RewardType::kCash || t == RewardType::kRedPacket || t == RewardType::kBalance ||
         t == RewardType::kPoints;
}

bool isHospitalEvent(Trigger t) {
  switch (t) {
    case Trigger::kRegistrationConfirmed:
    case Trigger::kArrivalConfirmed:
    case Trigger::kConversionConfirmed:
    case Trigger::kAdmissionConfirmed:
    case Trigger::kDischargeConfirmed:
      return true;
    default:
      return false;
  }
}

bool isShare(Trigger t) {
  return t == Trigger::kShareToMoments || t == Trigger::kShareToGroup;
}

class Checker {
 public:
  Checker(const Campaign& c, std::string path, std::vector<Violation>& out)
      : c_(c), path_(std::move(path)), out_(out) {}

  void add(const char* code, const char* guard, std::string message, const std::string& subpath) {
    out_.push_back(Violation{c_.id, code, guard, std::move(message), path_ + subpath});
  }

  // Reward ids are unique within one list (grant keys carry the list's side).
  void rewards(const std::vector<Reward>& list, const std::string& subpath) {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = subpath + "/" + std::to_string(i);
      reward(list[i], p);
      if (!list[i].id.empty() && !ids.insert(list[i].id).second) {
        add("campaign.bad_reward", "", "奖励编号在同一列表内重复：" + list[i].id, p + "/id");
      }
    }
  }

  void reward(const Reward& r, const std::string& subpath) {
    // G1: health-service vouchers bound to the patient, never money.
    if (isForbiddenRewardType(r.type)) {
      add("campaign.cash_reward_forbidden", "G1",
          "奖励不能是现金、红包、余额或积分：医院推荐奖励只能是绑定本人的医疗健康服务券（反不正当竞"
          "争法禁止现金返利）",
          subpath + "/type");
    }
    if (r.cashConvertible) {
      add("campaign.cash_reward_forbidden", "G1", "奖励不能兑换现金：只能是医疗健康服务",
          subpath + "/cashConvertible");
    }
    if (r.transferable) {
      add("campaign.cash_reward_forbidden", "G1", "奖励不能转让：必须绑定患者本人，避免变相现金",
          subpath + "/transferable");
    }
    if (r.valueFen < 0) add("campaign.bad_reward", "", "奖励面额不能为负数", subpath + "/valueFen");
    if (r.quantity < 1 || r.quantity > 10)
      add("campaign.bad_reward", "", "每次发放数量必须在1到10之间", subpath + "/quantity");
    if (r.validDays < 0 || r.validDays > 3660)
      add("campaign.bad_reward", "", "有效天数必须在0到3660之间", subpath + "/validDays");
    if (r.title.empty()) add("campaign.bad_reward", "", "奖励名称不能为空", subpath + "/title");
    if (r.id.empty()) add("campaign.bad_reward", "", "奖励编号不能为空", subpath + "/id");
  }

  void referral(const ReferralConditions& rc) {
    if (isShare(rc.trigger)) {
      add("campaign.share_condition_forbidden", "G3",
          "奖励不能以分享到朋友圈或群为条件（微信禁止诱导分享）：请改为“朋友通过推荐码建档”等医院确"
          "认的事件",
          "/referral/trigger");
    } else if (!isHospitalEvent(rc.trigger)) {
      add("campaign.trigger_not_hospital_event", "G2",
          "奖励只能由医院确认的事件触发（建档、到院、成交、入院、出院），不能由扫码、点击、注册或发"
          "出邀请触发",
          "/referral/trigger");
    }
    if (rc.holdDays < 90 || rc.holdDays > 365) {
      add("campaign.hold_too_short", "G20", "推荐奖励须设置90天无投诉的质量保证期（90~365天）",
          "/referral/holdDays");
    }
  }

  void run() {
    if (c_.id.empty()) add("campaign.bad_id", "", "活动编号不能为空", "/id");
    if (c_.title.empty()) add("campaign.bad_title", "", "活动名称不能为空", "/title");
    if (c_.hasValidFrom && c_.hasValidTo && c_.validTo < c_.validFrom) {
      add("campaign.bad_window", "", "活动结束日期早于开始日期", "/validTo");
    }
    if (c_.perPersonLimit < 0)
      add("campaign.bad_limit", "", "每人限额不能为负数", "/perPersonLimit");
    if (c_.budgetFen < 0) add("campaign.bad_limit", "", "活动预算不能为负数", "/budgetFen");
    for (std::size_t i = 0; i < c_.rewardLevels.size(); ++i) {
      if (c_.rewardLevels[i] != 1) {
        add("campaign.downline_reward_forbidden", "G5",
            "只能奖励直接推荐（第1级）：对第2级及以下的推荐给予奖励属于传销式多级分销，被明令禁止",
            "/rewardLevels/" + std::to_string(i));
      }
    }
    if (c_.includeStaff) {
      add("campaign.staff_beneficiary_forbidden", "G15", "医院员工和医生不能成为推荐奖励的受益人",
          "/includeStaff");
    }
    if (c_.minSpendFen != 0) {
      add("campaign.spend_condition_forbidden", "G15", "奖励不能与消费金额挂钩", "/minSpendFen");
    }
    if (!c_.requiresShareTo.empty()) {
      add("campaign.share_condition_forbidden", "G3",
          "奖励不能以分享到朋友圈或群为条件（微信禁止诱导分享）", "/requiresShareTo");
    }
    if (c_.selection != "firstCome") {
      add("campaign.lottery_forbidden", "G14", "不允许抽奖或随机奖励：名额按先到先得发放",
          "/selection");
    }
    switch (c_.type) {
      case CampaignType::kReferralReward:
        referral(c_.referral);
        if (c_.referrerRewards.empty() && c_.refereeRewards.empty()) {
          add("campaign.empty_rewards", "", "活动没有设置任何奖励", "/referrerRewards");
        }
        rewards(c_.referrerRewards, "/referrerRewards");
        rewards(c_.refereeRewards, "/refereeRewards");
        // G16: an inpatient referral pays only after discharge, never on stay.
        if (c_.referral.refereeMustBeInpatient && !c_.referrerRewards.empty() &&
            c_.referral.trigger != Trigger::kDischargeConfirmed) {
          add("campaign.inpatient_reward_timing", "G16",
              "住院推荐的奖励只能在朋友出院后发放，不能与住院、住院天数或费用挂钩",
              "/referral/trigger");
        }
        break;
      case CampaignType::kReferralTier: {
        referral(c_.referral);
        if (c_.tiers.empty())
          add("campaign.empty_rewards", "", "等级活动至少需要一个等级", "/tiers");
        int previous = 0;
        std::set<std::string> ids;
        for (std::size_t i = 0; i < c_.tiers.size(); ++i) {
          const Tier& t = c_.tiers[i];
          const std::string p = "/tiers/" + std::to_string(i);
          if (t.minReferrals <= previous || t.minReferrals > 1000) {
            add("campaign.bad_tiers", "", "等级所需推荐人数必须从1起严格递增（上限1000）",
                p + "/minReferrals");
          }
          previous = t.minReferrals;
          if (t.id.empty() || !ids.insert(t.id).second)
            add("campaign.bad_tiers", "", "等级编号为空或重复", p + "/id");
          if (t.title.empty()) add("campaign.bad_tiers", "", "等级名称不能为空", p + "/title");
          rewards(t.rewards, p + "/rewards");
        }
        break;
      }
      case CampaignType::kMonthlyQuota:
        if (c_.releaseDayOfMonth < 1 || c_.releaseDayOfMonth > 28) {
          add("campaign.bad_quota", "", "名额发放日必须是每月1到28日", "/releaseDayOfMonth");
        }
        if (c_.pools.empty())
          add("campaign.empty_rewards", "", "名额活动至少需要一个名额池", "/pools");
        for (std::size_t i = 0; i < c_.pools.size(); ++i) {
          const std::string p = "/pools/" + std::to_string(i);
          if (c_.pools[i].size < 0 || c_.pools[i].size > 100000) {
            add("campaign.bad_quota", "", "每月名额数必须在0到100000之间", p + "/size");
          }
          if (c_.pools[i].id.empty() || !poolIds_.insert(c_.pools[i].id).second) {
            add("campaign.bad_quota", "", "名额池编号为空或重复", p + "/id");
          }
          reward(c_.pools[i].reward, p + "/reward");
        }
        break;
      case CampaignType::kCheckInMilestone:
        if (c_.milestoneRuleId.empty())
          add("campaign.bad_milestone", "", "缺少打卡里程碑规则编号", "/milestoneRuleId");
        if (c_.rewards.empty())
          add("campaign.empty_rewards", "", "活动没有设置任何奖励", "/rewards");
        rewards(c_.rewards, "/rewards");
        break;
    }
  }

 private:
  const Campaign& c_;
  std::string path_;
  std::vector<Violation>& out_;
  std::set<std::string> poolIds_;
};

}  // namespace

std::vector<Violation> validateCampaigns(const std::vector<Campaign>& campaigns) {
  std::vector<Violation> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    Checker checker(campaigns[i], "/campaigns/" + std::to_string(i), out);
    checker.run();
    if (!campaigns[i].id.empty() && !ids.insert(campaigns[i].id).second) {
      checker.add("campaign.duplicate_id", "", "活动编号重复：" + campaigns[i].id, "/id");
    }
  }
  // References between campaigns need the whole set.
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    for (std::size_t k = 0; k < campaigns[i].exclusiveWith.size(); ++k) {
      if (!ids.count(campaigns[i].exclusiveWith[k]) ||
          campaigns[i].exclusiveWith[k] == campaigns[i].id) {
        out.push_back(
            Violation{campaigns[i].id, "campaign.bad_exclusion", "",
                      "互斥活动编号不存在或指向自身：" + campaigns[i].exclusiveWith[k],
                      "/campaigns/" + std::to_string(i) + "/exclusiveWith/" + std::to_string(k)});
      }
    }
  }
  return out;
}

namespace {

// Index rewards by id so an edit can be compared reward by reward.
const Reward* findReward(const std::vector<Reward>& list, const std::string& id) {
  for (const Reward& r : list)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace

std::vector<Violation> validateCampaignChange(const Campaign& before, const Campaign& after) {
  std::vector<Violation> out;
  Checker(after, "", out).run();  // the edit alone: set-wide references are checked on publish
  if (before.status != CampaignStatus::kRunning) return out;  // drafts may change freely

  auto worse = [&](std::string message, std::string path) {
    out.push_back(Violation{after.id, "campaign.unfavourable_change", "G13",
                            "活动进行中，规则只能向有利于用户的方向调整：" + std::move(message),
                            std::move(path)});
  };
  if (after.id != before.id) worse("不能更改活动编号", "/id");
  if (after.type != before.type) worse("不能更改活动类型", "/type");
  if (!after.enabled && before.enabled && after.status == CampaignStatus::kRunning) {
    // Switching off is allowed only by ending the campaign, which keeps issued rewards.
    worse("关闭进行中的活动须先结束活动（已发放的奖励保持有效）", "/enabled");
  }
  if (before.hasValidTo && (!after.hasValidTo ? false : after.validTo < before.validTo)) {
    worse("不能提前结束日期", "/validTo");
  }
  if (after.hasValidFrom && (!before.hasValidFrom || after.validFrom > before.validFrom)) {
    worse("不能推迟开始日期", "/validFrom");
  }
  if (after.perPersonLimit != 0 &&
      (before.perPersonLimit == 0 || after.perPersonLimit < before.perPersonLimit)) {
    worse("不能降低每人限额", "/perPersonLimit");
  }
  if (after.budgetFen != 0 && (before.budgetFen == 0 || after.budgetFen < before.budgetFen)) {
    worse("不能削减活动预算", "/budgetFen");
  }
  const ReferralConditions& a = after.referral;
  const ReferralConditions& b = before.referral;
  if (a.trigger != b.trigger) worse("不能更改触发事件", "/referral/trigger");
  if ((a.refereeMustBeNew && !b.refereeMustBeNew) ||
      (a.refereeMustBeInpatient && !b.refereeMustBeInpatient) ||
      (a.referrerMustBeMember && !b.referrerMustBeMember) ||
      (a.channel != b.channel && !a.channel.empty())) {
    worse("不能增加参与条件", "/referral");
  }
  if (a.holdDays > b.holdDays) worse("不能延长质量保证期", "/referral/holdDays");
  auto compareRewards = [&](const std::vector<Reward>& was, const std::vector<Reward>& now,
                            const std::string& path) {
    for (const Reward& old : was) {
      const Reward* edited = findReward(now, old.id);
      if (edited == nullptr) {
        worse("不能取消奖励 " + old.title, path);
      } else if (edited->valueFen < old.valueFen || edited->quantity < old.quantity ||
                 (edited->validDays != 0 &&
                  (old.validDays == 0 || edited->validDays < old.validDays))) {
        worse("不能降低奖励 " + old.title + " 的面额、数量或有效期", path);
      }
    }
  };
  compareRewards(before.referrerRewards, after.referrerRewards, "/referrerRewards");
  compareRewards(before.refereeRewards, after.refereeRewards, "/refereeRewards");
  compareRewards(before.rewards, after.rewards, "/rewards");
  for (const Tier& old : before.tiers) {
    const Tier* edited = nullptr;
    for (const Tier& t : after.tiers)
      if (t.id == old.id) edited = &t;
    if (edited == nullptr) {
      worse("不能取消等级 " + old.title, "/tiers");
    } else {
      if (edited->minReferrals > old.minReferrals)
        worse("不能提高等级 " + old.title + " 的门槛", "/tiers");
      compareRewards(old.rewards, edited->rewards, "/tiers");
    }
  }
  for (const QuotaPool& old : before.pools) {
    const QuotaPool* edited = nullptr;
    for (const QuotaPool& p : after.pools)
      if (p.id == old.id) edited = &p;
    if (edited == nullptr || edited->size < old.size) {
      worse("不能减少每月名额", "/pools");
    } else {
      compareRewards({old.reward}, {edited->reward}, "/pools");
    }
  }
  if (after.releaseDayOfMonth != before.releaseDayOfMonth)
    worse("不能更改名额发放日", "/releaseDayOfMonth");
  return out;
}

}  // namespace carecircle
