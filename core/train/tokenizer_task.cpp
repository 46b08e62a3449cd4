#include "core/train/tokenizer_task.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/rotations.h"
#include "core/data/corpus_reader.h"
#include "core/error.h"
#include "core/eval/model_metrics.h"
#include "core/io/files.h"
#include "core/nn/module_io.h"
#include "core/pose/pose_io.h"

namespace unipose::train {
namespace {

constexpr int kLossVertices = 600;  // a fixed spread-out subset of the mannequin's vertices for the vertex loss

torch::Tensor random_rotation(int64_t n, std::mt19937_64& rng, double yaw_deg, double tilt_deg) {
  std::uniform_real_distribution<double> u(-1, 1);
  auto aa = torch::empty({n, 3}, torch::kFloat);
  auto acc = aa.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    acc[i][0] = static_cast<float>(u(rng) * tilt_deg * M_PI / 180);
    acc[i][1] = static_cast<float>(u(rng) * yaw_deg * M_PI / 180);
    acc[i][2] = static_cast<float>(u(rng) * tilt_deg * M_PI / 180);
  }
  return body::axis_angle_to_matrix(aa);
}

}  // namespace

namespace {
nn::PoseVqVae seeded_model(const nn::VqVaeConfig& config, std::uint64_t seed) {
  torch::manual_seed(seed);
  return nn::PoseVqVae(config);
}
}  // namespace

TokenizerTask::TokenizerTask(const nn::VqVaeConfig& config, const std::string& corpus_dir, int batch, std::uint64_t seed)
    : model_(seeded_model(config, seed)), batch_(batch) {
  const auto train = data::load_corpus_split(corpus_dir, "train");
  val_ = data::load_corpus_split(corpus_dir, "val");
  train_rot_ = body::rotation_matrices(train).narrow(1, 0, body::kNumBodyJoints).to(torch::kFloat).contiguous();
  rest_joints_ = body::to_tensor(body::mannequin_rest_joints()).to(torch::kFloat);
  // Vertex subset: every k-th vertex of the mannequin, with its skinning weights.
  const auto mannequin = body::build_mannequin();
  const int64_t nv = static_cast<int64_t>(mannequin.mesh.vertices.size());
  const int64_t stride = std::max<int64_t>(1, nv / kLossVertices);
  std::vector<float> v, w;
  for (int64_t i = 0; i < nv; i += stride) {
    v.insert(v.end(), {mannequin.mesh.vertices[i].x(), mannequin.mesh.vertices[i].y(), mannequin.mesh.vertices[i].z()});
    w.insert(w.end(), mannequin.weights.begin() + i * body::kNumJoints, mannequin.weights.begin() + (i + 1) * body::kNumJoints);
  }
  vertices_ = torch::from_blob(v.data(), {static_cast<int64_t>(v.size() / 3), 3}, torch::kFloat).clone();
  weights_ = torch::from_blob(w.data(), {static_cast<int64_t>(w.size() / body::kNumJoints), body::kNumJoints}, torch::kFloat).clone();
}

void TokenizerTask::add_real_motion(const std::vector<pose::Pose>& poses, double fraction, double noise_degrees) {
  if (fraction < 0 || fraction > 1) throw Error("the share of real motion in a batch must be between 0 and 1");
  if (poses.empty()) throw Error("no real-motion poses given");
  std::vector<pose::Pose> both = poses;
  for (const auto& p : poses) both.push_back(pose::mirror(p));
  motion_rot_ = body::rotation_matrices(both).narrow(1, 0, body::kNumBodyJoints).to(torch::kFloat).contiguous();
  motion_fraction_ = fraction;
  motion_noise_ = noise_degrees * M_PI / 180;
}

void TokenizerTask::start_from(nn::PoseVqVae& trained) {
  if (trained->config.to_json() != model_->config.to_json())
    throw Error("the tokenizer to start from has another configuration than the one being trained");
  torch::NoGradGuard ng;
  auto from = trained->named_parameters(true);
  for (auto& p : model_->named_parameters(true)) p.value().copy_(from[p.key()]);
  auto from_buffers = trained->named_buffers(true);
  for (auto& b : model_->named_buffers(true)) b.value().copy_(from_buffers[b.key()]);
}

std::map<std::string, torch::Tensor> TokenizerTask::step(std::mt19937_64& rng, const torch::Device& device) {
  std::uniform_int_distribution<int64_t> pick(0, train_rot_.size(0) - 1);
  const int64_t from_motion = motion_rot_.defined() ? static_cast<int64_t>(std::lround(motion_fraction_ * batch_)) : 0;
  std::vector<int64_t> idx(batch_ - from_motion);
  for (auto& i : idx) i = pick(rng);
  auto rot = train_rot_.index_select(0, torch::tensor(idx));
  if (from_motion > 0) {
    std::uniform_int_distribution<int64_t> pick_motion(0, motion_rot_.size(0) - 1);
    std::vector<int64_t> m(from_motion);
    for (auto& i : m) i = pick_motion(rng);
    // Every joint turned a little about a random axis: real motion is scarce, its neighbourhood is not.
    std::normal_distribution<double> n(0, motion_noise_);
    auto aa = torch::empty({from_motion, body::kNumBodyJoints, 3}, torch::kFloat);
    auto acc = aa.accessor<float, 3>();
    for (int64_t i = 0; i < from_motion; ++i)
      for (int64_t j = 0; j < body::kNumBodyJoints; ++j)
        for (int k = 0; k < 3; ++k) acc[i][j][k] = static_cast<float>(j == 0 ? 0.0 : n(rng));
    rot = torch::cat({rot, torch::matmul(motion_rot_.index_select(0, torch::tensor(m)), body::axis_angle_to_matrix(aa))});
  }
  // Global-orientation augmentation: heading (default +-45 deg), tilt +-20 deg about the other axes.
  const auto turn = random_rotation(batch_, rng, yaw_degrees_, 20);
  rot = torch::cat({torch::matmul(turn, rot.narrow(1, 0, 1).squeeze(1)).unsqueeze(1), rot.narrow(1, 1, body::kNumBodyJoints - 1)}, 1);
  rot = rot.to(device);
  const auto target = body::matrix_to_rot6d(rot);
  // Joint noise on the input only: the model learns to output clean poses.
  const auto noisy = target + 0.01 * torch::randn_like(target);
  const auto out = model_->forward(noisy);
  // The body model and the losses in full precision, whatever the network ran in (bf16 would put
  // millimetres out of reach).
  nn::Fp32Scope fp32;
  const auto rec6d = out.rot6d.to(torch::kFloat);
  const auto rec_rot = body::rot6d_to_matrix(rec6d);
  const auto rest = rest_joints_.to(device);
  const auto fk_gt = body::body_forward_kinematics(rot, rest), fk_rec = body::body_forward_kinematics(rec_rot, rest);
  const auto verts = vertices_.to(device), weights = weights_.to(device);
  const auto v_gt = body::linear_blend_skinning(verts, weights, fk_gt.skinning);
  const auto v_rec = body::linear_blend_skinning(verts, weights, fk_rec.skinning);
  const auto l_rot = torch::l1_loss(rec6d, target);
  const auto l_vert = torch::l1_loss(v_rec, v_gt);
  const auto l_joint = torch::l1_loss(fk_rec.joints, fk_gt.joints);
  const auto loss = 20 * l_rot + 100 * l_vert + 100 * l_joint + out.commitment.to(torch::kFloat);
  return {{"loss", loss}, {"rot6d_l1", l_rot.detach()}, {"vertex_l1", l_vert.detach()}, {"joint_l1", l_joint.detach()},
          {"commitment", out.commitment.detach()}, {"perplexity", out.perplexity.detach()}};
}

std::map<std::string, double> TokenizerTask::evaluate(const torch::Device& device) {
  const auto m = eval::evaluate_reconstruction(model_, val_, device);
  return {{"MPJPE_mm", m.mpjpe_mm}, {"PA-MPJPE_mm", m.pa_mpjpe_mm}, {"perplexity", m.perplexity}, {"dead_codes", double(m.dead_codes)}};
}

}  // namespace unipose::train
