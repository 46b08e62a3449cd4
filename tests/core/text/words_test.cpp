#include "core/text/words.h"

#include <gtest/gtest.h>

namespace unipose::text {
namespace {

TEST(Words, LowerCasedWordTokens) {
  EXPECT_EQ(tokenize_words("The left-hand's UP."), (Words{"the", "left", "hand's", "up"}));
  EXPECT_TRUE(tokenize_words("  ...  ").empty());
}

TEST(SwapSides, WholeWordsOnly) {
  EXPECT_EQ(swap_sides("The left hand is right of the Left foot; leftover, brightly."), "The right hand is left of the Right foot; leftover, brightly.");
}

TEST(SwapSides, EveryCapitalisationAndNotInsideWords) {
  EXPECT_EQ(swap_sides("Left hand up, right foot left of the leftmost"), "Right hand up, left foot right of the leftmost");
  EXPECT_EQ(swap_sides("LEFT and RIGHT, outright"), "RIGHT and LEFT, outright");
}

}  // namespace
}  // namespace unipose::text
