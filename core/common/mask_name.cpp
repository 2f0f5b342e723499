#include "common/mask_name.hpp"

#include <vector>

namespace carecircle {
namespace {

// Splits UTF-8 into code points; false on malformed input.
bool codePoints(const std::string& s, std::vector<std::string>& out) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80           ? 1
                            : (c >> 5) == 0x6  ? 2
                            : (c >> 4) == 0xE  ? 3
                            : (c >> 3) == 0x1E ? 4
                                               : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    out.push_back(s.substr(i, len));
    i += len;
  }
  return true;
}

}  // namespace

std::string maskName(const std::string& name) {
  std::vector<std::string> cps;
  if (!codePoints(name, cps) || cps.empty()) return "*";
  if (cps.size() == 1) return "*";
  if (cps.size() == 2) return cps[0] + "*";
  return cps.front() + "*" + cps.back();
}

}  // namespace carecircle
