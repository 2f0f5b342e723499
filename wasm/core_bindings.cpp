#include <emscripten/bind.h>

#include "common/version.hpp"

EMSCRIPTEN_BINDINGS(carecircle_core) {
  emscripten::function("coreVersion", &carecircle::coreVersion);
}
