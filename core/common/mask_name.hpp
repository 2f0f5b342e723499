// The one masking of a person's name for other patients' eyes (G6): the
// referral tree, its feed and the wallet's reasons all call this, so a friend
// reads the same on every screen.
#pragma once

#include <string>

namespace carecircle {

// "李晓芳" → "李*芳", "李芳" → "李*", "A" → "*"; empty or invalid UTF-8 → "*".
// Masking a masked name changes nothing ("李*芳" → "李*芳").
std::string maskName(const std::string& name);

}  // namespace carecircle
