// The corpus reader. The input holds manifest.json, captions.jsonl, pairs.jsonl and splits.json, separated by
// lines "====", beside a fixed poses.npz of three poses; read_corpus and load_corpus_split read them.
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/pose/pose_io.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string dir = unipose::fuzz::scratch() + "/corpus";
  static const bool made = [&] {
    std::filesystem::create_directories(dir);
    unipose::pose::PoseSequence poses;
    poses.frames.resize(3);
    poses.frames[1].rotations[0] = Eigen::Vector3d(0.3, 0, 0);
    unipose::pose::write_poses(dir + "/poses.npz", poses);
    return true;
  }();
  (void)made;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const char* names[] = {"manifest.json", "captions.jsonl", "pairs.jsonl", "splits.json"};
  std::size_t at = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t end = i < 3 ? text.find("\n====\n", at) : std::string::npos;
    const std::string part = text.substr(std::min(at, text.size()), end == std::string::npos ? std::string::npos : end - at);
    unipose::fuzz::write_input(std::string("corpus/") + names[i], reinterpret_cast<const std::uint8_t*>(part.data()), part.size());
    at = end == std::string::npos ? text.size() : end + 6;
  }
  unipose::fuzz::expect_clear([&] { unipose::data::read_corpus(dir); });
  unipose::fuzz::expect_clear([&] { unipose::data::load_corpus_split(dir, "train"); });
  return 0;
}
