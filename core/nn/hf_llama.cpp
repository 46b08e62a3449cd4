#include "core/nn/hf_llama.h"

#include <filesystem>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"

namespace unipose::nn {

LanguageModel load_hf_llama(const std::string& dir, int pose_codes, int pose_tokens, HfLoadReport* report, int grounded_levels, int code_dim) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a checkpoint folder");
  const std::string config_path = dir + "/config.json";
  const nlohmann::json j = io::read_json_file(config_path);
  auto need = [&](const char* key, int hi) { return io::json_int(j, key, 1, hi, config_path); };
  LmConfig c;
  c.text_vocab = need("vocab_size", 1 << 22);
  c.pose_codes = pose_codes;
  c.pose_tokens = pose_tokens;
  c.dim = need("hidden_size", 65536);
  c.layers = need("num_hidden_layers", 512);
  c.heads = need("num_attention_heads", 1024);
  c.kv_heads = io::json_int(j, "num_key_value_heads", c.heads, 1, 1024, config_path);
  c.hidden = need("intermediate_size", 1 << 20);
  c.max_positions = io::json_int(j, "max_position_embeddings", 2048, 16, 1 << 20, config_path);
  c.rope_theta = io::json_real(j, "rope_theta", 10000.0, 2, 1e9, config_path);
  c.norm_eps = io::json_real(j, "rms_norm_eps", 1e-6, 1e-12, 0.1, config_path);
  c.mixed_attention = true;
  if (grounded_levels > 0) {
    c.grounded = true;
    c.pose_levels = grounded_levels;
    c.code_dim = code_dim;
  }
  if (c.dim % c.heads || c.heads % c.kv_heads || (c.dim / c.heads) % 2) fail(config_path, "head sizes do not divide the hidden size");
  c.check_size(config_path);
  const bool tied = io::json_bool(j, "tie_word_embeddings", false, config_path);
  LanguageModel model(c);

  const auto shards = io::safetensors_files(dir);  // every shard, in name order

  auto state = model->named_parameters();
  HfLoadReport r;
  r.text_vocab = c.text_vocab;
  r.tied_embeddings = tied;
  bool have_embed = false, have_head = false;
  std::set<std::string> filled;
  static const std::regex layer_name(R"(model\.layers\.(\d+)\.(.+))");
  torch::NoGradGuard ng;
  for (const auto& path : shards) {
    const auto file = io::read_safetensors(path);
    for (const auto& [name, tb] : file.tensors) {
      torch::Dtype dtype;
      if (tb.dtype == "F32") dtype = torch::kFloat;
      else if (tb.dtype == "F16") dtype = torch::kHalf;
      else if (tb.dtype == "BF16") dtype = torch::kBFloat16;
      else fail(path, "tensor '" + name + "' has dtype " + tb.dtype + " (F32, F16 or BF16 expected)");
      const auto src = torch::from_blob(const_cast<std::uint8_t*>(tb.data.data()), tb.shape, dtype).to(torch::kFloat);
      std::string target;
      std::smatch m;
      if (name == "model.embed_tokens.weight") target = "embed_tokens.weight";
      else if (name == "lm_head.weight") target = "lm_head.weight";
      else if (name == "model.norm.weight") target = "norm.weight";
      else if (std::regex_match(name, m, layer_name)) target = "layers." + m[1].str() + "." + m[2].str();
      if (target.empty() || name.find("rotary_emb") != std::string::npos || !state.contains(target)) {
        ++r.tensors_ignored;
        continue;
      }
      auto& dst = state[target];
      if (target == "embed_tokens.weight" || target == "lm_head.weight") {
        // Text rows come from the checkpoint; the pose and special rows are new.
        if (src.dim() != 2 || src.size(0) != c.text_vocab || src.size(1) != c.dim)
          fail(path, "tensor '" + name + "' should be [" + std::to_string(c.text_vocab) + ", " + std::to_string(c.dim) + "]");
        dst.narrow(0, 0, c.text_vocab).copy_(src);
        const auto mean = src.mean(0, true);
        dst.narrow(0, c.text_vocab, c.vocab() - c.text_vocab).copy_(mean.expand({c.vocab() - c.text_vocab, c.dim}) + 0.01 * torch::randn({c.vocab() - c.text_vocab, c.dim}));
        (target == "lm_head.weight" ? have_head : have_embed) = true;
      } else {
        if (src.sizes() != dst.sizes()) {
          std::string want, got;
          for (auto s : dst.sizes()) want += std::to_string(s) + " ";
          for (auto s : src.sizes()) got += std::to_string(s) + " ";
          fail(path, "tensor '" + name + "' has shape [ " + got + "], config.json implies [ " + want + "]");
        }
        dst.copy_(src);
      }
      filled.insert(target);
      ++r.tensors_loaded;
    }
  }
  if (!have_embed) fail(dir, "no model.embed_tokens.weight in the checkpoint");
  if (!have_head) {
    if (!tied) fail(dir, "no lm_head.weight and the config does not tie the embeddings");
    state["lm_head.weight"].copy_(state["embed_tokens.weight"]);
  }
  for (const auto& p : state) {
    // The pose queries and a grounded model's pose layers are new to any checkpoint.
    static const std::set<std::string> fresh = {"pose_queries", "pose_position", "code_bias", "code_log_scale"};
    if (fresh.count(p.key()) || p.key().rfind("pose_in.", 0) == 0 || p.key().rfind("pose_out.", 0) == 0 ||
        (p.key() == "lm_head.weight" && !have_head) || filled.count(p.key()))
      continue;
    const auto dot = p.key().find('.');
    const std::string hf = p.key().rfind("layers.", 0) == 0 ? "model." + p.key() : "model." + p.key().substr(0, dot) + p.key().substr(dot);
    fail(dir, "the checkpoint lacks '" + hf + "'");
  }
  if (report) *report = r;
  model->eval();
  return model;
}

}  // namespace unipose::nn
