#pragma once

#include <string>

namespace carecircle {

// Semantic version of the core's rules and JSON contract, e.g. "0.1.0". A
// backend that re-checks client mutations pins this to run the same rules.
std::string coreVersion();

}  // namespace carecircle
