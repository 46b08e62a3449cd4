#include "core/nn/pose_vqvae.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/io/files.h"
#include "core/nn/module_io.h"
#include "temp_dir.h"
#include "tiny_models.h"

namespace unipose::nn {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) { return unipose::testing::temp_dir("unipose_vqvae", name); }
VqVaeConfig tiny() { return unipose::testing::tiny_vqvae_config(); }

TEST(Tokenizer, ResidualLevelsCodeWhatThePreviousLeft) {
  VqVaeConfig c = tiny();
  c.residual_levels = 4;  // 8 tokens = 2 positions x 4 levels
  torch::manual_seed(4);
  PoseVqVae model(c);
  std::vector<pose::Pose> poses(64);
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 0.3);
  for (auto& p : poses)
    for (int j = 0; j < 22; ++j) p.rotations[j] = Eigen::Vector3d(n(rng), n(rng), n(rng));
  const auto x = poses_to_rot6d(poses);
  model->forward(x);  // training mode: the codebooks start on the data
  model->eval();
  torch::NoGradGuard ng;
  const auto out = model->forward(x);
  const auto ids = model->encode(x);
  ASSERT_EQ(ids.sizes(), (std::vector<int64_t>{64, 8}));
  EXPECT_TRUE(torch::equal(ids, out.indices));
  EXPECT_TRUE(torch::allclose(model->decode(ids), out.rot6d, 1e-5, 1e-6));
  // Decoding from code probabilities: one-hot rows are the ids; a 50/50 row decodes the mean code vector.
  const auto onehot = torch::nn::functional::one_hot(ids, c.codebook_size).to(torch::kFloat);
  EXPECT_TRUE(torch::allclose(model->decode_probabilities(onehot), out.rot6d, 1e-5, 1e-6));
  auto half = onehot.clone();
  half.select(1, 1) = 0.5 * (onehot.select(1, 1) + onehot.select(1, 1).roll(1, 1));
  EXPECT_FALSE(torch::allclose(model->decode_probabilities(half), out.rot6d, 1e-4, 1e-5));
  EXPECT_THROW(model->decode_probabilities(onehot.narrow(2, 0, 3)), Error);
  // Each level shrinks what is left: the error of the summed codes falls level by level.
  const auto z = model->encode_continuous_for_test(x);
  auto residual = z;
  double last = residual.norm().item<double>();
  for (int l = 0; l < 4; ++l) {
    const auto level = ids.view({64 * 2, 4}).select(1, l).contiguous();
    residual = residual - model->level(l)->lookup(level);
    const double now = residual.norm().item<double>();
    EXPECT_LT(now, last) << "level " << l;
    last = now;
  }
  // A config whose tokens do not divide into the levels is refused with a clear message.
  c.residual_levels = 3;
  EXPECT_THROW(PoseVqVae{c}, Error);
}

TEST(TokenizerBundle, RoundTripAndTamperedFiles) {
  PoseVqVae model(tiny());
  model->eval();
  const std::string dir = temp_dir("bundle");
  save_tokenizer_bundle(dir, model, "# test\n", false);
  auto loaded = load_tokenizer_bundle(dir);
  const auto x = poses_to_rot6d({pose::Pose()});
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(model->encode(x), loaded->encode(x)));
  // Half precision bundles load too.
  save_tokenizer_bundle(dir + "16", model, "# test\n", true);
  EXPECT_NO_THROW(load_tokenizer_bundle(dir + "16"));
  // A changed byte fails the checksum, naming the file.
  auto bytes = io::read_binary_file(dir + "/model.safetensors");
  bytes[bytes.size() - 3] ^= 0x55;
  io::write_file_atomic(dir + "/model.safetensors", bytes.data(), bytes.size());
  try {
    load_tokenizer_bundle(dir);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors: checksum differs"), std::string::npos) << e.what();
  }
  // Weights of another shape: the tensor is named.
  VqVaeConfig other = tiny();
  other.width = 24;
  PoseVqVae wrong(other);
  save_weights(*wrong, dir + "/other.safetensors", false);
  try {
    load_weights(*model, dir + "/other.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has shape"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
  fs::remove_all(dir + "16");
}

}  // namespace
}  // namespace unipose::nn
