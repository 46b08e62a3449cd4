#include "core/text/word_normaliser.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/text/wordnet.h"

namespace unipose::text {
namespace {

TEST(WordNormaliser, UnknownWordsBecomeTheMostFrequentKnownSynonym) {
  if (!WordNet::instance().available()) GTEST_SKIP() << "WordNet is not installed (Debian: wordnet-base)";
  const WordNormaliser words({{"squat", 5}, {"raise", 7}, {"lift", 3}, {"your", 20}, {"arm", 9}, {"down", 4}});
  std::vector<std::pair<std::string, std::string>> replaced;
  EXPECT_EQ(words.normalise("Elevate your arm, then crouch down!", &replaced), "Raise your arm, then squat down!");
  ASSERT_EQ(replaced.size(), 2u);
  EXPECT_EQ(replaced[0], (std::pair<std::string, std::string>{"Elevate", "raise"}));
  EXPECT_EQ(replaced[1], (std::pair<std::string, std::string>{"crouch", "squat"}));
  // The replacement keeps the word's form where a known synonym has it, however rare.
  const WordNormaliser forms({{"raised", 9}, {"raise", 2}});
  EXPECT_EQ(forms.normalise("elevate"), "raise");
  EXPECT_EQ(forms.normalise("elevated"), "raised");
  // Equal standing: the alphabetically first known synonym, whatever order the synsets list them in.
  EXPECT_EQ(WordNormaliser({{"raise", 3}, {"lift", 3}}).normalise("elevate"), "lift");
  EXPECT_EQ(WordNormaliser({{"raise", 4}, {"lift", 3}}).normalise("elevate"), "raise");
  // Known words, words without a known synonym and everything between words pass as they are.
  replaced.clear();
  EXPECT_EQ(words.normalise("  Raise your ARM, zqxj 42 times.", &replaced), "  Raise your ARM, zqxj 42 times.");
  // Single letters too, whatever WordNet says of them ("s" is a second there).
  EXPECT_EQ(WordNormaliser({{"second", 5}}).normalise("raise your s arm"), "raise your s arm");
  EXPECT_TRUE(replaced.empty());
}

TEST(WordNormaliser, TrainingTextPassesUnchanged) {
  const std::vector<std::string> texts = {"Bend your left knee.", "The arms are raised above the head."};
  const auto words = WordNormaliser::from_texts(texts);
  for (const auto& t : texts) EXPECT_EQ(words.normalise(t), t);
  EXPECT_TRUE(words.knows("knee"));
  EXPECT_FALSE(words.knows("Knee"));  // lower case only
  EXPECT_EQ(WordNormaliser().normalise("anything at all"), "anything at all");
}

TEST(WordNormaliser, FileRoundTripAndBadFilesNamed) {
  const auto words = WordNormaliser::from_texts({"raise the arm", "raise the leg"});
  const auto again = WordNormaliser::parse(words.to_text(), "words.txt");
  EXPECT_EQ(again.to_text(), words.to_text());
  EXPECT_NE(words.to_text().find("raise 2\n"), std::string::npos);
  for (const std::string bad : {"raise\n", "raise -3\n", "raise two\n"}) {
    try {
      WordNormaliser::parse(bad, "model/words.txt");
      FAIL() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("model/words.txt"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace unipose::text
