#include "core/train/model_cards.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace unipose::train {
namespace {

// A card names no folder of the machine it was trained on: paths below the working folder become relative,
// others keep their last names.
TEST(ModelCards, NameNoAbsolutePath) {
  const std::string here = std::filesystem::current_path().string();
  RunRecord run;
  run.command = "unipose train align --data /tmp/corpus20k --out /srv/runs/lm2 --init " + here + "/models/language_model --export /srv/runs/lm2/bundle";
  run.data_dir = "/tmp/corpus20k";
  run.manifest = "{\n  \"bvh_files\": [\n    \"/usr/share/assimp/models/BVH/01_01.bvh\"\n  ]\n}\n";  // as the corpus manifest writes them
  run.notes = {"started from `/srv/runs/lm1/bundle`"};
  LanguageModelFacts f;
  f.pose_tokenizer_dir = here + "/models/pose_tokenizer";
  f.text_tokenizer_origin = "that of `/srv/runs/lm1/bundle`";
  f.export_dir = "/srv/runs/lm2/bundle";
  const std::string card = language_model_card(run, nn::LmConfig{}, f);
  EXPECT_EQ(card.find("/tmp"), std::string::npos) << card;
  EXPECT_EQ(card.find("/srv"), std::string::npos) << card;
  EXPECT_EQ(card.find("/usr/share"), std::string::npos) << card;
  EXPECT_NE(card.find("\"BVH/01_01.bvh\""), std::string::npos) << card;
  EXPECT_EQ(card.find(here), std::string::npos) << card;
  EXPECT_NE(card.find("--data corpus20k --out runs/lm2 --init models/language_model --export lm2/bundle"), std::string::npos) << card;
  EXPECT_NE(card.find("Pose tokenizer: `models/pose_tokenizer`"), std::string::npos) << card;
  EXPECT_NE(card.find("that of `lm1/bundle`"), std::string::npos) << card;
  EXPECT_NE(card.find("generated corpus `corpus20k`"), std::string::npos) << card;
}

// The command a card names reads back from it (a fine-tuned lifter's card cites its starting lifter's command).
TEST(ModelCards, TheCommandReadsBack) {
  RunRecord run;
  run.command = "unipose train lifter --data /srv/corpus20k --out run1 --steps 20000";
  const std::string card = lifter_card(run, vision::LifterConfig{}, {{"mpjpe_mm", 40.9}});
  EXPECT_EQ(command_of_card(card), "unipose train lifter --data corpus20k --out run1 --steps 20000");
  EXPECT_EQ(command_of_card("# a card written by hand\n"), "");
}

}  // namespace
}  // namespace unipose::train
