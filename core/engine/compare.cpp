#include "core/engine/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/body/body_model.h"
#include "core/body/kinematics.h"
#include "core/body/mannequin.h"
#include "core/body/skeleton.h"
#include "core/data/render.h"
#include "core/engine/openpose.h"
#include "core/error.h"
#include "core/pose/measures.h"

namespace unipose::engine {

std::vector<AngleDifference> compare_angles(const pose::Pose& a, const pose::Pose& b, double threshold_deg) {
  const auto ja = pose::coach_angles(body::posed_joint_positions(a, body::mannequin_rest_joints()));
  const auto jb = pose::coach_angles(body::posed_joint_positions(b, body::mannequin_rest_joints()));
  std::vector<AngleDifference> rows;
  for (std::size_t i = 0; i < ja.size() && i < jb.size(); ++i) {
    AngleDifference r;
    r.name = ja[i].name;
    std::replace(r.name.begin(), r.name.end(), '_', ' ');
    r.a = ja[i].degrees;
    r.b = jb[i].degrees;
    r.difference = r.b - r.a;
    r.notable = std::abs(r.difference) >= threshold_deg;
    rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const AngleDifference& x, const AngleDifference& y) { return std::abs(x.difference) > std::abs(y.difference); });
  return rows;
}

std::string angles_csv(const std::vector<AngleDifference>& rows) {
  std::string out = "angle,A_deg,B_deg,difference_deg,notable\n";
  char line[160];
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%s,%.1f,%.1f,%.1f,%s\n", r.name.c_str(), r.a, r.b, r.difference, r.notable ? "yes" : "no");
    out += line;
  }
  return out;
}

image::Image render_body_view(const pose::Pose& pose, const std::string& view, int width, int height, const std::array<double, 3>& rgb) {
  static const std::unique_ptr<body::BodyModel> body = body::make_mannequin();
  const body::Mesh mesh = body->posed_mesh(pose);
  const data::RenderCamera camera = openpose_view(mesh, view, width, height);
  data::RenderStyle style;
  style.body_rgb = rgb;
  style.background = 1;
  style.background_a = {0.97, 0.97, 0.98};
  style.background_b = {0.85, 0.87, 0.9};
  // Light from above, behind the camera's left shoulder.
  const Eigen::Vector3d eye = -camera.rotation.transpose() * camera.translation;
  const Eigen::Vector3d centre = mesh.bounds().center().cast<double>();
  style.light = (centre - (eye + Eigen::Vector3d(0, 1.5, 0) - 0.5 * camera.rotation.row(0).transpose())).normalized();
  style.ambient = 0.35;
  return data::render_mesh(mesh, camera, style);
}

image::Image render_pair_view(const pose::Pose& a, const pose::Pose& b, const std::string& view, int width, int height, bool overlay) {
  static const std::unique_ptr<body::BodyModel> body = body::make_mannequin();
  if (width < 32 || height < 32) throw Error("compare view: " + std::to_string(width) + " x " + std::to_string(height) + " is too small");
  const body::PosedBody pa = body->posed(a), pb = body->posed(b);
  body::Mesh both = pa.mesh;  // for framing only
  both.vertices.insert(both.vertices.end(), pb.mesh.vertices.begin(), pb.mesh.vertices.end());
  data::RenderStyle style;
  style.background = 1;
  style.background_a = {0.97, 0.97, 0.98};
  style.background_b = {0.85, 0.87, 0.9};
  style.ambient = 0.35;
  if (!overlay) {
    const int half = width / 2;
    const data::RenderCamera camera = openpose_view(both, view, half, height);
    const Eigen::Vector3d eye = -camera.rotation.transpose() * camera.translation;
    style.light = (both.bounds().center().cast<double>() - (eye + Eigen::Vector3d(0, 1.5, 0) - 0.5 * camera.rotation.row(0).transpose())).normalized();
    style.body_rgb = {0.95, 0.55, 0.2};
    const image::Image left = data::render_mesh(pa.mesh, camera, style);
    style.body_rgb = {0.25, 0.5, 0.95};
    const image::Image right = data::render_mesh(pb.mesh, camera, style);
    image::Image out;
    out.width = width;
    out.height = height;
    out.rgb.assign(static_cast<std::size_t>(width) * height * 3, 240);
    for (int y = 0; y < height; ++y) {
      std::copy(left.pixel(0, y), left.pixel(0, y) + half * 3, out.pixel(0, y));
      std::copy(right.pixel(0, y), right.pixel(0, y) + half * 3, out.pixel(width - half, y));
    }
    for (int y = 0; y < height; ++y) std::fill(out.pixel(half - 1, y), out.pixel(half - 1, y) + 3, 160);
    return out;
  }
  const data::RenderCamera camera = openpose_view(both, view, width, height);
  image::Image out = data::render_mesh(body::Mesh{}, camera, style);
  const auto parents = body::smpl_parents();
  auto draw = [&](const body::PosedBody& p, std::array<std::uint8_t, 3> left, std::array<std::uint8_t, 3> right, std::array<std::uint8_t, 3> middle) {
    const auto& j = p.joints.positions;
    const double thick = std::max(2.0, height / 160.0);
    for (int k = 1; k < 22; ++k) {
      const std::string name = body::kJointNames[k];
      const auto& c = name.rfind("left_", 0) == 0 ? left : name.rfind("right_", 0) == 0 ? right : middle;
      const Eigen::Vector2d u = camera.project(j[parents[k]]), v = camera.project(j[k]);
      image::draw_line(out, u.x(), u.y(), v.x(), v.y(), c, static_cast<int>(thick));
    }
    for (int k = 0; k < 22; ++k) {
      const Eigen::Vector2d u = camera.project(j[k]);
      image::draw_disc(out, u.x(), u.y(), thick * 1.2, middle);
    }
  };
  draw(pa, {255, 160, 40}, {190, 40, 0}, {230, 100, 20});
  draw(pb, {40, 200, 255}, {0, 50, 190}, {20, 120, 230});
  return out;
}

}  // namespace unipose::engine
