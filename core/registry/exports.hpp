// The registry of the core's JSON entry points, by their export name (the
// same spelling in C++, Embind and JS). Tools iterate it: the CLI, the golden
// fixture runner, the differential tests. Each module adds its exports here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace carecircle {

struct JsonExport {
  const char* name;                           // e.g. "evaluateStreak"
  std::string (*run)(std::string_view text);  // JSON request text → envelope
};

const std::vector<JsonExport>& jsonExports();
// nullptr when unknown.
const JsonExport* findJsonExport(std::string_view name);

}  // namespace carecircle
