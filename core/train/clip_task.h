// Training the visual branch's own CLIP-architecture image encoder (vision/clip.h; DESIGN.md "Vision": the
// default is small and trained by the project, image-caption contrastive on rendered images): a corpus's
// rendered pictures and their poses' captions, a word-level text encoder beside the image encoder (the
// retrieval model's), CLIP's symmetric contrastive loss with a learned scale. Half of the pictures are
// mirrored, "left" and "right" swapped in their captions (the corpus's captions make that exact). Validation:
// recall@k both ways and R-precision over the val-split pictures.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/nn/retrieval.h"
#include "core/train/trainer.h"
#include "core/vision/clip.h"

namespace unipose::train {

struct ClipTrainConfig {
  vision::ClipVisionConfig vision;  // projection_dim: the shared embedding's size
  int text_width = 256, text_layers = 2, text_heads = 4, max_words = 96;
  // The project's default: 128-pixel input, 16-pixel patches (an 8 x 8 grid, the visual branch's token grid),
  // width 192, 4 layers, 256-d embedding.
  static ClipTrainConfig small();
};

struct ImageTextModelImpl : torch::nn::Module {
  ImageTextModelImpl(const ClipTrainConfig& config, std::vector<std::string> vocabulary);
  torch::Tensor encode_images(const torch::Tensor& pixels);  // [B, 3, S, S] normalised -> [B, D] unit
  torch::Tensor encode_texts(const std::vector<std::string>& texts, const torch::Device& device);  // [B, D] unit
  nn::RetrievalConfig words;  // the vocabulary and word limit of the text side
  vision::ClipVision image{nullptr};
  nn::TextEncoder text{nullptr};
  torch::Tensor log_scale;
};
TORCH_MODULE(ImageTextModel);

// Pictures of one split with their captions, as 8-bit RGB squares at the encoder's input size.
struct CaptionedPictures {
  torch::Tensor rgb;                            // [N, S, S, 3] uint8
  std::vector<std::vector<std::string>> texts;  // per picture, its pose's captions (at least one)
  std::string manifest;                         // the corpus's manifest.json, for the card
  std::int64_t size() const { return rgb.defined() ? rgb.size(0) : 0; }
};
// The rendered pictures of `split` in DIR (data make --images / data images) whose poses have captions.
// `progress(done, total)` while decoding. Errors name the file; none found is an error.
CaptionedPictures read_captioned_pictures(const std::string& dir, const std::string& split, int size,
                                          const std::function<void(int, int)>& progress = {});

class ClipTask : public TrainTask {
 public:
  // The vocabulary is built from the train pictures' captions.
  ClipTask(const ClipTrainConfig& config, CaptionedPictures train, CaptionedPictures val, int batch, std::uint64_t seed = 1);
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  ImageTextModel& model() { return model_; }
  std::map<std::string, double> validate() { return evaluate(model_->parameters().front().device()); }  // where it trained

 private:
  ImageTextModel model_{nullptr};
  CaptionedPictures train_, val_;
  int batch_;
};

}  // namespace unipose::train
