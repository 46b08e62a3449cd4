// What this build of unipose was made with, for --version and bug reports.
#pragma once

#include <string>

namespace unipose {

// e.g. "unipose 0.1.0 (LibTorch 1.13.1, CPU)"
std::string build_info();

}  // namespace unipose
