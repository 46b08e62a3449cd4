// The engine as a generator for the task evaluation (eval/tasks.h): the language model answers item by item
// exactly as the CLI and the GUI would ask it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/engine/engine.h"
#include "core/data/corpus_reader.h"
#include "core/eval/tasks.h"
#include "core/image/image.h"

namespace unipose::engine {

// `engine` must outlive the generator.
eval::Generator language_model_generator(Engine& engine, const std::string& name);

// The rendered pictures of one split (data images) as the task evaluation sees them, so that a model answering
// from pictures is measured exactly as one answering from poses (the same items, references, retrieval models
// and metrics): the corpus with that split narrowed to the pictured poses and its pairs to the pictured pairs,
// and each pictured pose's picture.
struct PicturedSplit {
  data::Corpus corpus;
  std::vector<pose::Pose> poses;     // the pictured poses
  std::vector<std::string> files;    // the picture of each
  const std::string& picture_of(const pose::Pose& pose) const;  // throws if the pose has no picture
};
PicturedSplit pictured_split(const std::string& dir, const std::string& split);

// A generator whose pose_to_text and pose_diff answer from the poses' pictures (either may be left empty).
using DescribePicture = std::function<std::string(const image::Image& picture)>;
using DiffPictures = std::function<std::string(const image::Image& a, const image::Image& b)>;
eval::Generator picture_generator(const PicturedSplit& set, const std::string& name, DescribePicture describe, DiffPictures diff);

}  // namespace unipose::engine
