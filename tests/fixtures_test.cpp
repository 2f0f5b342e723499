// Golden fixtures: tests/fixtures/<module>/<export>/<name>.json is a request,
// <name>.expected.json the exact reply bytes (plus a final newline). The Node
// suite replays the same files through the .wasm, so native and wasm must
// agree byte for byte. Do not update an expected file to hide a failure.
//
// One test case per fixture, named <module>_<export>_<name>, so a failure
// names the rule that broke instead of one test covering every file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "registry/exports.hpp"

namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Fixture {
  std::string module;
  std::string exportName;
  fs::path request;
};

// Every request file under the fixtures folder, sorted so names are stable.
std::vector<Fixture> listFixtures() {
  std::vector<Fixture> out;
  std::error_code ec;
  for (const auto& module : fs::directory_iterator(CARECIRCLE_FIXTURES_DIR, ec)) {
    if (!module.is_directory()) continue;
    for (const auto& exportDir : fs::directory_iterator(module.path())) {
      if (!exportDir.is_directory()) continue;
      for (const auto& file : fs::directory_iterator(exportDir.path())) {
        const std::string fileName = file.path().filename().string();
        if (file.path().extension() != ".json" || fileName.ends_with(".expected.json")) continue;
        out.push_back({module.path().filename().string(), exportDir.path().filename().string(),
                       file.path()});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.request < b.request; });
  return out;
}

// GoogleTest case names: letters, digits and underscores only.
std::string caseName(const Fixture& f) {
  std::string name = f.module + "_" + f.exportName + "_" + f.request.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// Printed in failure messages as its path, not as bytes.
void PrintTo(const Fixture& f, std::ostream* os) {
  *os << f.request.string();
}

class GoldenFixture : public ::testing::TestWithParam<Fixture> {};

TEST_P(GoldenFixture, NativeReplyMatchesTheExpectedBytes) {
  const Fixture& f = GetParam();
  const carecircle::JsonExport* run = carecircle::findJsonExport(f.exportName);
  ASSERT_NE(run, nullptr) << "unknown export folder " << f.request.parent_path();
  fs::path expectedPath = f.request;
  expectedPath.replace_extension(".expected.json");
  ASSERT_TRUE(fs::exists(expectedPath)) << "missing " << expectedPath;
  EXPECT_EQ(run->run(readFile(f.request)) + "\n", readFile(expectedPath)) << f.request;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenFixture, ::testing::ValuesIn(listFixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& info) {
                           return caseName(info.param);
                         });

// The fixtures folder must not silently go empty, and every module keeps some.
TEST(GoldenFixtures, EveryModuleHasFixtures) {
  const std::vector<Fixture> all = listFixtures();
  EXPECT_GE(all.size(), 8u);
  for (const char* module :
       {"community", "eligibility", "moderation", "poster", "referral", "streak"}) {
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [&](const Fixture& f) { return f.module == module; }))
        << module;
  }
}

}  // namespace
