#include "core/train/clip_task.h"

#include <cmath>
#include <cstring>

#include "core/data/corpus_reader.h"
#include "core/data/render.h"
#include "core/error.h"
#include "core/eval/retrieval_metrics.h"
#include "core/image/image.h"
#include "core/text/words.h"

namespace unipose::train {

ClipTrainConfig ClipTrainConfig::small() {
  ClipTrainConfig c;
  c.vision.image_size = 128;
  c.vision.patch_size = 16;
  c.vision.dim = 192;
  c.vision.hidden = 768;
  c.vision.layers = 4;
  c.vision.heads = 4;
  c.vision.quick_gelu = true;
  c.vision.projection_dim = 256;
  return c;
}

namespace {
nn::RetrievalConfig word_config(const ClipTrainConfig& c, std::vector<std::string> vocabulary) {
  nn::RetrievalConfig w;
  w.vocabulary = std::move(vocabulary);
  w.max_words = c.max_words;
  w.text_width = c.text_width;
  w.text_layers = c.text_layers;
  w.text_heads = c.text_heads;
  w.feature_dim = c.vision.projection_dim;
  return w;
}
}  // namespace

ImageTextModelImpl::ImageTextModelImpl(const ClipTrainConfig& c, std::vector<std::string> vocabulary) : words(word_config(c, std::move(vocabulary))) {
  if (c.vision.projection_dim < 1) throw Error("the image-text model needs an embedding size (projection_dim)");
  if (words.vocabulary.size() < 3) throw Error("the captions give no words to learn");
  image = register_module("image", vision::ClipVision(c.vision));
  text = register_module("text", nn::TextEncoder(static_cast<int>(words.vocabulary.size()), c.text_width, c.text_layers, c.text_heads, c.max_words,
                                                 c.vision.projection_dim));
  log_scale = register_parameter("log_scale", torch::full({1}, std::log(10.0)));
}

torch::Tensor ImageTextModelImpl::encode_images(const torch::Tensor& pixels) {
  return torch::nn::functional::normalize(image->forward(pixels).embedding, torch::nn::functional::NormalizeFuncOptions().dim(1));
}

torch::Tensor ImageTextModelImpl::encode_texts(const std::vector<std::string>& texts, const torch::Device& device) {
  const auto ids = nn::encode_texts(words, texts).to(device);
  return torch::nn::functional::normalize(text(ids), torch::nn::functional::NormalizeFuncOptions().dim(1));
}

CaptionedPictures read_captioned_pictures(const std::string& dir, const std::string& split, int size, const std::function<void(int, int)>& progress) {
  const data::Corpus corpus = data::read_corpus(dir);
  std::vector<data::RenderedImage> chosen;
  for (const auto& im : data::read_rendered_images(dir))
    if (im.split == split && im.pose >= 0 && im.pose < static_cast<int>(corpus.captions.size()) && !corpus.captions[im.pose].empty()) chosen.push_back(im);
  if (chosen.empty()) fail(dir + "/images.jsonl", "no rendered pictures with captions in the '" + split + "' split");
  CaptionedPictures out;
  out.manifest = corpus.manifest;
  out.rgb = torch::empty({static_cast<std::int64_t>(chosen.size()), size, size, 3}, torch::kUInt8);
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto square = vision::clip_square(image::read_image(chosen[i].file), size);
    std::memcpy(out.rgb[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>(), square.rgb.data(), square.rgb.size());
    out.texts.push_back(corpus.captions[chosen[i].pose]);
    if (progress) progress(static_cast<int>(i + 1), static_cast<int>(chosen.size()));
  }
  return out;
}

namespace {
ImageTextModel seeded_model(const ClipTrainConfig& c, const CaptionedPictures& train, std::uint64_t seed) {
  std::vector<std::string> texts;
  for (const auto& t : train.texts) texts.insert(texts.end(), t.begin(), t.end());
  torch::manual_seed(seed);
  return ImageTextModel(c, nn::build_vocabulary(texts));
}
}  // namespace

ClipTask::ClipTask(const ClipTrainConfig& config, CaptionedPictures train, CaptionedPictures val, int batch, std::uint64_t seed)
    : model_(seeded_model(config, train, seed)), train_(std::move(train)), val_(std::move(val)), batch_(batch) {
  const int s = config.vision.image_size;
  for (const auto* set : {&train_, &val_})
    if (set->size() > 0 && (set->rgb.size(1) != s || set->rgb.size(2) != s)) throw Error("pictures of another size than the encoder's input");
  if (train_.size() < 2) throw Error("contrastive training needs at least two training pictures");
}

std::map<std::string, torch::Tensor> ClipTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::uniform_int_distribution<std::int64_t> pick(0, train_.size() - 1);
  std::bernoulli_distribution mirror(0.5);
  std::vector<std::int64_t> idx(batch_), flipped;
  std::vector<std::string> texts(batch_);
  for (int i = 0; i < batch_; ++i) {
    idx[i] = pick(rng);
    const auto& options = train_.texts[static_cast<std::size_t>(idx[i])];
    texts[i] = options[std::uniform_int_distribution<std::size_t>(0, options.size() - 1)(rng)];
    if (mirror(rng)) {
      flipped.push_back(i);
      texts[i] = text::swap_sides(texts[i]);
    }
  }
  auto rgb = train_.rgb.index_select(0, torch::tensor(idx));
  if (!flipped.empty()) {
    const auto f = torch::tensor(flipped);
    rgb.index_copy_(0, f, rgb.index_select(0, f).flip({2}));  // [B, S, S, 3]: x is dim 2
  }
  const auto images = model_->encode_images(vision::clip_normalise(rgb).to(device));
  const auto loss = nn::contrastive_loss(images, model_->encode_texts(texts, device), model_->log_scale);
  return {{"loss", loss}, {"scale", model_->log_scale.detach().exp().squeeze()}};
}

std::map<std::string, double> ClipTask::evaluate(const torch::Device& device) {
  if (val_.size() == 0) return {};
  const bool was_training = model_->is_training();
  model_->eval();
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> feats;
  for (std::int64_t at = 0; at < val_.size(); at += 64)
    feats.push_back(model_->encode_images(vision::clip_normalise(val_.rgb.narrow(0, at, std::min<std::int64_t>(64, val_.size() - at))).to(device)).cpu());
  const auto images = torch::cat(feats, 0);
  std::vector<std::string> texts;
  std::vector<int> owner;
  std::vector<std::int64_t> first;
  for (std::size_t i = 0; i < val_.texts.size(); ++i) {
    first.push_back(static_cast<std::int64_t>(texts.size()));
    for (const auto& t : val_.texts[i]) {
      texts.push_back(t);
      owner.push_back(static_cast<int>(i));
    }
  }
  std::vector<torch::Tensor> tf;
  for (std::size_t at = 0; at < texts.size(); at += 256)
    tf.push_back(model_->encode_texts(std::vector<std::string>(texts.begin() + at, texts.begin() + std::min(texts.size(), at + 256)), device).cpu());
  const auto text_features = torch::cat(tf, 0);
  std::map<std::string, double> out;
  for (const auto& [key, v] : eval::cross_modal_recall(images, text_features, owner)) {
    std::string k = key;
    const auto p = k.find("pose");
    if (p != std::string::npos) k.replace(p, 4, "image");
    out[k] = v;
  }
  if (val_.size() >= 32)
    for (const auto& [k, v] : eval::r_precision(images, text_features.index_select(0, torch::tensor(first)), {1, 2, 3}))
      out["R-precision_top" + std::to_string(k)] = 100 * v;
  if (was_training) model_->train();
  return out;
}

}  // namespace unipose::train
