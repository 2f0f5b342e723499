// KOC willingness assessment (seed 001, 第一:找对人): "出院前1天,责任护士用3分钟
// 做'转介绍意愿度评估表',5道题打分,≥12分的患者自动进入二级火箭", with the
// model's three tags: experience peak moment, social influence (class A =
// friends' gatherings ≥ 3 times a week or a fixed group), incentive type.
#include <map>
#include <set>

#include "community/community.hpp"

namespace carecircle {
namespace {

constexpr std::size_t kMaxQuestions = 12;
constexpr std::size_t kMinOptions = 2;
constexpr std::size_t kMaxOptions = 8;
constexpr int kMaxPoints = 10;

KocOption option(const char* id, const char* label, int points) {
  KocOption o;
  o.id = id;
  o.label = label;
  o.points = points;
  return o;
}

}  // namespace

const char* incentiveTypeName(IncentiveType type) {
  switch (type) {
    case IncentiveType::kHonour:
      return "honour";
    case IncentiveType::kBenefit:
      return "benefit";
    case IncentiveType::kPrivilege:
      return "privilege";
  }
  return "honour";
}

const char* incentiveTypeLabel(IncentiveType type) {
  switch (type) {
    case IncentiveType::kHonour:
      return "荣誉驱动型";
    case IncentiveType::kBenefit:
      return "利益共享型";
    case IncentiveType::kPrivilege:
      return "特权稀缺型";
  }
  return "";
}

// Seed 001, 第二:给对饵 — the three e-referral letters.
const char* referralLetterTitle(IncentiveType type) {
  switch (type) {
    case IncentiveType::kHonour:
      return "健康大使荣誉推荐函";
    case IncentiveType::kBenefit:
      return "成长基金推荐函";
    case IncentiveType::kPrivilege:
      return "黑金推荐函";
  }
  return "";
}

std::vector<KocQuestion> defaultKocQuestions() {
  std::vector<KocQuestion> q(6);
  q[0] = {"peakMoment",
          "住院期间，有没有哪一刻让您觉得我们的服务超出了预期？",
          "标签1 体验峰值：如护士半夜送热粥、医生反复耐心讲解。请记下患者提到的具体时刻。",
          true,
          {option("none", "没有特别的", 0), option("some", "有一些，能说上来", 2),
           option("strong", "有，印象很深（主动提起、向亲友讲过或发朋友圈点赞）", 4)}};
  q[0].options[2].peakMoment = true;
  q[1] = {"recommend",
          "如果亲友有类似的健康问题，您愿意向他们介绍我们吗？",
          "",
          true,
          {option("no", "不愿意", 0), option("maybe", "看情况", 2), option("yes", "愿意", 3),
           option("asked", "非常愿意，已经有亲友向我打听过", 4)}};
  q[2] = {"gatherings",
          "您最近和朋友聚会多吗？",
          "标签2 社交影响力：看互动质量，不看好友数量。",
          true,
          {option("rarely", "很少", 0), option("monthly", "每月几次", 1),
           option("weekly", "每周1-2次", 2), option("often", "每周3次以上", 4)}};
  q[2].options[3].socialA = true;
  q[3] = {"groupActivity",
          "您有固定参加的社群活动吗？",
          "如广场舞队、老年大学、家长群、商会、病友群。",
          true,
          {option("none", "没有", 0), option("sometimes", "偶尔参加", 2),
           option("fixed", "有固定社群活动", 4)}};
  q[3].options[2].socialA = true;
  q[4] = {"experience",
          "您对这次治疗和康复的整体感受如何？",
          "",
          true,
          {option("poor", "不满意", 0), option("fair", "一般", 1), option("good", "满意", 3),
           option("great", "非常满意", 4)}};
  q[5] = {"incentive",
          "如果您的推荐帮到了亲友，您更看重哪种回馈？",
          "标签3 利益敏感度：用于选择电子推荐函模板，不计分。回馈均为健康服务，不发现金。",
          false,
          {option("honour", "一份荣誉（如健康大使称号、奖章）", 0),
           option("benefit", "实惠的健康服务（如检查抵用券、家庭医生服务）", 0),
           option("privilege", "专属特权（如绿色通道、专家解读报告）", 0)}};
  q[5].options[0].incentive = IncentiveType::kHonour;
  q[5].options[1].incentive = IncentiveType::kBenefit;
  q[5].options[2].incentive = IncentiveType::kPrivilege;
  return q;
}

Result<KocResult> assessKoc(const KocRequest& request) {
  const KocConfig& config = request.config;
  auto bad = [](std::string message, std::string path) {
    return Error{"community.bad_config", std::move(message), std::move(path)};
  };
  if (config.questions.empty() || config.questions.size() > kMaxQuestions)
    return bad("评估表应有1到12道题", "/config/questions");
  int maxScore = 0;
  std::set<std::string> questionIds;
  for (std::size_t i = 0; i < config.questions.size(); ++i) {
    const KocQuestion& q = config.questions[i];
    const std::string path = "/config/questions/" + std::to_string(i);
    if (q.id.empty() || !questionIds.insert(q.id).second)
      return bad("题目编号为空或重复", path + "/id");
    if (q.text.empty()) return bad("题目内容不能为空", path + "/text");
    if (q.options.size() < kMinOptions || q.options.size() > kMaxOptions)
      return bad("每道题应有2到8个选项", path + "/options");
    std::set<std::string> optionIds;
    int best = 0;
    for (std::size_t k = 0; k < q.options.size(); ++k) {
      const KocOption& o = q.options[k];
      const std::string opath = path + "/options/" + std::to_string(k);
      if (o.id.empty() || !optionIds.insert(o.id).second)
        return bad("选项编号为空或重复", opath + "/id");
      if (o.label.empty()) return bad("选项内容不能为空", opath + "/label");
      if (o.points < 0 || o.points > kMaxPoints)
        return bad("选项分值必须在0到10之间", opath + "/points");
      if (!q.scored && o.points != 0) return bad("不计分的题目选项分值必须为0", opath + "/points");
      best = std::max(best, o.points);
    }
    maxScore += best;
  }
  if (config.threshold < 0 || config.threshold > maxScore)
    return bad("入选分数线必须在0到满分（" + std::to_string(maxScore) + "分）之间",
               "/config/threshold");

  KocResult result;
  result.patientId = request.patientId;
  result.config = config;
  result.maxScore = maxScore;
  if (!request.hasAnswers) return result;

  std::map<std::string, const KocAnswer*> byQuestion;
  for (const KocAnswer& a : request.answers) {
    if (questionIds.count(a.questionId) == 0) {
      return Error{"community.unknown_question", "评估表中没有这道题：" + a.questionId,
                   "/answers/" + a.questionId};
    }
    byQuestion[a.questionId] = &a;
  }
  KocAssessment& out = result.assessment;
  out.maxScore = maxScore;
  out.threshold = config.threshold;
  out.incentive = config.defaultIncentive;
  for (const KocQuestion& q : config.questions) {
    const auto it = byQuestion.find(q.id);
    if (it == byQuestion.end()) {
      return Error{"community.missing_answer", "还有题目未作答：" + q.text, "/answers/" + q.id};
    }
    const KocOption* chosen = nullptr;
    for (const KocOption& o : q.options) {
      if (o.id == it->second->optionId) chosen = &o;
    }
    if (chosen == nullptr) {
      return Error{"community.bad_answer", "答案不是这道题的选项：" + it->second->optionId,
                   "/answers/" + q.id};
    }
    if (q.scored) out.score += chosen->points;
    out.peakMoment = out.peakMoment || chosen->peakMoment;
    out.socialClassA = out.socialClassA || chosen->socialA;
    if (chosen->incentive && !out.incentiveFromAnswers) {
      out.incentive = *chosen->incentive;
      out.incentiveFromAnswers = true;
    }
    out.answers.push_back({q.id, chosen->id, chosen->label, q.scored ? chosen->points : 0});
  }
  out.qualifies = out.score >= config.threshold && !request.sensitiveCase;
  result.hasAssessment = true;

  const std::string scoreLine =
      "得分" + std::to_string(out.score) + "分（满分" + std::to_string(maxScore) + "分），";
  out.reasons.push_back(scoreLine + (out.score >= config.threshold ? "达到" : "未达到") +
                        std::to_string(config.threshold) + "分的入选线");
  if (request.sensitiveCase) {
    out.reasons.push_back("临床敏感情形：本次不邀请参与转介绍，以免打扰患者");
  }
  if (out.peakMoment) {
    out.reasons.push_back(request.peakMomentNote.empty()
                              ? "有体验峰值时刻"
                              : "有体验峰值时刻：" + request.peakMomentNote);
  } else {
    out.reasons.push_back("未发现体验峰值时刻");
  }
  out.reasons.push_back(out.socialClassA ? "社交影响力A类（每周聚会3次以上或有固定社群活动）"
                                         : "社交影响力B类");
  out.reasons.push_back(std::string("激励偏好：") + incentiveTypeLabel(out.incentive) +
                        (out.incentiveFromAnswers ? "" : "（未作答，按默认）"));
  if (out.qualifies) {
    out.summary = std::string("进入转介绍计划，发放「") + referralLetterTitle(out.incentive) + "」";
  } else if (request.sensitiveCase) {
    out.summary = "临床敏感情形，暂不进入转介绍计划";
  } else {
    out.summary = "暂不进入转介绍计划（差" + std::to_string(config.threshold - out.score) + "分）";
  }
  return result;
}

}  // namespace carecircle
