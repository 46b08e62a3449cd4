#include "core/text/words.h"

#include <cctype>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace unipose::text {

Words tokenize_words(const std::string& text) {
  Words out;
  std::string cur;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || (c == '\'' && !cur.empty())) {
      cur.push_back(static_cast<char>(std::tolower(c)));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  for (auto& w : out)
    while (w.size() > 1 && w.back() == '\'') w.pop_back();
  return out;
}

std::string swap_sides(const std::string& text) {
  std::string out;
  size_t i = 0;
  auto is_word = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  while (i < text.size()) {
    const bool start = i == 0 || !is_word(text[i - 1]);
    bool done = false;
    for (const auto& [from, to] : std::initializer_list<std::pair<const char*, const char*>>{
             {"left", "right"}, {"right", "left"}, {"Left", "Right"}, {"Right", "Left"}, {"LEFT", "RIGHT"}, {"RIGHT", "LEFT"}}) {
      const size_t n = std::strlen(from);
      if (start && text.compare(i, n, from) == 0 && (i + n >= text.size() || !is_word(text[i + n]))) {
        out += to;
        i += n;
        done = true;
        break;
      }
    }
    if (!done) out += text[i++];
  }
  return out;
}

}  // namespace unipose::text
