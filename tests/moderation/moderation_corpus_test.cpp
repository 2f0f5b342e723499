// The labelled corpus of group messages (tests/moderation/corpus.jsonl):
// everyday talk, thanks, exercise reports, questions to the doctor, and the
// risky kinds (drug advice, drug names, efficacy claims, private contact,
// personal data, superlatives), each with the verdict and category it should
// get. This test holds the shipped rules to a floor of precision and recall
// per category, and to everyday talk staying clean: a false block on everyday
// talk is as much a defect as a miss. The floors are the measured values
// (docs/api/moderation.md, "Measured") rounded down, so any regression fails.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "moderation/moderation.hpp"

namespace carecircle {
namespace {

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
};

struct Floor {
  double precision;
  double recall;
};

TEST(ModerationCorpus, PrecisionAndRecallPerCategoryStayAboveTheirFloors) {
  std::ifstream in(std::string(CARECIRCLE_FIXTURES_DIR) + "/../moderation/corpus.jsonl");
  ASSERT_TRUE(in) << "corpus.jsonl not found";
  std::map<std::string, Counts> counts;
  int messages = 0, everyday = 0, everydayClean = 0, verdictsAgree = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json row = nlohmann::json::parse(line);
    const std::string text = row.at("text");
    const std::string verdict = row.at("verdict");
    const std::string category = row.at("category");
    // "also": categories that are right too (a phone number after "联系我" is
    // contact as well as personal data); not counted as false positives.
    const std::set<std::string> also = row.value("also", std::set<std::string>{});
    const ModerationReport r =
        ModerationPolicy::defaults().check(text, ModerationContext::kMessage).value();
    ++messages;
    if (moderationVerdictName(r.verdict) == verdict) ++verdictsAgree;
    const std::set<std::string> got(r.categories.begin(), r.categories.end());
    if (category == "none") {
      ++everyday;
      if (r.verdict == ModerationVerdict::kPass) ++everydayClean;
      else ADD_FAILURE() << "everyday message flagged: " << text << " → " << r.summary;
    } else {
      counts[category];
      if (!got.count(category)) ++counts[category].fn;
    }
    for (const std::string& c : got) {
      if (c == category) ++counts[c].tp;
      else if (!also.count(c)) ++counts[c].fp;
    }
  }
  ASSERT_GE(messages, 500);
  ASSERT_GE(everyday, 300);

  // The measured values, rounded down (see docs/api/moderation.md).
  const std::map<std::string, Floor> floors = {
      {"drugAdvice", {0.98, 0.98}},    {"drugMention", {0.98, 0.98}},
      {"efficacyClaim", {1.00, 1.00}}, {"contact", {1.00, 0.97}},
      {"personalData", {1.00, 0.97}},  {"superlative", {1.00, 1.00}},
  };
  for (const auto& [category, c] : counts) {
    SCOPED_TRACE(category);
    const auto floor = floors.find(category);
    ASSERT_NE(floor, floors.end()) << "a category without a floor";
    EXPECT_GE(c.precision(), floor->second.precision)
        << "tp " << c.tp << " fp " << c.fp << " fn " << c.fn;
    EXPECT_GE(c.recall(), floor->second.recall) << "tp " << c.tp << " fp " << c.fp << " fn " << c.fn;
  }
  EXPECT_EQ(everydayClean, everyday);  // no everyday message is flagged
  EXPECT_GE(double(verdictsAgree) / messages, 0.99);
}

}  // namespace
}  // namespace carecircle
