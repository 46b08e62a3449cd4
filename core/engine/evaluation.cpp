#include "core/engine/evaluation.h"

#include <algorithm>

#include "core/data/render.h"
#include "core/error.h"

namespace unipose::engine {

eval::Generator language_model_generator(Engine& e, const std::string& name) {
  eval::Generator g;
  g.name = name;
  g.text_to_pose = [&e](const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (const auto& t : texts) out.push_back(*e.generate(t).pose);
    return out;
  };
  g.pose_to_text = [&e](const std::vector<pose::Pose>& poses) {
    std::vector<std::string> out;
    for (const auto& p : poses) out.push_back(e.describe(p).text);
    return out;
  };
  g.pose_diff = [&e](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
    std::vector<std::string> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(e.diff(a[i], b[i]).text);
    return out;
  };
  g.edit = [&e](const std::vector<pose::Pose>& a, const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(*e.edit(a[i], texts[i]).pose);
    return out;
  };
  return g;
}

const std::string& PicturedSplit::picture_of(const pose::Pose& pose) const {
  for (size_t i = 0; i < poses.size(); ++i)
    if (poses[i] == pose) return files[i];
  throw Error("a pose of the evaluation has no picture");
}

PicturedSplit pictured_split(const std::string& dir, const std::string& split) {
  PicturedSplit s;
  s.corpus = data::read_corpus(dir);
  const auto rendered = data::read_rendered_split(dir, split);
  const auto& images = rendered.images;
  std::vector<int> pictured;
  for (const auto& im : images) {
    if (im.pose < 0 || static_cast<size_t>(im.pose) >= s.corpus.poses.size())
      fail(dir + "/images.jsonl", "an image names pose " + std::to_string(im.pose) + " of " + std::to_string(s.corpus.poses.size()));
    if (std::find(pictured.begin(), pictured.end(), im.pose) != pictured.end()) continue;
    pictured.push_back(im.pose);
    s.poses.push_back(s.corpus.poses[im.pose]);
    s.files.push_back(im.file);
  }
  s.corpus.splits[split] = pictured;
  // Only pairs whose two poses are pictured, with their instructions (the picture pairs).
  std::vector<data::CorpusPair> pairs;
  for (const auto& p : rendered.pairs) {
    data::CorpusPair cp;
    cp.a = images[p.a].pose;
    cp.b = images[p.b].pose;
    cp.split = split;
    cp.instructions = p.instructions;
    pairs.push_back(std::move(cp));
  }
  for (const auto& p : s.corpus.pairs)
    if (p.split != split) pairs.push_back(p);  // the other splits' pairs as they were (the baselines read train)
  s.corpus.pairs = std::move(pairs);
  return s;
}

eval::Generator picture_generator(const PicturedSplit& set, const std::string& name, DescribePicture describe, DiffPictures diff) {
  eval::Generator g;
  g.name = name;
  if (describe)
    g.pose_to_text = [&set, describe](const std::vector<pose::Pose>& poses) {
      std::vector<std::string> out;
      for (const auto& p : poses) out.push_back(describe(image::read_image(set.picture_of(p))));
      return out;
    };
  if (diff)
    g.pose_diff = [&set, diff](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
      std::vector<std::string> out;
      for (size_t i = 0; i < a.size(); ++i) out.push_back(diff(image::read_image(set.picture_of(a[i])), image::read_image(set.picture_of(b[i]))));
      return out;
    };
  return g;
}

}  // namespace unipose::engine
