// KOC willingness assessment (seed 001): scoring, the ≥12 line, the three tags.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "community/community.hpp"

namespace carecircle {
namespace {

KocRequest answered(std::vector<std::pair<std::string, std::string>> answers) {
  KocRequest r;
  r.hasAnswers = true;
  for (auto& [q, o] : answers) r.answers.push_back({q, o});
  return r;
}

// 4 + 3 + 2 + 2 + 3 = 14 points by default.
KocRequest typical() {
  return answered({{"peakMoment", "strong"},
                   {"recommend", "yes"},
                   {"gatherings", "weekly"},
                   {"groupActivity", "sometimes"},
                   {"experience", "good"},
                   {"incentive", "honour"}});
}

std::string errorOf(const KocRequest& r) {
  Result<KocResult> result = assessKoc(r);
  return result.ok() ? "ok" : result.error().code + " " + result.error().path;
}

TEST(CommunityKoc, TheShippedFormHasFiveScoredQuestionsAndTheIncentiveItem) {
  Result<KocResult> r = assessKoc(KocRequest{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().hasAssessment);
  const auto& questions = r.value().config.questions;
  ASSERT_EQ(questions.size(), 6u);
  int scored = 0;
  for (const auto& q : questions) scored += q.scored ? 1 : 0;
  EXPECT_EQ(scored, 5);
  EXPECT_EQ(r.value().maxScore, 20);
  EXPECT_EQ(r.value().config.threshold, 12);
  EXPECT_EQ(questions[2].text, "您最近和朋友聚会多吗？");  // seed 001's own question
}

TEST(CommunityKoc, TwelvePointsOrMoreEntersTheProgramme) {
  const KocAssessment a = assessKoc(typical()).value().assessment;
  EXPECT_EQ(a.score, 14);
  EXPECT_TRUE(a.qualifies);
  EXPECT_TRUE(a.peakMoment);
  EXPECT_FALSE(a.socialClassA);
  EXPECT_EQ(a.incentive, IncentiveType::kHonour);
  EXPECT_TRUE(a.incentiveFromAnswers);
  EXPECT_EQ(a.summary, "进入转介绍计划，发放「健康大使荣誉推荐函」");
  EXPECT_EQ(a.answers.size(), 6u);
  EXPECT_EQ(a.answers[5].points, 0);

  KocRequest exactly = typical();
  exactly.answers[4].optionId = "fair";  // 14 - 2 = 12
  EXPECT_EQ(assessKoc(exactly).value().assessment.score, 12);
  EXPECT_TRUE(assessKoc(exactly).value().assessment.qualifies);
  exactly.answers[1].optionId = "maybe";  // 11
  const KocAssessment below = assessKoc(exactly).value().assessment;
  EXPECT_EQ(below.score, 11);
  EXPECT_FALSE(below.qualifies);
  EXPECT_EQ(below.summary, "暂不进入转介绍计划（差1分）");
}

TEST(CommunityKoc, ClassAFromFrequentGatheringsOrAFixedGroup) {
  KocRequest r = typical();
  r.answers[2].optionId = "often";
  EXPECT_TRUE(assessKoc(r).value().assessment.socialClassA);
  r = typical();
  r.answers[3].optionId = "fixed";
  EXPECT_TRUE(assessKoc(r).value().assessment.socialClassA);
  EXPECT_FALSE(assessKoc(typical()).value().assessment.socialClassA);
}

TEST(CommunityKoc, IncentiveTypePicksTheLetterTemplate) {
  for (const auto& [option, type, title] :
       std::vector<std::tuple<std::string, IncentiveType, std::string>>{
           {"honour", IncentiveType::kHonour, "健康大使荣誉推荐函"},
           {"benefit", IncentiveType::kBenefit, "成长基金推荐函"},
           {"privilege", IncentiveType::kPrivilege, "黑金推荐函"}}) {
    KocRequest r = typical();
    r.answers[5].optionId = option;
    const KocAssessment a = assessKoc(r).value().assessment;
    EXPECT_EQ(a.incentive, type);
    EXPECT_EQ(referralLetterTitle(a.incentive), title);
  }
}

TEST(CommunityKoc, SensitiveCasesAreNeverInvited) {
  KocRequest r = answered({{"peakMoment", "strong"},
                           {"recommend", "asked"},
                           {"gatherings", "often"},
                           {"groupActivity", "fixed"},
                           {"experience", "great"},
                           {"incentive", "benefit"}});
  r.sensitiveCase = true;
  const KocAssessment a = assessKoc(r).value().assessment;
  EXPECT_EQ(a.score, 20);
  EXPECT_FALSE(a.qualifies);
  EXPECT_EQ(a.summary, "临床敏感情形，暂不进入转介绍计划");
}

TEST(CommunityKoc, EveryQuestionMustBeAnsweredWithOneOfItsOptions) {
  KocRequest r = typical();
  r.answers.erase(r.answers.begin() + 2);
  EXPECT_EQ(errorOf(r), "community.missing_answer /answers/gatherings");
  r = typical();
  r.answers[0].optionId = "5";
  EXPECT_EQ(errorOf(r), "community.bad_answer /answers/peakMoment");
  r = typical();
  r.answers.push_back({"mood", "good"});
  EXPECT_EQ(errorOf(r), "community.unknown_question /answers/mood");
  r = answered({});
  EXPECT_EQ(errorOf(r), "community.missing_answer /answers/peakMoment");
}

TEST(CommunityKoc, BadConfigurationIsRefused) {
  KocRequest r = typical();
  r.config.questions[0].options[2].points = 11;
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions/0/options/2/points");
  r = typical();
  r.config.questions[1].options[0].points = -1;
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions/1/options/0/points");
  r = typical();
  r.config.threshold = 21;
  EXPECT_EQ(errorOf(r), "community.bad_config /config/threshold");
  r = typical();
  r.config.questions[1].id = "peakMoment";
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions/1/id");
  r = typical();
  r.config.questions[0].options.resize(1);
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions/0/options");
  r = typical();
  r.config.questions.clear();
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions");
  r = typical();
  r.config.questions[5].options[0].points = 2;  // the incentive item is not scored
  EXPECT_EQ(errorOf(r), "community.bad_config /config/questions/5/options/0/points");
}

TEST(CommunityKoc, WithoutAnIncentiveItemTheDefaultLetterApplies) {
  KocRequest r = typical();
  r.config.questions.pop_back();
  r.answers.pop_back();
  r.config.defaultIncentive = IncentiveType::kBenefit;
  const KocAssessment a = assessKoc(r).value().assessment;
  EXPECT_EQ(a.incentive, IncentiveType::kBenefit);
  EXPECT_FALSE(a.incentiveFromAnswers);
  EXPECT_TRUE(a.qualifies);
}

}  // namespace
}  // namespace carecircle
