#include "common/version.hpp"

namespace carecircle {

std::string coreVersion() {
  return CARECIRCLE_VERSION;
}

}  // namespace carecircle
