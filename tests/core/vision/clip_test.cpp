#include "core/vision/clip.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "tests/error_of.h"
#include "tests/hf_checkpoint.h"
#include "tests/temp_dir.h"

namespace unipose::vision {
namespace {

namespace fs = std::filesystem;
using unipose::testing::bytes_of;
using unipose::testing::error_of;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct Tmp {
  std::string dir;
  explicit Tmp(const std::string& name) : dir(unipose::testing::temp_dir("clip", name)) { fs::create_directories(dir); }
  const std::string& path() const { return dir; }
};

constexpr int kSize = 32, kPatch = 8, kDim = 16, kHidden = 24, kLayers = 2, kHeads = 2, kProj = 12;

// A tiny CLIP checkpoint in Hugging Face's CLIPModel layout: a nested vision_config, the text tower's tensors and a
// position_ids buffer beside the image encoder's, BF16 and F32 tensors over two shards. Returns the encoder's
// tensors as written (in float, names as in the file).
std::map<std::string, torch::Tensor> write_tiny_clip(const std::string& dir, const std::string& act = "quick_gelu") {
  fs::create_directories(dir);
  io::write_file_atomic(dir + "/config.json",
                        "{\"model_type\": \"clip\", \"projection_dim\": " + std::to_string(kProj) +
                            ", \"text_config\": {\"hidden_size\": 8}, \"vision_config\": {\"image_size\": 32, \"patch_size\": 8, "
                            "\"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, "
                            "\"layer_norm_eps\": 1e-5, \"hidden_act\": \"" + act + "\"}}");
  torch::manual_seed(5);
  auto bf = [](torch::Tensor t) { return t.to(torch::kBFloat16).to(torch::kFloat); };
  std::map<std::string, torch::Tensor> w;
  const std::string v = "vision_model.";
  const int n = (kSize / kPatch) * (kSize / kPatch) + 1;
  w[v + "embeddings.patch_embedding.weight"] = bf(torch::randn({kDim, 3, kPatch, kPatch}) * 0.1);
  w[v + "embeddings.class_embedding"] = bf(torch::randn({kDim}));
  w[v + "embeddings.position_embedding.weight"] = bf(torch::randn({n, kDim}) * 0.3);
  for (const char* norm : {"pre_layrnorm", "post_layernorm"}) {
    w[v + norm + ".weight"] = torch::rand({kDim}) + 0.5;
    w[v + norm + ".bias"] = torch::randn({kDim}) * 0.1;
  }
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = v + "encoder.layers." + std::to_string(l) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      w[p + "self_attn." + proj + ".weight"] = bf(torch::randn({kDim, kDim}) * 0.3);
      w[p + "self_attn." + proj + ".bias"] = bf(torch::randn({kDim}) * 0.1);
    }
    w[p + "mlp.fc1.weight"] = bf(torch::randn({kHidden, kDim}) * 0.3);
    w[p + "mlp.fc1.bias"] = bf(torch::randn({kHidden}) * 0.1);
    w[p + "mlp.fc2.weight"] = bf(torch::randn({kDim, kHidden}) * 0.3);
    w[p + "mlp.fc2.bias"] = bf(torch::randn({kDim}) * 0.1);
    for (const char* norm : {"layer_norm1", "layer_norm2"}) {
      w[p + norm + ".weight"] = torch::rand({kDim}) + 0.5;
      w[p + norm + ".bias"] = torch::randn({kDim}) * 0.1;
    }
  }
  w["visual_projection.weight"] = bf(torch::randn({kProj, kDim}) * 0.3);
  io::SafetensorsFile a, b;
  for (const auto& [name, t] : w) {
    const bool norm = name.find("norm") != std::string::npos;
    (name.find("layers.1.") != std::string::npos ? b : a).tensors[name] = bytes_of(t, norm ? "F32" : "BF16");
  }
  a.tensors["text_model.embeddings.token_embedding.weight"] = bytes_of(torch::randn({10, 8}), "F32");
  a.tensors["logit_scale"] = bytes_of(torch::ones({}), "F32");
  a.tensors["vision_model.embeddings.position_ids"] = bytes_of(torch::arange(n).view({1, n}).to(torch::kFloat), "F32");
  io::write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  io::write_safetensors(dir + "/model-00002-of-00002.safetensors", b);
  return w;
}

// The encoder written out from the published formulas, head by head, straight from the tensors.
torch::Tensor reference_pooled(const std::map<std::string, torch::Tensor>& w, const torch::Tensor& pixels, bool quick, torch::Tensor* tokens) {
  auto W = [&](const std::string& name) { return w.at("vision_model." + name); };
  auto norm = [&](const torch::Tensor& x, const std::string& name) {
    const auto mu = x.mean(-1, true), var = (x - mu).pow(2).mean(-1, true);
    return (x - mu) / torch::sqrt(var + 1e-5) * W(name + ".weight") + W(name + ".bias");
  };
  auto linear = [&](const torch::Tensor& x, const std::string& name) { return torch::matmul(x, W(name + ".weight").t()) + W(name + ".bias"); };
  auto x = torch::conv2d(pixels, W("embeddings.patch_embedding.weight"), {}, kPatch).flatten(2).transpose(1, 2);
  x = torch::cat({W("embeddings.class_embedding").view({1, 1, kDim}).expand({pixels.size(0), 1, kDim}), x}, 1) + W("embeddings.position_embedding.weight");
  x = norm(x, "pre_layrnorm");
  const int hd = kDim / kHeads;
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = "encoder.layers." + std::to_string(l) + ".";
    const auto h = norm(x, p + "layer_norm1");
    const auto q = linear(h, p + "self_attn.q_proj"), k = linear(h, p + "self_attn.k_proj"), v = linear(h, p + "self_attn.v_proj");
    std::vector<torch::Tensor> heads;
    for (int i = 0; i < kHeads; ++i) {
      const auto qi = q.narrow(2, i * hd, hd), ki = k.narrow(2, i * hd, hd), vi = v.narrow(2, i * hd, hd);
      heads.push_back(torch::matmul(torch::softmax(torch::matmul(qi, ki.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)), -1), vi));
    }
    x = x + linear(torch::cat(heads, 2), p + "self_attn.out_proj");
    auto m = linear(norm(x, p + "layer_norm2"), p + "mlp.fc1");
    m = quick ? m * torch::sigmoid(1.702 * m) : 0.5 * m * (1 + torch::erf(m / std::sqrt(2.0)));
    x = x + linear(m, p + "mlp.fc2");
  }
  if (tokens) *tokens = x;
  return norm(x.select(1, 0), "post_layernorm");
}

TEST(ClipVision, AHuggingFaceCheckpointLoadsAndComputesAsTheFormulasSay) {
  const Tmp tmp(::testing::UnitTest::GetInstance()->current_test_info()->name());
  for (const std::string act : {"quick_gelu", "gelu"}) {
    const std::string dir = tmp.path() + "/" + act;
    const auto w = write_tiny_clip(dir, act);
    ClipLoadReport report;
    auto model = load_clip_vision(dir, &report);
    EXPECT_EQ(report.tensors_loaded, static_cast<int>(w.size()));
    EXPECT_EQ(report.tensors_ignored, 3);  // text tower, logit_scale, position_ids
    EXPECT_EQ(model->config().grid(), 4);
    torch::manual_seed(9);
    const auto pixels = torch::randn({2, 3, kSize, kSize});
    torch::NoGradGuard ng;
    const auto out = model->forward(pixels);
    torch::Tensor tokens;
    const auto pooled = reference_pooled(w, pixels, act == "quick_gelu", &tokens);
    EXPECT_EQ(out.tokens.sizes(), (std::vector<std::int64_t>{2, 17, kDim}));
    EXPECT_TRUE(torch::allclose(out.tokens, tokens, 1e-4, 1e-4)) << act;
    EXPECT_TRUE(torch::allclose(out.pooled, pooled, 1e-4, 1e-4)) << act;
    EXPECT_TRUE(torch::allclose(out.embedding, torch::matmul(pooled, w.at("visual_projection.weight").t()), 1e-4, 1e-4)) << act;
    // The grid is the patch tokens laid out row by row: token 1 + r * 4 + c at (r, c).
    EXPECT_TRUE(torch::allclose(out.grid.index({torch::indexing::Slice(), torch::indexing::Slice(), 2, 3}), tokens.select(1, 1 + 2 * 4 + 3), 1e-4, 1e-4));
  }
}

// A CLIPConfig that leaves projection_dim out: the size comes from the projection tensor.
TEST(ClipVision, TheProjectionsSizeComesFromItsTensorWhenTheConfigLeavesItOut) {
  const Tmp tmp(::testing::UnitTest::GetInstance()->current_test_info()->name());
  const std::string dir = tmp.path() + "/c";
  write_tiny_clip(dir);
  std::string text = io::read_text_file(dir + "/config.json");
  const std::string field = "\"projection_dim\": " + std::to_string(kProj) + ", ";
  ASSERT_NE(text.find(field), std::string::npos);
  text.erase(text.find(field), field.size());
  io::write_file_atomic(dir + "/config.json", text);
  auto model = load_clip_vision(dir);
  EXPECT_EQ(model->config().projection_dim, kProj);
  torch::NoGradGuard ng;
  EXPECT_EQ(model->forward(torch::zeros({1, 3, kSize, kSize})).embedding.size(1), kProj);
}

TEST(ClipVision, ItsOwnBundleReadsBackAsTheSameEncoder) {
  const Tmp tmp(::testing::UnitTest::GetInstance()->current_test_info()->name());
  ClipVisionConfig c;
  c.image_size = 32, c.patch_size = 16, c.dim = 8, c.hidden = 16, c.layers = 1, c.heads = 2, c.projection_dim = 4;
  torch::manual_seed(3);
  ClipVision model(c);
  save_clip_vision_bundle(tmp.path() + "/b", model, "# card\n", false);
  auto back = load_clip_vision(tmp.path() + "/b");
  const auto pixels = torch::randn({1, 3, 32, 32});
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(model->forward(pixels).embedding, back->forward(pixels).embedding));
  EXPECT_EQ(back->config().to_json(), c.to_json());
  // Half precision on disk: close, not equal.
  save_clip_vision_bundle(tmp.path() + "/h", model, "# card\n", true);
  EXPECT_TRUE(torch::allclose(model->forward(pixels).pooled, load_clip_vision(tmp.path() + "/h")->forward(pixels).pooled, 1e-2, 1e-2));
  // An edited config is caught by the checksums.
  io::write_file_atomic(tmp.path() + "/b/config.json", io::read_text_file(tmp.path() + "/b/config.json") + " ");
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(tmp.path() + "/b"); }), "config.json");
}

TEST(ClipVision, AVisionModelWithoutProjectionLoadsWithoutOne) {
  const Tmp tmp(::testing::UnitTest::GetInstance()->current_test_info()->name());
  const std::string dir = tmp.path() + "/c";
  write_tiny_clip(dir);
  // As a CLIPVisionModel: the fields at the top (projection_dim among them), no visual_projection tensor.
  io::write_file_atomic(dir + "/config.json", "{\"model_type\": \"clip_vision_model\", \"image_size\": 32, \"patch_size\": 8, \"hidden_size\": 16, "
                                              "\"intermediate_size\": 24, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"projection_dim\": 512}");
  auto a = io::read_safetensors(dir + "/model-00001-of-00002.safetensors");
  a.tensors.erase("visual_projection.weight");
  io::write_safetensors(dir + "/model-00001-of-00002.safetensors", a);
  auto model = load_clip_vision(dir);
  EXPECT_EQ(model->config().projection_dim, 0);
  torch::NoGradGuard ng;
  EXPECT_FALSE(model->forward(torch::zeros({1, 3, 32, 32})).embedding.defined());
}

TEST(ClipVision, BadCheckpointsAreRefusedNamingTheFileAndTheTensor) {
  const Tmp tmp(::testing::UnitTest::GetInstance()->current_test_info()->name());
  const std::string dir = tmp.path() + "/c";
  const std::string shard = dir + "/model-00002-of-00002.safetensors";
  write_tiny_clip(dir);
  auto b = io::read_safetensors(shard);
  // Wrong shape.
  auto bad = b;
  bad.tensors["vision_model.encoder.layers.1.mlp.fc1.weight"] = bytes_of(torch::zeros({kHidden + 1, kDim}), "F32");
  io::write_safetensors(shard, bad);
  auto e = error_of([&] { load_clip_vision(dir); });
  EXPECT_PRED2(has, e, "model-00002-of-00002.safetensors");
  EXPECT_PRED2(has, e, "layers.1.mlp.fc1.weight");
  EXPECT_PRED2(has, e, "[25, 16]");
  // Missing.
  bad = b;
  bad.tensors.erase("vision_model.encoder.layers.1.layer_norm2.bias");
  io::write_safetensors(shard, bad);
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(dir); }), "lacks 'vision_model.encoder.layers.1.layer_norm2.bias'");
  // A layer the config does not have.
  bad = b;
  bad.tensors["vision_model.encoder.layers.2.mlp.fc1.bias"] = bytes_of(torch::zeros({kHidden}), "F32");
  io::write_safetensors(shard, bad);
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(dir); }), "layers.2.mlp.fc1.bias' is not part of");
  // Not a number.
  bad = b;
  bad.tensors["vision_model.encoder.layers.1.mlp.fc1.bias"] = bytes_of(torch::full({kHidden}, std::nan("")), "F32");
  io::write_safetensors(shard, bad);
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(dir); }), "not numbers");
  // An integer tensor.
  bad = b;
  bad.tensors["vision_model.encoder.layers.1.mlp.fc1.bias"].dtype = "I16";  // BF16's two bytes, read as integers
  io::write_safetensors(shard, bad);
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(dir); }), "dtype I16");
  io::write_safetensors(shard, b);
  // Configurations that cannot be.
  const std::string good = io::read_text_file(dir + "/config.json");
  for (const auto& [from, to, says] : std::vector<std::array<std::string, 3>>{{"\"patch_size\": 8", "\"patch_size\": 7", "does not divide image_size"},
                                                                          {"\"num_attention_heads\": 2", "\"num_attention_heads\": 3", "does not divide hidden_size"},
                                                                          {"\"hidden_act\": \"quick_gelu\"", "\"hidden_act\": \"relu\"", "hidden_act 'relu'"},
                                                                          {"\"hidden_size\": 16,", "\"hidden_size\": \"16\",", "hidden_size"}}) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    io::write_file_atomic(dir + "/config.json", text);
    e = error_of([&] { load_clip_vision(dir); });
    EXPECT_PRED2(has, e, "config.json") << to;
    EXPECT_PRED2(has, e, says) << to;
  }
  EXPECT_PRED2(has, error_of([&] { load_clip_vision(tmp.path() + "/nothing"); }), "nothing");
}

TEST(ClipVision, PixelsAreTheCentreSquareNormalisedByClipsStatistics) {
  // A 60 x 30 picture, left third red, middle grey, right third blue: the centre square at 16 is the grey middle
  // and a little of each side.
  image::Image p;
  p.width = 60, p.height = 30;
  p.rgb.assign(60 * 30 * 3, 0);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 60; ++x) {
      auto* px = &p.rgb[(y * 60 + x) * 3];
      if (x < 20) px[0] = 255;
      else if (x < 40) px[0] = px[1] = px[2] = 123;
      else px[2] = 255;
    }
  const auto t = clip_pixels(p, 16);
  EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{3, 16, 16}));
  // Scaled to 32 x 16, the square from x = 8: the middle column is grey (123 / 255 against CLIP's means).
  EXPECT_NEAR(t[0][8][8].item<double>(), (123 / 255.0 - 0.48145466) / 0.26862954, 0.02);
  EXPECT_NEAR(t[2][8][8].item<double>(), (123 / 255.0 - 0.40821073) / 0.27577711, 0.02);
  EXPECT_GT(t[0][8][0].item<double>(), 1.5);   // red at the left edge
  EXPECT_GT(t[2][8][15].item<double>(), 1.5);  // blue at the right edge
  EXPECT_THROW(clip_pixels(image::Image{}, 16), Error);
  // The wrong input size is refused by the encoder, naming the shapes.
  ClipVisionConfig c;
  c.image_size = 32, c.patch_size = 16, c.dim = 8, c.hidden = 16, c.layers = 1, c.heads = 2;
  ClipVision model(c);
  EXPECT_PRED2(has, error_of([&] { model->forward(torch::zeros({1, 3, 16, 16})); }), "[1, 3, 16, 16]");
}

}  // namespace
}  // namespace unipose::vision
