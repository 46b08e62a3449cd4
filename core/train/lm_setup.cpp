#include "core/train/lm_setup.h"

#include <filesystem>
#include <fstream>

#include <torch/utils.h>

#include "core/error.h"
#include "core/io/safetensors.h"
#include "core/nn/hf_llama.h"
#include "core/nn/lm_bundle.h"
#include "core/nn/lm_prompt.h"
#include "core/text/text_tokenizer.h"

namespace unipose::train {

std::vector<std::string> training_texts(const data::Corpus& corpus, const text::InstructionTemplates& templates) {
  std::vector<std::string> out;
  for (const int i : corpus.split("train")) {
    out.insert(out.end(), corpus.captions[i].begin(), corpus.captions[i].end());
    if (static_cast<size_t>(i) < corpus.descriptions.size()) out.insert(out.end(), corpus.descriptions[i].begin(), corpus.descriptions[i].end());
  }
  for (const int i : corpus.pairs_in("train")) out.insert(out.end(), corpus.pairs[i].instructions.begin(), corpus.pairs[i].instructions.end());
  for (const auto& [task, list] : templates) out.insert(out.end(), list.begin(), list.end());
  out.push_back(nn::kAnswerMarker);
  return out;
}

std::string train_text_tokenizer(const data::Corpus& corpus, const text::InstructionTemplates& templates, const std::string& run, int vocab) {
  std::filesystem::create_directories(run);
  const std::string file = run + "/text_tokenizer_input.txt";
  {
    std::ofstream f(file);
    for (const auto& t : training_texts(corpus, templates)) f << t << "\n";
    if (!f) fail(file, "cannot write");
  }
  text::TextTokenizer::train(file, run + "/text_tokenizer", vocab);
  std::filesystem::remove(file);
  return run + "/text_tokenizer.model";
}

void check_lm_start(const LmStart& s) {
  if (!s.llama_dir.empty()) {
    if (!std::filesystem::is_directory(s.llama_dir)) fail(s.llama_dir, "not a checkpoint folder");
    if (!std::filesystem::exists(s.llama_dir + "/tokenizer.model")) fail(s.llama_dir, "has no tokenizer.model (the checkpoint's SentencePiece model is needed)");
  }
  if (!s.init_bundle.empty() && !std::filesystem::exists(s.init_bundle + "/config.json")) fail(s.init_bundle, "not a model folder");
  if (!s.text_tokenizer.empty() && !std::filesystem::exists(s.text_tokenizer)) fail(s.text_tokenizer, "no such file");
}

LmSetup set_up_language_model(const LmStart& s, const std::string& tok_dir, nn::PoseVqVae& pose_tok, const data::Corpus& corpus,
                              const text::InstructionTemplates& templates) {
  LmSetup out;
  if (!s.llama_dir.empty()) {
    check_lm_start(s);
    out.tokenizer_file = s.llama_dir + "/tokenizer.model";
    nn::HfLoadReport loaded;
    out.model = nn::load_hf_llama(s.llama_dir, pose_tok->config.codebook_size, pose_tok->config.tokens, &loaded,
                                  s.grounded ? pose_tok->config.residual_levels : 0, pose_tok->config.code_dim);
    if (s.grounded) out.model->set_codebooks(pose_tok->codebooks());
    const int pieces = text::TextTokenizer::load(out.tokenizer_file).vocab_size();
    if (pieces > loaded.text_vocab)
      fail(out.tokenizer_file, "has " + std::to_string(pieces) + " pieces, the checkpoint's vocabulary only " + std::to_string(loaded.text_vocab));
    out.report = "loaded " + s.llama_dir + ": " + std::to_string(loaded.tensors_loaded) + " tensors (" + std::to_string(loaded.tensors_ignored) +
                 " ignored), text vocabulary " + std::to_string(loaded.text_vocab) + ", " + std::to_string(out.model->config.layers) +
                 " layers of width " + std::to_string(out.model->config.dim) + (loaded.tied_embeddings ? ", tied embeddings" : "");
    out.tokenizer_origin = "the SentencePiece model of the checkpoint `" + s.llama_dir + "`";
  } else if (s.init_bundle.empty()) {
    out.tokenizer_file = s.text_tokenizer;
    if (out.tokenizer_file.empty()) {
      const std::string existing = s.run_dir + "/text_tokenizer.model";
      out.tokenizer_file = (s.resume && std::filesystem::exists(existing)) ? existing : train_text_tokenizer(corpus, templates, s.run_dir, s.text_vocab);
    }
    auto c = s.config;
    c.text_vocab = text::TextTokenizer::load(out.tokenizer_file).vocab_size();
    c.pose_codes = pose_tok->config.codebook_size;
    c.pose_tokens = pose_tok->config.tokens;
    c.kv_heads = c.heads;
    c.mixed_attention = !s.causal;
    c.grounded = s.grounded;
    if (c.grounded) {
      c.pose_levels = pose_tok->config.residual_levels;
      c.code_dim = pose_tok->config.code_dim;
    }
    if (c.dim % c.heads || (c.dim / c.heads) % 2) throw Error("--dim must split into --heads heads of even size");
    torch::manual_seed(s.seed);
    out.model = nn::LanguageModel(c);
    if (c.grounded) out.model->set_codebooks(pose_tok->codebooks());
    out.tokenizer_origin = "SentencePiece unigram trained on the corpus's training captions and instructions and the instruction templates";
  } else {
    auto init = nn::load_lm_bundle(s.init_bundle);
    if (!init.pose_tokenizer_sha256.empty() && init.pose_tokenizer_sha256 != io::sha256_file(tok_dir + "/model.safetensors"))
      fail(s.init_bundle, "was trained on the codes of another pose tokenizer than " + tok_dir + " (pass its --pose-tokenizer)");
    out.model = init.model;
    out.tokenizer_file = s.init_bundle + "/tokenizer.model";
    out.tokenizer_origin = "that of `" + s.init_bundle + "`";
  }
  return out;
}

}  // namespace unipose::train
