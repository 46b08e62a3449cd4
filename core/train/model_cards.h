// The MODEL_CARD.md of every model this project trains: what was trained, with which exact command, on which
// data, how long, and what it measured. One layout for all of them (models/README.md): title, command,
// architecture, training, the model's own figures, licence.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/eval/model_metrics.h"
#include "core/nn/language_model.h"
#include "core/nn/pose_vqvae.h"
#include "core/nn/visual_projector.h"
#include "core/nn/retrieval.h"
#include "core/train/clip_task.h"
#include "core/train/trainer.h"
#include "core/vision/lifter.h"

namespace unipose::train {

// How a run made its weights: the facts every card states.
struct RunRecord {
  std::string command;   // the command line, as typed
  TrainOptions options;  // steps, learning rate, weight decay, seed, device
  int batch = 0;
  double seconds = 0;
  std::string data_dir;  // the corpus folder
  std::string manifest;  // its manifest.json
  std::vector<std::string> notes;  // more about the data or the start (one bullet each)
};

// Stage 1. `config_name`: small or paper.
std::string tokenizer_card(const RunRecord& run, const std::string& config_name, const nn::VqVaeConfig& config,
                           const eval::ReconstructionMetrics& test);

// The retrieval models, with their ground-truth figures on the val and test splits.
std::string retrieval_card(const RunRecord& run, const nn::RetrievalConfig& config, const std::map<std::string, double>& val,
                           const std::map<std::string, double>& test);

// The training command a card written here names (its "## Command" block), or "" when it names none.
std::string command_of_card(const std::string& card_text);

// The photo fit's 2D-to-3D lifter, with its validation figures (random views of val-split poses).
std::string lifter_card(const RunRecord& run, const vision::LifterConfig& config, const std::map<std::string, double>& validation);

// The visual branch's own CLIP-architecture image encoder (image-caption contrastive on rendered pictures), with
// its validation figures (val-split pictures against their captions).
std::string clip_card(const RunRecord& run, const ClipTrainConfig& config, const std::map<std::string, double>& validation);

// The visual branch's projector (stage 3, `train visual`), with its validation figures (val-split pictures).
std::string visual_card(const RunRecord& run, const nn::VisualBranchConfig& config, const std::string& tasks, bool language_model_trained,
                        const std::map<std::string, double>& validation);

// Stages 2 and 4.
struct LanguageModelFacts {
  std::string stage;                    // align or instruct
  std::string tasks;                    // as given to --tasks
  std::string pose_tokenizer_dir;
  std::string text_tokenizer_origin;    // where tokenizer.model came from, in words
  std::map<std::string, double> last_validation;
  size_t corpus_pairs = 0, transfer_pairs = 0;    // training pairs of the corpus, and added limb-transfer pairs
  size_t targeted_edits = 0, described_poses = 0;  // edits and descriptions in everyday words (data/targeted.h)
  std::string export_dir;
};
std::string language_model_card(const RunRecord& run, const nn::LmConfig& config, const LanguageModelFacts& facts);

}  // namespace unipose::train
