#include "core/error.h"

namespace unipose {

void fail(const std::string& path, const std::string& problem) {
  if (path.empty()) throw Error(problem);
  throw Error(path + ": " + problem);
}

}  // namespace unipose
