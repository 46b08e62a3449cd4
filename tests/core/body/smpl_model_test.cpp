// The SMPL loader against a tiny SMPL-format model written here, with the expected result computed
// independently (plain Eigen loops, following the SMPL paper's equations).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include <Eigen/Geometry>

#include "core/body/body_model.h"
#include "core/error.h"
#include "core/io/npz.h"

namespace unipose::body {
namespace {

constexpr int kV = 30, kBetas = 4, kPoseDirs = 207;

struct TinySmpl {
  std::vector<double> v_template, shapedirs, posedirs, j_regressor, weights;
  std::vector<int64_t> faces;

  explicit TinySmpl(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    for (int i = 0; i < kV * 3; ++i) v_template.push_back(u(rng) - 0.5);
    for (int i = 0; i < kV * 3 * kBetas; ++i) shapedirs.push_back(0.05 * (u(rng) - 0.5));
    for (int i = 0; i < kV * 3 * kPoseDirs; ++i) posedirs.push_back(0.02 * (u(rng) - 0.5));
    for (int j = 0; j < kNumJoints; ++j) {
      double sum = 0;
      std::vector<double> row(kV);
      for (auto& r : row) sum += (r = u(rng) < 0.3 ? u(rng) : 0.0);
      if (sum == 0) row[j % kV] = sum = 1;
      for (auto r : row) j_regressor.push_back(r / sum);
    }
    for (int v = 0; v < kV; ++v) {
      std::vector<double> row(kNumJoints);
      double sum = 0;
      for (auto& r : row) sum += (r = u(rng) < 0.2 ? u(rng) : 0.0);
      if (sum == 0) row[v % kNumJoints] = sum = 1;
      for (auto r : row) weights.push_back(r / sum);
    }
    for (int f = 0; f + 2 < kV; ++f) faces.insert(faces.end(), {f, f + 1, f + 2});
  }

  io::NpzArchive archive() const {
    io::NpzArchive a;
    a["v_template"] = io::NpyArray::from_double({kV, 3}, v_template);
    a["shapedirs"] = io::NpyArray::from_double({kV, 3, kBetas}, shapedirs);
    a["posedirs"] = io::NpyArray::from_double({kV, 3, kPoseDirs}, posedirs);
    a["J_regressor"] = io::NpyArray::from_double({kNumJoints, kV}, j_regressor);
    a["weights"] = io::NpyArray::from_double({kV, kNumJoints}, weights);
    a["f"] = io::NpyArray::from_int64({static_cast<int64_t>(faces.size() / 3), 3}, faces);
    std::vector<int64_t> kin(2 * kNumJoints);
    for (int j = 0; j < kNumJoints; ++j) {
      kin[j] = j == 0 ? 4294967295LL : kParents[j];
      kin[kNumJoints + j] = j;
    }
    a["kintree_table"] = io::NpyArray::from_int64({2, kNumJoints}, kin);
    return a;
  }

  // SMPL, written out: shape blend, joint regression, pose blend, rigid transforms, skinning.
  std::vector<Eigen::Vector3d> reference(const PoseParameters& p) const {
    std::vector<Eigen::Vector3d> shaped(kV), posed(kV), out(kV);
    for (int v = 0; v < kV; ++v)
      for (int k = 0; k < 3; ++k) {
        double s = v_template[v * 3 + k];
        for (int b = 0; b < kBetas; ++b) s += shapedirs[(v * 3 + k) * kBetas + b] * p.betas[b];
        shaped[v][k] = s;
      }
    std::array<Eigen::Vector3d, kNumJoints> joints;
    for (int j = 0; j < kNumJoints; ++j) {
      joints[j].setZero();
      for (int v = 0; v < kV; ++v) joints[j] += j_regressor[j * kV + v] * shaped[v];
    }
    std::array<Eigen::Matrix3d, kNumJoints> rot;
    for (int j = 0; j < kNumJoints; ++j) {
      const Eigen::Vector3d& r = p.rotations[j];
      rot[j] = r.norm() > 0 ? Eigen::AngleAxisd(r.norm(), r / r.norm()).toRotationMatrix() : Eigen::Matrix3d::Identity();
    }
    std::vector<double> feature;
    for (int j = 1; j < kNumJoints; ++j)
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) feature.push_back(rot[j](r, c) - (r == c ? 1.0 : 0.0));
    for (int v = 0; v < kV; ++v)
      for (int k = 0; k < 3; ++k) {
        double s = shaped[v][k];
        for (int i = 0; i < kPoseDirs; ++i) s += posedirs[(v * 3 + k) * kPoseDirs + i] * feature[i];
        posed[v][k] = s;
      }
    std::array<Eigen::Matrix3d, kNumJoints> world_r;
    std::array<Eigen::Vector3d, kNumJoints> world_t;
    for (int j = 0; j < kNumJoints; ++j) {
      const int parent = kParents[j];
      if (parent < 0) {
        world_r[j] = rot[j];
        world_t[j] = joints[j];
      } else {
        world_r[j] = world_r[parent] * rot[j];
        world_t[j] = world_r[parent] * (joints[j] - joints[parent]) + world_t[parent];
      }
    }
    for (int v = 0; v < kV; ++v) {
      Eigen::Vector3d sum = Eigen::Vector3d::Zero();
      for (int j = 0; j < kNumJoints; ++j)
        sum += weights[v * kNumJoints + j] * (world_r[j] * (posed[v] - joints[j]) + world_t[j]);
      out[v] = sum + *p.transl;
    }
    return out;
  }
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("unipose_smpl_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(SmplModel, MatchesIndependentImplementation) {
  const TinySmpl tiny(11);
  const std::string path = temp_path("tiny.npz");
  io::write_npz(path, tiny.archive());
  const auto model = load_smpl_model(path);
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0, 0.5);
  for (int trial = 0; trial < 3; ++trial) {
    PoseParameters p;
    for (auto& r : p.rotations) r = Eigen::Vector3d(n(rng), n(rng), n(rng));
    p.transl = Eigen::Vector3d(n(rng), n(rng), n(rng));
    p.betas = {n(rng), n(rng), n(rng), n(rng)};
    const auto want = tiny.reference(p);
    const Mesh got = model->posed_mesh(p);
    ASSERT_EQ(got.vertices.size(), static_cast<size_t>(kV));
    for (int v = 0; v < kV; ++v) EXPECT_LT((got.vertices[v].cast<double>() - want[v]).norm(), 1e-5) << "vertex " << v;
    // Surface and joints in one pass: the shaped joints, the same world rotations as the skeleton alone.
    const PosedBody both = model->posed(p);
    const auto joints = model->posed_joints(p);
    const auto frames = posed_joint_frames(p, model->rest_joints());
    for (int j = 0; j < kNumJoints; ++j) {
      EXPECT_LT((both.joints.positions[j] - joints[j]).norm(), 1e-12) << "joint " << j;
      EXPECT_LT((both.joints.rotations[j] - frames.rotations[j]).norm(), 1e-12) << "joint " << j;
    }
  }
  // The rest pose with zero shape is the template.
  const Mesh rest = model->posed_mesh(PoseParameters());
  for (int v = 0; v < kV; ++v)
    EXPECT_NEAR(rest.vertices[v].x(), tiny.v_template[v * 3], 1e-6);
  std::filesystem::remove(path);
}

TEST(SmplModel, AcceptsFlatPosedirsLayout) {
  // Some conversions store posedirs as (207, V*3).
  const TinySmpl tiny(12);
  auto a = tiny.archive();
  std::vector<double> flat(kPoseDirs * kV * 3);
  for (int i = 0; i < kV * 3; ++i)
    for (int k = 0; k < kPoseDirs; ++k) flat[k * kV * 3 + i] = tiny.posedirs[i * kPoseDirs + k];
  a["posedirs"] = io::NpyArray::from_double({kPoseDirs, kV * 3}, flat);
  const std::string path = temp_path("flat.npz");
  io::write_npz(path, a);
  PoseParameters p;
  p.rotations[kLeftKnee] = Eigen::Vector3d(1.0, 0.2, 0);
  p.transl = Eigen::Vector3d::Zero();
  p.betas = {0, 0, 0, 0};
  const auto want = tiny.reference(p);
  const Mesh got = load_smpl_model(path)->posed_mesh(p);
  for (int v = 0; v < kV; ++v) EXPECT_LT((got.vertices[v].cast<double>() - want[v]).norm(), 1e-5);
  std::filesystem::remove(path);
}

void expect_load_error(io::NpzArchive a, const std::string& fragment) {
  const std::string path = temp_path("bad.npz");
  io::write_npz(path, a);
  try {
    load_smpl_model(path);
    ADD_FAILURE() << "expected an error mentioning " << fragment;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
  }
  std::filesystem::remove(path);
}

TEST(SmplModel, BadFilesGetClearErrors) {
  const TinySmpl tiny(13);
  auto missing = tiny.archive();
  missing.erase("J_regressor");
  expect_load_error(missing, "missing array 'J_regressor'");

  auto wrong_shape = tiny.archive();
  wrong_shape["weights"] = io::NpyArray::from_double({kV, 23}, std::vector<double>(kV * 23, 1.0 / 23));
  expect_load_error(wrong_shape, "'weights' has shape (30, 23)");

  auto nan = tiny.archive();
  auto values = tiny.v_template;
  values[7] = std::nan("");
  nan["v_template"] = io::NpyArray::from_double({kV, 3}, values);
  expect_load_error(nan, "NaN");

  auto tree = tiny.archive();
  std::vector<int64_t> kin(2 * kNumJoints, 0);
  tree["kintree_table"] = io::NpyArray::from_int64({2, kNumJoints}, kin);
  expect_load_error(tree, "kintree_table");

  auto face = tiny.archive();
  face["f"] = io::NpyArray::from_int64({1, 3}, {0, 1, 999});
  expect_load_error(face, "vertex 999");

  // Too many betas in the pose is an error, not a silent truncation.
  const std::string path = temp_path("ok.npz");
  io::write_npz(path, tiny.archive());
  PoseParameters p;
  p.betas.assign(10, 0.1);
  EXPECT_THROW(load_smpl_model(path)->posed_mesh(p), Error);
  std::filesystem::remove(path);
}

TEST(SmplModel, LoadBodyModelChoosesByName) {
  EXPECT_EQ(load_body_model("mannequin")->name(), "mannequin");
  EXPECT_THROW(load_body_model("body.fbx"), Error);
  EXPECT_THROW(load_body_model("/missing/smpl.npz"), Error);
}

}  // namespace
}  // namespace unipose::body
