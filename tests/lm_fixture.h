// A small corpus (200 poses, 200 pairs), a text tokenizer trained on its text, the codes of an untrained pose
// tokenizer of 3 positions x 2 levels, and tiny language models over them: what the language-model and
// visual-branch training tests share (built once per test program).
#pragma once

#include <fstream>

#include "core/data/corpus.h"
#include "core/data/corpus_reader.h"
#include "core/nn/language_model.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_vqvae.h"
#include "core/text/instruction_templates.h"
#include "core/text/text_tokenizer.h"
#include "temp_dir.h"
#include "tiny_models.h"

namespace unipose::testing {

struct Fixture {
  data::Corpus corpus;
  text::TextTokenizer tokenizer;
  std::vector<std::vector<int64_t>> codes;
  text::InstructionTemplates templates;
  mutable nn::PoseVqVae vq{nullptr};  // the pose tokenizer of the codes (3 positions of 2 levels)
};

inline const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const std::string dir = unipose::testing::temp_dir("unipose_lm", "corpus");
    data::CorpusOptions o;
    o.poses = 200;
    o.pairs = 200;
    o.seed = 11;
    data::make_corpus(dir, o);
    x.corpus = data::read_corpus(dir);
    x.templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
    {
      std::ofstream f(dir + "/text.txt");
      for (const auto& c : x.corpus.captions)
        for (const auto& t : c) f << t << "\n";
      for (const auto& p : x.corpus.pairs)
        for (const auto& t : p.instructions) f << t << "\n";
      for (const auto& [task, list] : x.templates)
        for (const auto& t : list) f << t << "\n";
    }
    text::TextTokenizer::train(dir + "/text.txt", dir + "/tok", 400);
    x.tokenizer = text::TextTokenizer::load(dir + "/tok.model");
    // Codes from a small untrained pose tokenizer: a fixed function of the pose, which is what matters here.
    nn::VqVaeConfig vc;
    vc.tokens = 6;
    vc.codebook_size = 16;
    vc.code_dim = 8;
    vc.width = 16;
    vc.blocks = 1;
    vc.residual_levels = 2;
    torch::manual_seed(1);
    nn::PoseVqVae vq(vc);
    vq->forward(nn::poses_to_rot6d(x.corpus.poses));  // codebooks start on the data
    vq->eval();
    torch::NoGradGuard ng;
    const auto ids = vq->encode(nn::poses_to_rot6d(x.corpus.poses)).contiguous();
    for (int64_t i = 0; i < ids.size(0); ++i) x.codes.emplace_back(ids[i].data_ptr<int64_t>(), ids[i].data_ptr<int64_t>() + 6);
    x.vq = vq;
    return x;
  }();
  return f;
}

inline nn::LmConfig lm_config(const Fixture& f, bool mixed) {
  auto c = unipose::testing::tiny_lm_config(f.tokenizer.vocab_size(), 6, mixed);
  c.dim = 48;
  c.layers = 2;
  c.hidden = 96;
  return c;
}

inline nn::LanguageModel grounded_model(const Fixture& f, bool mixed) {
  auto c = lm_config(f, mixed);
  c.grounded = true;
  c.pose_levels = 2;
  c.code_dim = 8;
  nn::LanguageModel m(c);
  m->set_codebooks(f.vq->codebooks());
  return m;
}

}  // namespace unipose::testing
