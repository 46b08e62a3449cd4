#include "core/nn/lm_bundle.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"
#include "core/nn/module_io.h"

namespace unipose::nn {

void save_lm_bundle(const std::string& dir, LanguageModel& model, const std::string& tokenizer_model_file,
                    const std::string& pose_tokenizer_sha256, const std::string& model_card, bool half, const text::WordNormaliser& words) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create folder: " + ec.message());
  auto config = nlohmann::ordered_json::parse(model->config.to_json());
  config["pose_tokenizer_sha256"] = pose_tokenizer_sha256;
  io::write_file_atomic(dir + "/config.json", config.dump(2) + "\n");
  save_weights(*model, dir + "/model.safetensors", half, {{"format", "unipose"}, {"model", "language_model"}});
  const auto bytes = io::read_binary_file(tokenizer_model_file);
  io::write_file_atomic(dir + "/tokenizer.model", bytes.data(), bytes.size());
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  std::vector<std::string> files = {"config.json", "model.safetensors", "tokenizer.model", "MODEL_CARD.md"};
  if (!words.empty()) {
    io::write_file_atomic(dir + "/words.txt", words.to_text());
    files.push_back("words.txt");
  }
  io::write_sha256sums(dir, files);
}

LmBundle load_lm_bundle(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a model folder");
  io::verify_sha256sums(dir, {"config.json", "model.safetensors", "tokenizer.model", "words.txt"});
  const std::string config_path = dir + "/config.json";
  const std::string text = io::read_text_file(config_path);
  LmBundle b;
  b.dir = dir;
  const auto config = LmConfig::from_json(text, config_path);
  const auto j = nlohmann::json::parse(text);
  b.pose_tokenizer_sha256 = io::json_string(j, "pose_tokenizer_sha256", "", config_path);
  b.tokenizer = text::TextTokenizer::load(dir + "/tokenizer.model");
  if (b.tokenizer.vocab_size() > config.text_vocab)
    fail(dir + "/tokenizer.model", "has " + std::to_string(b.tokenizer.vocab_size()) + " pieces, the model only " + std::to_string(config.text_vocab));
  if (std::filesystem::exists(dir + "/words.txt")) b.words = text::WordNormaliser::parse(io::read_text_file(dir + "/words.txt"), dir + "/words.txt");
  // The weights file holds at least two bytes per parameter (half precision): a config that asks for more
  // does not belong to these weights, and is refused before the model takes the memory.
  const std::string weights = dir + "/model.safetensors";
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(weights, size_error);
  if (!size_error && static_cast<double>(config.parameter_count()) * 2 * 0.8 > static_cast<double>(bytes))
    fail(config_path, "describes a model of " + std::to_string(config.parameter_count()) + " parameters, but model.safetensors holds only " +
                          std::to_string(bytes) + " bytes: the config does not belong to these weights");
  b.model = LanguageModel(config);
  load_weights(*b.model, dir + "/model.safetensors");
  b.model->eval();
  return b;
}

}  // namespace unipose::nn
