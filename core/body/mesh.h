// A triangle mesh in plain types (no torch), as the UI, exporters and body models exchange it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Geometry>

namespace unipose::body {

struct Mesh {
  std::vector<Eigen::Vector3f> vertices;
  std::vector<Eigen::Vector3f> normals;  // per vertex, unit length
  std::vector<std::array<std::uint32_t, 3>> faces;  // counter-clockwise seen from outside

  // Area-weighted vertex normals from the faces.
  void compute_normals();
  Eigen::AlignedBox3f bounds() const;
};

// Number of undirected edges not shared by exactly two faces (0 for a closed, manifold surface).
std::size_t count_open_edges(const Mesh& mesh);

}  // namespace unipose::body
