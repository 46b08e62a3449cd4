// Stage 3 of the UniPose recipe (`unipose train visual`, DESIGN.md "Training stages"): the visual projector
// learns to put pictures into the language model's words. The encoders are frozen (BlazePose's feature grid,
// and a CLIP-architecture encoder when one is given: vision/visual_encoders.h), so each rendered picture's
// tokens are computed once and cached in the run folder; the language model is frozen too unless asked
// otherwise. Sequences are the three picture tasks' (image-to-text, image-diff, pose estimation) laid out by
// nn/lm_prompt.h with each picture as a span of `<image>` positions; their losses are the language model's
// own (train/lm_task.h sequence_losses), the joints of estimated poses included.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/data/render.h"
#include "core/nn/language_model.h"
#include "core/nn/lm_prompt.h"
#include "core/nn/pose_vqvae.h"
#include "core/nn/visual_projector.h"
#include "core/tasks.h"
#include "core/text/instruction_templates.h"
#include "core/text/text_tokenizer.h"
#include "core/train/lm_task.h"
#include "core/train/trainer.h"
#include "core/vision/visual_encoders.h"

namespace unipose::train {

// The rendered pictures of one split and their visual tokens.
struct VisualPictures {
  std::string dir, split;
  std::vector<data::RenderedImage> images;
  torch::Tensor tokens;            // [N, grid^2, channels], float16, CPU
  std::vector<data::RenderedImagePair> pairs;  // a and b: positions in `images`
  size_t size() const { return images.size(); }
};

// The name of a token cache's encoders: the grid and the checksums of the encoders in `config` (the same
// pictures through the same encoders give the same tokens, whichever run computed them).
std::string visual_cache_key(const nn::VisualBranchConfig& config);

// Encodes every picture of `split` in DIR (data make --images / data images) with the frozen encoders, or reads
// the tokens from `cache` when it holds them for exactly these pictures and encoders (`key` names the
// encoders; a cache of other pictures, encoders or shape is made again). The cache is written atomically.
// `progress(done, total)` while encoding. No pictures in the split is an error naming the folder.
VisualPictures encode_visual_pictures(const vision::VisualEncoders& encoders, const std::string& key, const std::string& dir,
                                      const std::string& split, const std::string& cache,
                                      const std::function<void(int, int)>& progress = {});

// The language model with the projector beside it: what stage 3 trains and checkpoints.
struct VisualModelImpl : torch::nn::Module {
  VisualModelImpl(nn::LanguageModel lm, const nn::VisualProjectorConfig& projector);
  nn::LanguageModel lm{nullptr};
  nn::VisualProjector projector{nullptr};
};
TORCH_MODULE(VisualModel);

class VisualTask : public TrainTask {
 public:
  // `codes[i]`: the pose tokenizer's codes of corpus pose i (nn/pose_codec.h); the pictures show corpus poses.
  // `train_lm`: the language model's weights train as they are set to (all, or LoRA adapters only); else it
  // is frozen and only the projector trains. `stage` "align" uses each
  // task's first template, "instruct" a random one.
  VisualTask(VisualModel model, const data::Corpus& corpus, std::vector<std::vector<int64_t>> codes, text::TextTokenizer tokenizer,
             text::InstructionTemplates templates, std::string stage, std::vector<Task> tasks, int batch, VisualPictures train,
             VisualPictures val, bool train_lm);
  // image2text, imagediff, estimate.
  static const std::vector<Task>& trainable_tasks();
  torch::nn::Module& module() override { return *model_; }
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  // Per task on the val pictures (estimation without hints): the loss; estimation also its code accuracy and
  // the joints' error (mm) of the decoded answer (as the engine decodes it) against the picture's pose.
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return batch_; }
  VisualModel& model() { return model_; }
  // Estimated poses also learn their joints, as LmTask::set_joint_loss.
  void set_joint_loss(nn::PoseVqVae tokenizer, double weight);
  // Text-hinted estimation: this share of estimation requests also carry words about the pose (one or more
  // sentences of one of its captions, after the request: nn::hinted_request), as a user's hint would.
  void set_hints(double fraction) { hint_fraction_ = fraction; }

  // One sequence of `task` for picture (or picture pair) `index` of `pictures` (without its visual rows); the
  // pictures it shows, in the order of its <image> spans, are appended to `uses`.
  nn::LmSequence example(Task task, const VisualPictures& pictures, size_t index, std::mt19937_64& rng, std::vector<int64_t>& uses) const;

 private:
  std::map<std::string, torch::Tensor> batch_losses(const VisualPictures& pictures, const std::vector<std::pair<Task, size_t>>& items,
                                                    std::mt19937_64& rng, const torch::Device& device);
  VisualModel model_{nullptr};
  nn::PoseVqVae pose_tokenizer_{nullptr};
  double joint_weight_ = 0;
  double hint_fraction_ = 0;
  const data::Corpus& corpus_;
  std::vector<std::vector<int64_t>> codes_;
  text::TextTokenizer tokenizer_;
  text::InstructionTemplates templates_;
  std::string stage_;
  std::vector<Task> tasks_;
  int batch_;
  VisualPictures train_, val_;
  // Per set: pictures whose poses have captions (image-to-text), pairs with instructions (image-diff).
  std::vector<size_t> train_captioned_, val_captioned_, train_pairs_, val_pairs_;
};

// Stage 4 with pictures (`unipose train instruct --visual`): the four pose/text tasks of an LmTask and the
// three picture tasks of a VisualTask in every step, on one language model (the VisualTask's, trained: built
// with train_lm). The loss is the two tasks' losses weighted by their sequences per step; the module is the
// VisualTask's (language model and projector), so a checkpoint holds both.
class SevenTasks : public TrainTask {
 public:
  SevenTasks(LmTask& words, VisualTask& pictures);
  torch::nn::Module& module() override { return pictures_.module(); }
  // "loss"; each side's other scalars prefixed "words_" and "pictures_".
  std::map<std::string, torch::Tensor> step(std::mt19937_64& rng, const torch::Device& device) override;
  std::map<std::string, double> evaluate(const torch::Device& device) override;
  std::int64_t items_per_step() const override { return words_.items_per_step() + pictures_.items_per_step(); }

 private:
  LmTask& words_;
  VisualTask& pictures_;
};

}  // namespace unipose::train
