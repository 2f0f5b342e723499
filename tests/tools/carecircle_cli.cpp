// carecircle_cli <export> [--repeat N]
// Reads one JSON request on stdin, runs the named export of the native core
// (see core/registry/exports.hpp) and prints its envelope on
// stdout. With --repeat N it runs the export N times and prints the mean wall
// time per call on stderr (benchmarks only; the core never reads a clock).
//
// carecircle_cli --lines
// Differential mode: each stdin line is `<export>\t<request JSON>`; each
// stdout line is that export's envelope (the request text may hold any bytes
// but a newline; JSON escapes newlines inside strings).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include "common/version.hpp"
#include "eligibility/eligibility_json.hpp"
#include "registry/exports.hpp"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--lines") == 0) {
    std::string line;
    while (std::getline(std::cin, line)) {
      const std::size_t tab = line.find('\t');
      const carecircle::JsonExport* e =
          tab == std::string::npos
              ? nullptr
              : carecircle::findJsonExport(std::string_view(line).substr(0, tab));
      std::cout << (e ? e->run(std::string_view(line).substr(tab + 1))
                      : std::string("unknown export"))
                << '\n';
    }
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "--bench-eligibility-rules") == 0) {
    // Evaluation alone: decode the batch once, then time the rules only.
    const std::string input((std::istreambuf_iterator<char>(std::cin)),
                            std::istreambuf_iterator<char>());
    auto request = carecircle::parseEligibilityBatch(input);
    if (!request.ok()) {
      std::fprintf(stderr, "%s\n", request.error().code.c_str());
      return 1;
    }
    const long repeat = std::max(1L, std::atol(argv[2]));
    std::size_t eligible = 0;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < repeat; ++i) {
      auto result = carecircle::evaluateEligibilityBatch(request.value());
      if (result.ok())
        for (const auto& p : result.value()) eligible += p.eligible.size();
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "%.4f ms/call over %ld calls (%zu eligible)\n",
                 std::chrono::duration<double, std::milli>(elapsed).count() / repeat, repeat,
                 eligible);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "coreVersion") == 0) {
    std::cout << carecircle::coreVersion() << "\n";
    return 0;
  }
  const carecircle::JsonExport* target = argc >= 2 ? carecircle::findJsonExport(argv[1]) : nullptr;
  if (target == nullptr) {
    std::fprintf(stderr, "usage: carecircle_cli <export> [--repeat N] < request.json\nexports:");
    for (const auto& e : carecircle::jsonExports()) std::fprintf(stderr, " %s", e.name);
    std::fprintf(stderr, " coreVersion\n");
    return 2;
  }
  long repeat = 1;
  if (argc == 4 && std::strcmp(argv[2], "--repeat") == 0) repeat = std::max(1L, std::atol(argv[3]));
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  std::string output;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < repeat; ++i) output = target->run(input);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (repeat > 1) {
    const double perCallMs = std::chrono::duration<double, std::milli>(elapsed).count() / repeat;
    std::fprintf(stderr, "%.4f ms/call over %ld calls\n", perCallMs, repeat);
  }
  std::cout << output;
  return 0;
}
