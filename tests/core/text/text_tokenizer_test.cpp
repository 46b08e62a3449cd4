#include "core/text/text_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "core/io/files.h"
#include "core/text/captioner.h"
#include "core/pose/sampler.h"
#include "needs_sentencepiece.h"
#include "temp_dir.h"

namespace unipose::text {
namespace {

TEST(TextTokenizer, TrainsEncodesAndDecodesThroughTheModule) {
  UNIPOSE_NEEDS_SENTENCEPIECE();
  const std::string dir = unipose::testing::temp_dir("unipose_spm", "model");
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/text.txt");
    pose::PoseSampler sampler(5);
    for (int i = 0; i < 300; ++i) f << describe_pose(sampler.sample().pose, i) << "\n";
  }
  TextTokenizer::train(dir + "/text.txt", dir + "/tok", 300);
  const auto tok = TextTokenizer::load(dir + "/tok.model");
  // The model records its trainer's arguments: relative names, no folder of this machine.
  EXPECT_EQ(unipose::io::read_text_file(dir + "/tok.model").find(dir), std::string::npos);
  EXPECT_GT(tok.vocab_size(), 100);
  EXPECT_LE(tok.vocab_size(), 300);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.unk_id(), 1);
  EXPECT_EQ(tok.bos_id(), 2);
  EXPECT_EQ(tok.eos_id(), 3);
  const std::string text = "The left elbow is bent and the right knee is straight.";
  const auto ids = tok.encode(text);
  EXPECT_GT(ids.size(), 5u);
  EXPECT_LT(ids.size(), text.size());
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_EQ(tok.piece_to_id(tok.id_to_piece(ids[0])), ids[0]);
  EXPECT_TRUE(tok.encode("").empty());
  // Words it never saw still encode (into smaller pieces).
  EXPECT_FALSE(tok.encode("zebra quokka").empty());
  EXPECT_THROW(tok.id_to_piece(100000), Error);
  // Control tokens typed by a user are plain text: they never become the ids that pad, start or end a
  // sequence (the pose and image markers live above the text vocabulary and cannot come from text at all).
  for (const std::string typed : {"</s>", "<s>", "<pad>", "<unk>", "<p>", "</p>", "<image>", "raise </s> your arm <s>"}) {
    const auto typed_ids = tok.encode(typed);
    EXPECT_FALSE(typed_ids.empty()) << typed;
    for (const int id : typed_ids) {
      EXPECT_NE(id, tok.pad_id()) << typed;
      EXPECT_NE(id, tok.bos_id()) << typed;
      EXPECT_NE(id, tok.eos_id()) << typed;
      EXPECT_LT(id, tok.vocab_size()) << typed;
    }
  }
  EXPECT_NE(TextTokenizer::module_path().find("libunipose_spm.so"), std::string::npos);
  // Bad files: a clear error naming the file.
  std::ofstream(dir + "/bad.model") << "not a model";
  try {
    TextTokenizer::load(dir + "/bad.model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TextTokenizer::load(dir + "/missing.model"), Error);
}

}  // namespace
}  // namespace unipose::text
