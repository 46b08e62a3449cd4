#include "core/body/mesh.h"

#include <unordered_map>

#include <Eigen/Geometry>

namespace unipose::body {

void Mesh::compute_normals() {
  normals.assign(vertices.size(), Eigen::Vector3f::Zero());
  for (const auto& f : faces) {
    const Eigen::Vector3f n = (vertices[f[1]] - vertices[f[0]]).cross(vertices[f[2]] - vertices[f[0]]);
    for (auto i : f) normals[i] += n;
  }
  for (auto& n : normals) {
    const float len = n.norm();
    n = len > 0 ? Eigen::Vector3f(n / len) : Eigen::Vector3f(0, 1, 0);
  }
}

Eigen::AlignedBox3f Mesh::bounds() const {
  Eigen::AlignedBox3f box;
  for (const auto& v : vertices) box.extend(v);
  return box;
}

std::size_t count_open_edges(const Mesh& mesh) {
  std::unordered_map<std::uint64_t, int> uses;
  for (const auto& f : mesh.faces)
    for (int e = 0; e < 3; ++e) {
      std::uint64_t a = f[e], b = f[(e + 1) % 3];
      if (a > b) std::swap(a, b);
      ++uses[(a << 32) | b];
    }
  std::size_t open = 0;
  for (const auto& [edge, n] : uses)
    if (n != 2) ++open;
  return open;
}

}  // namespace unipose::body
