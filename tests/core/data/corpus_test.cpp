#include "core/data/corpus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/data/caption_files.h"
#include "core/data/corpus_reader.h"
#include "core/error.h"
#include "core/io/files.h"
#include "temp_dir.h"
#include "core/io/npz.h"
#include "core/pose/pose_io.h"

namespace unipose::data {
namespace {

std::string temp_dir(const std::string& name) { return unipose::testing::temp_dir("unipose_corpus", name); }

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(FarthestPointSampling, PicksSpreadOutPoses) {
  // Six one-joint "poses" on a line: 0, 1, 2, 10, 11, 20. Three picks from the first: the two ends, then 10.
  std::vector<float> x = {0, 0, 0, 1, 0, 0, 2, 0, 0, 10, 0, 0, 11, 0, 0, 20, 0, 0};
  const auto picked = farthest_point_sampling(x, 6, 1, 3, 0);
  std::set<int> s(picked.begin(), picked.end());
  EXPECT_TRUE(s.count(5));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_TRUE(s.count(3) || s.count(4));
}

TEST(Corpus, WritesAVersionedDeterministicCorpus) {
  CorpusOptions o;
  o.poses = 80;
  o.pairs = 40;
  o.seed = 9;
  const std::string a = temp_dir("a"), b = temp_dir("b");
  const auto stats = make_corpus(a, o);
  make_corpus(b, o);
  EXPECT_EQ(stats.poses, 80);
  EXPECT_EQ(stats.pairs, 40);
  const auto manifest = nlohmann::json::parse(io::read_text_file(a + "/manifest.json"));
  EXPECT_EQ(manifest["format"], kCorpusFormat);
  EXPECT_EQ(manifest["seed"], 9);
  EXPECT_EQ(manifest["counts"]["captions"], 240);
  EXPECT_EQ(io::read_text_file(a + "/captions.jsonl"), io::read_text_file(b + "/captions.jsonl"));
  EXPECT_EQ(io::read_text_file(a + "/pairs.jsonl"), io::read_text_file(b + "/pairs.jsonl"));
  // Poses load back with the ordinary pose reader.
  EXPECT_EQ(pose::read_poses(a + "/poses.npz").frames.size(), 80u);
  // Splits: disjoint, complete; pairs stay inside a split.
  const auto splits = nlohmann::json::parse(io::read_text_file(a + "/splits.json"));
  std::vector<std::string> split_of(80);
  size_t total = 0;
  for (const char* name : {"train", "val", "test"})
    for (int i : splits[name]) {
      EXPECT_TRUE(split_of[i].empty());
      split_of[i] = name;
      ++total;
    }
  EXPECT_EQ(total, 80u);
  for (const auto& row : read_jsonl(a + "/pairs.jsonl")) {
    EXPECT_EQ(split_of[row["a"].get<int>()], split_of[row["b"].get<int>()]);
    EXPECT_EQ(row["instructions"].size(), 3u);
  }
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

// A corpus is built beside its folder and swapped in whole; readers refuse files of two different corpora.
TEST(Corpus, RemadeWholeAndFilesCheckedToBelongTogether) {
  namespace fs = std::filesystem;
  CorpusOptions o;
  o.poses = 40;
  o.pairs = 10;
  o.seed = 1;
  const std::string a = temp_dir("whole_a"), b = temp_dir("whole_b");
  make_corpus(a, o);
  o.seed = 2;
  make_corpus(b, o);
  make_corpus(a, o);  // over an existing corpus: replaced whole
  EXPECT_EQ(io::read_text_file(a + "/captions.jsonl"), io::read_text_file(b + "/captions.jsonl"));
  EXPECT_EQ(nlohmann::json::parse(io::read_text_file(a + "/manifest.json"))["seed"], 2);
  for (const auto& e : fs::directory_iterator(fs::path(a).parent_path()))
    EXPECT_NE(e.path().filename().string().rfind(fs::path(a).filename().string() + ".", 0), 0u) << "left behind: " << e.path();
  EXPECT_NO_THROW(read_corpus(a));
  // Seed-1 captions beside seed-2 poses (what a kill midway used to leave): refused, naming the file.
  o.seed = 1;
  make_corpus(b, o);
  fs::copy_file(b + "/captions.jsonl", a + "/captions.jsonl", fs::copy_options::overwrite_existing);
  try {
    read_corpus(a);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(a + "/captions.jsonl: does not belong to this corpus"), std::string::npos) << e.what();
  }
  fs::copy_file(b + "/poses.npz", a + "/poses.npz", fs::copy_options::overwrite_existing);
  EXPECT_THROW(load_corpus_split(a, "train"), Error);
  // A folder holding something else is not replaced.
  const std::string other = temp_dir("whole_other");
  fs::create_directories(other);
  io::write_file_atomic(other + "/notes.txt", std::string("mine"));
  try {
    make_corpus(other, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a corpus folder"), std::string::npos) << e.what();
  }
  EXPECT_EQ(io::read_text_file(other + "/notes.txt"), "mine");
  // A corpus that also holds someone's file: refused, the file kept (the swap would remove it).
  io::write_file_atomic(b + "/notes.txt", std::string("mine too"));
  try {
    make_corpus(b, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds notes.txt, which is not part of a corpus"), std::string::npos) << e.what();
  }
  EXPECT_EQ(io::read_text_file(b + "/notes.txt"), "mine too");
  // A manifest of something else is not a corpus.
  const std::string foreign = temp_dir("whole_foreign");
  fs::create_directories(foreign);
  io::write_file_atomic(foreign + "/manifest.json", std::string("{\"format\": \"someone.else/1\"}"));
  EXPECT_THROW(make_corpus(foreign, o), Error);
  EXPECT_TRUE(fs::exists(foreign + "/manifest.json"));
  // Through a link: the corpus the link names is replaced, the link stays a link.
  const std::string link = temp_dir("whole_link");
  fs::create_directory_symlink(a, link);
  o.seed = 3;
  make_corpus(link, o);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(nlohmann::json::parse(io::read_text_file(a + "/manifest.json"))["seed"], 3);
  // A run killed between its two renames left the old corpus in DIR.old-PID and none at DIR: put back.
  fs::rename(a, a + ".old-999999999");
  make_corpus(a, o);
  EXPECT_FALSE(fs::exists(a + ".old-999999999"));
  EXPECT_NO_THROW(read_corpus(a));
  fs::remove(link);
  for (const auto& d : {a, b, other, foreign}) fs::remove_all(d);
}

TEST(Datasets, AmassStyleSequenceIsReadAndTurnedYUp) {
  const std::string path = temp_dir("amass.npz");
  io::NpzArchive npz;
  std::vector<double> poses(2 * 156, 0.0);
  poses[156 + 4 * 3] = 1.0;  // frame 1: left knee bent (joint 4, x)
  npz["poses"] = io::NpyArray::from_double({2, 156}, poses);
  npz["trans"] = io::NpyArray::from_double({2, 3}, {0, 0, 1, 0.5, 0, 1});  // z-up: 1 m up
  npz["betas"] = io::NpyArray::from_double({16}, std::vector<double>(16, 0.0));
  io::write_npz(path, npz);
  const auto seq = pose::read_poses(path);
  ASSERT_EQ(seq.frames.size(), 2u);
  EXPECT_NEAR(seq.frames[1].rotations[body::kLeftKnee].x(), 1.0, 1e-12);
  EXPECT_NEAR(seq.frames[0].transl->y(), 1.0, 1e-12);  // up is y now
  EXPECT_NEAR(seq.frames[0].rotations[0].norm(), M_PI / 2, 1e-9);  // the root turned from z-up to y-up
  npz["poses"] = io::NpyArray::from_double({2, 50}, std::vector<double>(100, 0.0));
  io::write_npz(path, npz);
  EXPECT_THROW(pose::read_poses(path), Error);
  std::filesystem::remove(path);
}

TEST(Datasets, CaptionFilesOfPoseScriptAndPoseFixShape) {
  const std::string path = temp_dir("captions.json");
  io::write_file_atomic(path, std::string(R"({"12": "The person kneels.", "40": ["Raise your arm.", "Lift the arm."]})"));
  const auto c = read_caption_file(path);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c.at("40").size(), 2u);
  io::write_file_atomic(path, std::string(R"({"12": 5})"));
  try {
    read_caption_file(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("entry '12'"), std::string::npos);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace unipose::data
