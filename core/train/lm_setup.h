// Where a language-model training run (stage 2 "align" or 4 "instruct") starts: a new model of the sizes given,
// whose SentencePiece text tokenizer is trained on the corpus's own text unless one is given; a Hugging Face
// LLaMA-family checkpoint (weights and tokenizer.model, vocabulary extended with the pose codes); or a model
// bundle to continue (checked to speak the same pose tokenizer's codes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/language_model.h"
#include "core/nn/pose_vqvae.h"
#include "core/text/instruction_templates.h"

namespace unipose::train {

struct LmStart {
  std::string llama_dir;       // a Hugging Face checkpoint folder, or empty
  std::string init_bundle;     // a model bundle to continue, or empty
  std::string text_tokenizer;  // a new model's SentencePiece model; empty: train one into run_dir
  int text_vocab = 1000;       // pieces of a newly trained text tokenizer
  nn::LmConfig config;         // a new model's sizes (vocabulary and pose sizes are filled in here)
  bool causal = false;         // a new model with causal attention everywhere (the ablation)
  bool grounded = true;        // a new model reads and scores poses through the tokenizer's codebooks (architecture 2)
  std::string run_dir;
  bool resume = false;         // a resumed run keeps the text tokenizer it trained before
  std::uint64_t seed = 1;      // a new model's initial weights
};

struct LmSetup {
  nn::LanguageModel model{nullptr};
  std::string tokenizer_file;    // the SentencePiece model of the run
  std::string tokenizer_origin;  // where it came from, in words (for the model card)
  std::string report;            // what was loaded, one line (empty for a new model)
};

// The checks set_up_language_model makes of its folders, made before any work (a checkpoint without its
// tokenizer.model, a bundle that is not one): errors name the folder.
void check_lm_start(const LmStart& start);

// `pose_tokenizer_dir` holds `pose_tokenizer`; a bundle trained on another one's codes is refused.
LmSetup set_up_language_model(const LmStart& start, const std::string& pose_tokenizer_dir, nn::PoseVqVae& pose_tokenizer,
                              const data::Corpus& corpus, const text::InstructionTemplates& templates);

// The text a language model trains on: the training split's captions, descriptions and instructions, the
// instruction templates and the answer marker.
std::vector<std::string> training_texts(const data::Corpus& corpus, const text::InstructionTemplates& templates);

// Trains a SentencePiece model on training_texts; returns RUN/text_tokenizer.model.
std::string train_text_tokenizer(const data::Corpus& corpus, const text::InstructionTemplates& templates, const std::string& run_dir,
                                 int vocab);

}  // namespace unipose::train
