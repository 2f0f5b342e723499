// The structural checks (moderation_structure.hpp): drug names with doses
// and who they are said to, contact ids and their disguises, links, phone
// numbers in Chinese digits, the OpenCC folding table and sound-alikes; and
// the formulary's bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "moderation/moderation.hpp"
#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

ModerationReport check(const std::string& text,
                       ModerationContext context = ModerationContext::kMessage) {
  return ModerationPolicy::defaults().check(text, context).value();
}

const ModerationMatch* find(const ModerationReport& r, const std::string& ruleId) {
  for (const ModerationMatch& m : r.matches)
    if (m.ruleId == ruleId) return &m;
  return nullptr;
}

// The texts that used to pass as "可以发布 · 未发现需要处理的内容", each with
// the rule and the exact span now reported.
TEST(ModerationStructure, TheTextsPatientsTypeAreCaughtWithTheRightSpan) {
  struct Case {
    const char* text;
    const char* ruleId;
    const char* span;
  };
  const Case cases[] = {
      {"王阿姨，优甲乐一天两片就够了", "drug-advice-dose", "优甲乐一天两片"},
      {"左甲状腺素钠 50微克 每天早上空腹吃", "drug-advice-dose", "左甲状腺素钠 50微克 每天早上空腹吃"},
      {"加我微信 zhang_1988 私聊", "contact-id", "加我微信 zhang_1988"},
      {"有问题加扣扣 12345678", "contact-id", "加扣扣 12345678"},
      {"Q Q 一二三四五六七八", "contact-id", "Q Q 一二三四五六七八"},
      {"威信 wxid_abc123", "contact-id", "wxid_abc123"},
      {"看这个 https://t.cn/A6xyz 领取", "contact-link", "https://t.cn/A6xyz"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const ModerationReport r = check(c.text);
    EXPECT_EQ(r.verdict, ModerationVerdict::kBlock);
    const ModerationMatch* m = find(r, c.ruleId);
    ASSERT_NE(m, nullptr) << r.summary;
    EXPECT_EQ(std::string(c.text).substr(m->byteStart, m->byteEnd - m->byteStart), c.span);
  }
  const ModerationReport phone = check("电话幺三八一二三四五六七八");
  const ModerationMatch* m = find(phone, "personal-data-mobile");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->matchedText, "138****5678");
  EXPECT_EQ(m->codePointStart, 2u);
  EXPECT_EQ(m->codePointEnd, 13u);
}

TEST(ModerationStructure, ANameInOnesOwnAccountIsReviewNotBlock) {
  for (const char* text : {"今天按医嘱吃了优甲乐", "张医生，我优甲乐每天两片，可以减量吗？",
                           "我按医嘱每天一片优甲乐，已经三个月了", "你们有人吃过二甲双胍吗"}) {
    SCOPED_TRACE(text);
    const ModerationReport r = check(text);
    EXPECT_EQ(r.verdict, ModerationVerdict::kReview);
    EXPECT_EQ(r.categories, std::vector<std::string>{"drugMention"});
  }
  // A story names no drug at all.
  EXPECT_EQ(check("我一直按医嘱吃优甲乐", ModerationContext::kStory).verdict,
            ModerationVerdict::kBlock);
}

TEST(ModerationStructure, AdviceNeedsAnInstructionAndSomeoneToTell) {
  EXPECT_EQ(check("你试试拜新同，每天一片").verdict, ModerationVerdict::kBlock);
  EXPECT_EQ(check("我每天一片拜新同，你也试试").verdict, ModerationVerdict::kBlock);
  EXPECT_EQ(check("拜新同挺好的").verdict, ModerationVerdict::kReview);  // no instruction
  // A dose without a drug name is not drug advice.
  EXPECT_EQ(check("今天吃了两片面包").verdict, ModerationVerdict::kPass);
  EXPECT_EQ(check("感谢医生护士的一片心意").verdict, ModerationVerdict::kPass);
}

TEST(ModerationStructure, EverydayTalkAboutAppsAndNumbersPasses) {
  for (const char* text : {"今天微信步数12000步，破纪录了", "扫码打卡成功", "有问题可以私聊护士",
                           "我把照片发到微信群里了", "血压135/85，心率72", "版本 v2.0 更新了",
                           "Walking together, WWW.MMM", "0.5mg 是多少"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(check(text).verdict, ModerationVerdict::kPass) << check(text).summary;
  }
}

TEST(ModerationStructure, FoldingUsesTheOpenccTableAndSoundAlikes) {
  // Characters outside the old hand-made table: 風 險 樂.
  EXPECT_EQ(foldString("零風險"), foldString("零风险"));
  EXPECT_EQ(foldString("優甲樂"), foldString("优甲乐"));
  EXPECT_EQ(check("零風險").verdict, ModerationVerdict::kBlock);
  const ModerationReport r = check("祖传迷方，genzhi 糖尿病");
  ASSERT_NE(find(r, "drug-advice-folk-remedy"), nullptr);
  EXPECT_EQ(find(r, "drug-advice-folk-remedy")->pattern, "秘方");  // reported as its word
  ASSERT_NE(find(r, "efficacy-cure-claim"), nullptr);
  EXPECT_EQ(find(r, "efficacy-cure-claim")->matchedText, "genzhi");
  EXPECT_EQ(check("根植于心").verdict, ModerationVerdict::kPass);  // on the stop list
}

TEST(ModerationStructure, AHospitalFormularyReplacesTheDemoList) {
  ModerationConfig config;
  config.drugNames = {"阿莫西林", "头孢克肟"};
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  EXPECT_EQ(policy.check("阿莫西林一天三次，你照着吃", ModerationContext::kMessage)
                .value()
                .verdict,
            ModerationVerdict::kBlock);
  EXPECT_EQ(policy.check("优甲乐一天两片", ModerationContext::kMessage).value().verdict,
            ModerationVerdict::kPass);
  config.drugNames.clear();  // no formulary: no drug structure
  EXPECT_EQ(ModerationPolicy::compile(config)
                .value()
                .check("阿莫西林一天三次", ModerationContext::kMessage)
                .value()
                .verdict,
            ModerationVerdict::kPass);
}

TEST(ModerationStructure, BadFormulariesAreRefusedWithTheirPath) {
  auto error = [](std::vector<std::string> names) {
    ModerationConfig config;
    config.drugNames = std::move(names);
    Result<ModerationPolicy> p = ModerationPolicy::compile(config);
    EXPECT_FALSE(p.ok());
    return p.ok() ? Error{} : p.error();
  };
  std::vector<std::string> many;
  many.reserve(100'000);
  for (int i = 0; i < 100'000; ++i) many.push_back("药" + std::to_string(i));
  Error e = error(many);
  EXPECT_EQ(e.code, "moderation.bad_config");
  EXPECT_EQ(e.path, "/config/drugNames");
  e = error({"优甲乐", ""});
  EXPECT_EQ(e.path, "/config/drugNames/1");
  e = error({"！？ 。"});
  EXPECT_EQ(e.path, "/config/drugNames/0");
  e = error({"优甲乐", "優甲樂"});
  EXPECT_EQ(e.path, "/config/drugNames/1");
  EXPECT_NE(e.message.find("重复"), std::string::npos);
  e = error({"优甲乐", std::string("\xE4\xBC", 2)});
  EXPECT_EQ(e.code, "moderation.bad_config");
  EXPECT_EQ(e.path, "/config/drugNames/1");
  e = error({std::string(65, 'a')});
  EXPECT_EQ(e.path, "/config/drugNames/0");
  // 20,000 names compile and still find a name.
  many.resize(20'000);
  ModerationConfig config;
  config.drugNames = many;
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  EXPECT_EQ(policy.check("药19999每天两片", ModerationContext::kMessage).value().verdict,
            ModerationVerdict::kBlock);
}

TEST(ModerationStructure, InvalidUtf8TextIsAnErrorNotAFinding) {
  const auto r = ModerationPolicy::defaults().check("优甲乐\xFF", ModerationContext::kMessage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "moderation.bad_utf8");
}

TEST(ModerationStructure, LongTextsStayBoundedAndLinear) {
  // Many drug names, ids and links in one text: findings are counted, the
  // listed matches capped, nothing grows without bound.
  std::string text;
  for (int i = 0; i < 20'000; ++i) text += "优甲乐每天两片，加我微信 abc12345，https://t.cn/x ";
  const ModerationReport r = check(text);
  EXPECT_EQ(r.verdict, ModerationVerdict::kBlock);
  EXPECT_EQ(r.matches.size(), 200u);
  EXPECT_GE(r.totalMatches, 60'000u);
}

}  // namespace
}  // namespace carecircle
