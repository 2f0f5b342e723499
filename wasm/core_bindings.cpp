#include <emscripten/bind.h>

#include "carecircle/version.hpp"

EMSCRIPTEN_BINDINGS(carecircle_core) {
  emscripten::function("coreVersion", &carecircle::coreVersion);
}
