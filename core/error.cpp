#include "core/error.h"

namespace unipose {

std::string Error::printable_message(const std::string& m) {
  std::string out;
  out.reserve(m.size());
  for (size_t i = 0; i < m.size();) {
    const auto c = static_cast<unsigned char>(m[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= m.size();
    for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(m[i + k]) >> 6) == 2;
    if (!ok) {
      out += '?';
      ++i;
    } else if (len == 1 && (c < 32 || c == 127)) {
      out += c == '\n' ? ' ' : '?';
      ++i;
    } else {
      out.append(m, i, len);
      i += len;
    }
  }
  return out;
}

void fail(const std::string& path, const std::string& problem) {
  if (path.empty()) throw Error(problem);
  throw Error(path + ": " + problem);
}

}  // namespace unipose
