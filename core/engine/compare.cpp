#include "core/engine/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/data/render.h"
#include "core/engine/openpose.h"
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

}  // namespace unipose::engine
