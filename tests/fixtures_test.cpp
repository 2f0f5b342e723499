// Golden fixtures: tests/fixtures/<module>/<export>/<name>.json is a request,
// <name>.expected.json the exact reply bytes (plus a final newline). The Node
// suite replays the same files through the .wasm, so native and wasm must
// agree byte for byte. Do not update an expected file to hide a failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "registry/exports.hpp"

namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(GoldenFixtures, NativeRepliesMatchTheExpectedBytes) {
  int checked = 0;
  for (const auto& module : fs::directory_iterator(CARECIRCLE_FIXTURES_DIR)) {
    if (!module.is_directory()) continue;
    for (const auto& exportDir : fs::directory_iterator(module.path())) {
      const std::string name = exportDir.path().filename().string();
      const carecircle::JsonExport* run = carecircle::findJsonExport(name);
      ASSERT_NE(run, nullptr) << "unknown export folder " << exportDir.path();
      for (const auto& file : fs::directory_iterator(exportDir.path())) {
        const std::string fileName = file.path().filename().string();
        if (file.path().extension() != ".json" || fileName.ends_with(".expected.json")) continue;
        fs::path expectedPath = file.path();
        expectedPath.replace_extension(".expected.json");
        SCOPED_TRACE(file.path().string());
        ASSERT_TRUE(fs::exists(expectedPath));
        EXPECT_EQ(run->run(readFile(file.path())) + "\n", readFile(expectedPath));
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 8);  // the fixtures folder must not silently go empty
}

}  // namespace
