// Plain word-level text helpers shared by the metrics, the retrieval models and the captioner: lower-cased
// word tokens, and the left/right swap that goes with mirroring a pose.
#pragma once

#include <string>
#include <vector>

namespace unipose::text {

using Words = std::vector<std::string>;

// Lower-cased runs of letters, digits and apostrophes: "The left-hand's UP." -> the, left, hand's, up.
Words tokenize_words(const std::string& text);

// Swaps the words "left" and "right" (whole words; lower case, capitalised or upper case): the text of the
// mirrored pose.
std::string swap_sides(const std::string& text);

}  // namespace unipose::text
