#include "core/vision/lifter.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/body/skeleton.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"
#include "core/nn/module_io.h"

namespace unipose::vision {
namespace {
using namespace body;

// BlazePose landmarks of each lifted point (two for the head: the ears' midpoint).
constexpr std::array<std::array<int, 2>, kLiftPoints> kLandmarks = {{{11, 11}, {12, 12}, {13, 13}, {14, 14}, {15, 15}, {16, 16},
                                                                    {23, 23}, {24, 24}, {25, 25}, {26, 26}, {27, 27}, {28, 28},
                                                                    {31, 31}, {32, 32}, {7, 8}}};
constexpr int kLeftHipPoint = 6, kRightHipPoint = 7;
}  // namespace

const std::array<int, kLiftPoints>& lift_point_joints() {
  static const std::array<int, kLiftPoints> j = {kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow, kLeftWrist,
                                                 kRightWrist,   kLeftHip,       kRightHip,  kLeftKnee,  kRightKnee,
                                                 kLeftAnkle,    kRightAnkle,    kLeftFoot,  kRightFoot, kHead};
  return j;
}

int lift_point_of(int joint) {
  const auto& j = lift_point_joints();
  const auto it = std::find(j.begin(), j.end(), joint);
  return it == j.end() ? -1 : static_cast<int>(it - j.begin());
}

std::string LifterConfig::to_json() const {
  nlohmann::ordered_json j;
  j["architecture"] = "unipose.pose_lifter/1";
  j["points"] = kLiftPoints;
  j["width"] = width;
  j["blocks"] = blocks;
  return j.dump(2);
}

LifterConfig LifterConfig::from_json(const std::string& text, const std::string& where) {
  const nlohmann::json j = io::parse_json(text, where);
  if (!j.is_object() || io::json_string(j, "architecture", "", where) != "unipose.pose_lifter/1") fail(where, "not a pose lifter config");
  if (io::json_int(j, "points", 1, 1024, where) != kLiftPoints)
    fail(where, "'points' must be " + std::to_string(kLiftPoints) + " (this program's lifter reads that many image points)");
  LifterConfig c;
  c.width = io::json_int(j, "width", 8, 8192, where);
  c.blocks = io::json_int(j, "blocks", 0, 64, where);
  return c;
}

torch::Tensor lifter_input(const LiftPoints& points, const LiftVisibility& visibility) {
  for (int i = 0; i < kLiftPoints; ++i)
    if (!points[i].allFinite() || !std::isfinite(visibility[i])) throw Error("lifter: an image point is not a number");
  const Eigen::Vector2d centre = 0.5 * (points[kLeftHipPoint] + points[kRightHipPoint]);
  double ss = 0;
  for (const auto& p : points) ss += (p - centre).squaredNorm();
  const double scale = std::sqrt(ss / kLiftPoints);
  if (!(scale > 1e-9)) throw Error("lifter: the image points all lie at one place");
  auto x = torch::empty({kLiftInputs});
  auto a = x.accessor<float, 1>();
  for (int i = 0; i < kLiftPoints; ++i) {
    const Eigen::Vector2d q = (points[i] - centre) / scale;
    a[2 * i] = static_cast<float>(q.x());
    a[2 * i + 1] = static_cast<float>(q.y());
    a[2 * kLiftPoints + i] = static_cast<float>(std::clamp(visibility[i], 0.0, 1.0));
  }
  return x;
}

torch::Tensor lifter_input(const PoseLandmarks& lm) {
  if (lm.image.size() < kBlazePoseNamed) throw Error("lifting needs BlazePose's 33 landmarks");
  LiftPoints p;
  LiftVisibility v;
  for (int i = 0; i < kLiftPoints; ++i) {
    const auto& a = lm.image[kLandmarks[i][0]];
    const auto& b = lm.image[kLandmarks[i][1]];
    p[i] = 0.5 * (a.position.head<2>() + b.position.head<2>());
    v[i] = std::min(a.visibility, b.visibility);
  }
  return lifter_input(p, v);
}

PoseLifterImpl::PoseLifterImpl(const LifterConfig& c) : config(c) {
  input = register_module("input", torch::nn::Linear(kLiftInputs, c.width));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int b = 0; b < c.blocks; ++b) {
    torch::nn::Sequential block(torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.width})), torch::nn::Linear(c.width, c.width),
                                torch::nn::GELU(), torch::nn::Linear(c.width, c.width));
    blocks->push_back(block);
  }
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.width})));
  out = register_module("out", torch::nn::Linear(c.width, kNumBodyJoints * 3));
}

torch::Tensor PoseLifterImpl::forward(const torch::Tensor& x) {
  auto h = input->forward(x);
  for (const auto& b : *blocks) h = h + b->as<torch::nn::Sequential>()->forward(h);
  return out->forward(torch::gelu(norm->forward(h))).view({x.size(0), kNumBodyJoints, 3});
}

LiftedJoints lift(PoseLifter& model, const PoseLandmarks& lm) {
  torch::NoGradGuard ng;
  const auto dev = model->parameters().front().device();
  const auto y = model->forward(lifter_input(lm).unsqueeze(0).to(dev)).cpu().to(torch::kDouble);
  if (!torch::isfinite(y).all().item<bool>()) throw Error("lifter: the model gave a non-finite joint");
  LiftedJoints out;
  const auto a = y.accessor<double, 3>();
  for (int j = 0; j < kNumBodyJoints; ++j) out[j] = Eigen::Vector3d(a[0][j][0], a[0][j][1], a[0][j][2]);
  return out;
}

void save_lifter_bundle(const std::string& dir, PoseLifter& model, const std::string& model_card) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create folder: " + ec.message());
  io::write_file_atomic(dir + "/config.json", model->config.to_json() + "\n");
  nn::save_weights(*model, dir + "/model.safetensors", true, {{"format", "unipose"}, {"model", "pose_lifter"}});
  io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
  io::write_sha256sums(dir, {"config.json", "model.safetensors", "MODEL_CARD.md"});
}

PoseLifter load_lifter_bundle(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a model folder");
  io::verify_sha256sums(dir, {"config.json", "model.safetensors"});
  PoseLifter model(LifterConfig::from_json(io::read_text_file(dir + "/config.json"), dir + "/config.json"));
  nn::load_weights(*model, dir + "/model.safetensors");
  model->eval();
  return model;
}

}  // namespace unipose::vision
