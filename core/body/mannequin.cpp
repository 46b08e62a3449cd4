#include "core/body/mannequin.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Geometry>

namespace unipose::body {
namespace {

using V3 = Eigen::Vector3d;

// One building block of the figure, bound to the joint whose rotation moves it.
struct Part {
  enum Kind { kSegment, kEllipsoid } kind;
  V3 a, b;         // segment end points, or ellipsoid centre (a) and radii (b)
  double ra, rb;   // segment radii at a and b
  int joint;

  double distance(const V3& p) const {
    if (kind == kSegment) {
      const V3 ab = b - a;
      const double t = std::clamp((p - a).dot(ab) / ab.squaredNorm(), 0.0, 1.0);
      return (p - (a + t * ab)).norm() - (ra + t * (rb - ra));
    }
    // Ellipsoid distance bound k0 (k0 - 1) / k1: exact on the surface, smooth around it.
    const V3 q = p - a;
    const double k0 = q.cwiseQuotient(b).norm();
    const double k1 = q.cwiseQuotient(b.cwiseProduct(b)).norm();
    return k1 > 1e-12 ? k0 * (k0 - 1.0) / k1 : -b.minCoeff();
  }
};

// Blend width of the smooth union (metres): how soft the transitions between parts are.
constexpr double kBlend = 0.028;
// Spread of the skinning weights around a part boundary (metres).
constexpr double kWeightSpread = 0.011;

V3 mirror_x(const V3& v) { return V3(-v.x(), v.y(), v.z()); }

std::vector<Part> make_parts() {
  const JointPositions& j = mannequin_rest_joints();
  std::vector<Part> parts;
  auto seg = [&](V3 a, V3 b, double ra, double rb, int joint) { parts.push_back({Part::kSegment, a, b, ra, rb, joint}); };
  auto ell = [&](V3 c, V3 r, int joint) { parts.push_back({Part::kEllipsoid, c, r, 0, 0, joint}); };

  // Trunk, neck and head (midline).
  ell({0, 0.925, -0.005}, {0.150, 0.110, 0.102}, kPelvis);
  ell({0, 1.050, 0.0}, {0.131, 0.125, 0.094}, kSpine1);
  ell({0, 1.170, 0.0}, {0.141, 0.120, 0.099}, kSpine2);
  ell({0, 1.295, -0.005}, {0.165, 0.135, 0.108}, kSpine3);
  seg({0, 1.40, -0.02}, {0, 1.545, 0.0}, 0.050, 0.044, kNeck);
  ell({0, 1.645, 0.015}, {0.078, 0.104, 0.094}, kHead);
  ell({0, 1.578, 0.045}, {0.058, 0.048, 0.058}, kHead);

  // One side, then its mirror image.
  for (int side = 0; side < 2; ++side) {
    auto P = [&](const V3& v) { return side == 0 ? v : mirror_x(v); };
    auto J = [&](int joint) { return side == 0 ? joint : mirror_joint(joint); };
    auto at = [&](int joint) { return j[J(joint)]; };
    // Shoulder girdle and arm.
    seg(P({0.03, 1.385, -0.015}), P({0.165, 1.40, -0.025}), 0.055, 0.050, J(kLeftCollar));
    ell(P({0.188, 1.402, -0.025}), {0.062, 0.060, 0.060}, J(kLeftShoulder));
    seg(at(kLeftShoulder), at(kLeftElbow), 0.048, 0.037, J(kLeftShoulder));
    seg(at(kLeftElbow), at(kLeftWrist), 0.039, 0.027, J(kLeftElbow));
    ell(P({0.535, 1.405, -0.030}), {0.075, 0.041, 0.040}, J(kLeftElbow));
    // Mitten hand: palm and thumb on the wrist, fingers on the hand joint.
    ell(P({0.738, 1.405, -0.028}), {0.056, 0.025, 0.043}, J(kLeftWrist));
    seg(P({0.715, 1.398, 0.008}), P({0.768, 1.392, 0.040}), 0.017, 0.014, J(kLeftWrist));
    ell(P({0.818, 1.402, -0.028}), {0.052, 0.019, 0.040}, J(kLeftHand));
    // Leg.
    seg(at(kLeftHip), at(kLeftKnee), 0.082, 0.052, J(kLeftHip));
    ell(P({0.092, 0.72, 0.005}), {0.075, 0.16, 0.08}, J(kLeftHip));
    seg(at(kLeftKnee), at(kLeftAnkle), 0.048, 0.035, J(kLeftKnee));
    ell(P({0.096, 0.35, -0.020}), {0.050, 0.115, 0.054}, J(kLeftKnee));
    ell(at(kLeftKnee) + V3(0, 0, 0.012), {0.050, 0.052, 0.045}, J(kLeftKnee));
    // Foot: heel and instep on the ankle, toes on the foot joint.
    seg(P({0.100, 0.048, -0.065}), P({0.112, 0.038, 0.098}), 0.036, 0.037, J(kLeftAnkle));
    ell(at(kLeftAnkle), {0.040, 0.042, 0.042}, J(kLeftAnkle));
    seg(P({0.114, 0.032, 0.112}), P({0.118, 0.025, 0.170}), 0.032, 0.024, J(kLeftFoot));
  }
  return parts;
}

double smooth_min(double a, double b, double k) {
  const double h = std::max(k - std::abs(a - b), 0.0) / k;
  return std::min(a, b) - h * h * k * 0.25;
}

struct Field {
  std::vector<Part> parts;
  double operator()(const V3& p) const {
    double d = std::numeric_limits<double>::max();
    for (const auto& part : parts) d = smooth_min(d, part.distance(p), kBlend);
    return d;
  }
  V3 gradient(const V3& p) const {
    const double h = 1e-4;
    return V3((*this)(p + V3(h, 0, 0)) - (*this)(p - V3(h, 0, 0)), (*this)(p + V3(0, h, 0)) - (*this)(p - V3(0, h, 0)),
              (*this)(p + V3(0, 0, h)) - (*this)(p - V3(0, 0, h))) /
           (2 * h);
  }
};

}  // namespace

const JointPositions& mannequin_rest_joints() {
  static const JointPositions joints = [] {
    JointPositions j;
    for (auto& v : j) v.setZero();
    j[kPelvis] = {0, 0.940, 0.0};
    j[kLeftHip] = {0.085, 0.860, 0.0};
    j[kSpine1] = {0, 1.050, -0.015};
    j[kLeftKnee] = {0.093, 0.480, 0.000};
    j[kSpine2] = {0, 1.170, -0.010};
    j[kLeftAnkle] = {0.100, 0.085, -0.012};
    j[kSpine3] = {0, 1.230, 0.0};
    j[kLeftFoot] = {0.115, 0.025, 0.105};
    j[kNeck] = {0, 1.460, -0.020};
    j[kLeftCollar] = {0.075, 1.380, -0.010};
    j[kHead] = {0, 1.550, 0.010};
    j[kLeftShoulder] = {0.180, 1.405, -0.030};
    j[kLeftElbow] = {0.440, 1.405, -0.030};
    j[kLeftWrist] = {0.680, 1.405, -0.030};
    j[kLeftHand] = {0.770, 1.405, -0.030};
    for (int i = 0; i < kNumJoints; ++i) {
      const int m = mirror_joint(i);
      if (m != i && std::string(kJointNames[i]).rfind("right_", 0) == 0) j[i] = mirror_x(j[m]);
    }
    return j;
  }();
  return joints;
}

SkinnedMesh build_mannequin(double cell) {
  Field field{make_parts()};

  // Grid covering every part with a margin.
  Eigen::AlignedBox3d box;
  for (const auto& p : field.parts) {
    if (p.kind == Part::kSegment) {
      const double r = std::max(p.ra, p.rb);
      box.extend(V3(p.a.array() - r)).extend(V3(p.a.array() + r)).extend(V3(p.b.array() - r)).extend(V3(p.b.array() + r));
    } else {
      box.extend(V3(p.a - p.b)).extend(V3(p.a + p.b));
    }
  }
  const V3 origin = (box.min().array() - 2.5 * cell - kBlend).matrix();
  const Eigen::Vector3i n = ((box.max() - origin).array() / cell + 3.5 + kBlend / cell).cast<int>();
  auto index = [&](int x, int y, int z) { return (static_cast<size_t>(z) * n.y() + y) * n.x() + x; };
  auto point = [&](int x, int y, int z) -> V3 { return origin + cell * V3(x, y, z); };
  std::vector<double> value(static_cast<size_t>(n.x()) * n.y() * n.z());
  for (int z = 0; z < n.z(); ++z)
    for (int y = 0; y < n.y(); ++y)
      for (int x = 0; x < n.x(); ++x) value[index(x, y, z)] = field(point(x, y, z));

  // Surface nets: one vertex per cell the surface crosses, at the mean of its edge crossings.
  std::vector<int> cell_vertex(value.size(), -1);
  std::vector<V3> verts;
  static const int kCorner[8][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
  static const int kEdge[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3}, {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
  for (int z = 0; z + 1 < n.z(); ++z)
    for (int y = 0; y + 1 < n.y(); ++y)
      for (int x = 0; x + 1 < n.x(); ++x) {
        double f[8];
        int inside = 0;
        for (int c = 0; c < 8; ++c) {
          f[c] = value[index(x + kCorner[c][0], y + kCorner[c][1], z + kCorner[c][2])];
          inside += f[c] < 0;
        }
        if (inside == 0 || inside == 8) continue;
        V3 sum = V3::Zero();
        int count = 0;
        for (const auto& e : kEdge) {
          const double fa = f[e[0]], fb = f[e[1]];
          if ((fa < 0) == (fb < 0)) continue;
          const double t = fa / (fa - fb);
          const V3 pa = point(x + kCorner[e[0]][0], y + kCorner[e[0]][1], z + kCorner[e[0]][2]);
          const V3 pb = point(x + kCorner[e[1]][0], y + kCorner[e[1]][1], z + kCorner[e[1]][2]);
          sum += pa + t * (pb - pa);
          ++count;
        }
        cell_vertex[index(x, y, z)] = static_cast<int>(verts.size());
        verts.push_back(sum / count);
      }

  // A quad around every grid edge with a sign change, joining the four cells that share the edge.
  std::vector<std::array<std::uint32_t, 3>> faces;
  auto quad = [&](int a, int b, int c, int d, bool flip) {
    if (a < 0 || b < 0 || c < 0 || d < 0) return;
    // Split along the shorter diagonal for better-shaped triangles.
    std::array<int, 4> q = {a, b, c, d};
    if (flip) std::swap(q[1], q[3]);
    if ((verts[q[0]] - verts[q[2]]).squaredNorm() <= (verts[q[1]] - verts[q[3]]).squaredNorm()) {
      faces.push_back({std::uint32_t(q[0]), std::uint32_t(q[1]), std::uint32_t(q[2])});
      faces.push_back({std::uint32_t(q[0]), std::uint32_t(q[2]), std::uint32_t(q[3])});
    } else {
      faces.push_back({std::uint32_t(q[0]), std::uint32_t(q[1]), std::uint32_t(q[3])});
      faces.push_back({std::uint32_t(q[1]), std::uint32_t(q[2]), std::uint32_t(q[3])});
    }
  };
  auto cv = [&](int x, int y, int z) { return cell_vertex[index(x, y, z)]; };
  for (int z = 1; z + 1 < n.z(); ++z)
    for (int y = 1; y + 1 < n.y(); ++y)
      for (int x = 1; x + 1 < n.x(); ++x) {
        const bool in0 = value[index(x, y, z)] < 0;
        // Edge along +x: outward normal +x when the start is inside. Quad ordered counter-clockwise in (y, z).
        if (in0 != (value[index(x + 1, y, z)] < 0))
          quad(cv(x, y - 1, z - 1), cv(x, y, z - 1), cv(x, y, z), cv(x, y - 1, z), !in0);
        if (in0 != (value[index(x, y + 1, z)] < 0))
          quad(cv(x - 1, y, z - 1), cv(x - 1, y, z), cv(x, y, z), cv(x, y, z - 1), !in0);
        if (in0 != (value[index(x, y, z + 1)] < 0))
          quad(cv(x - 1, y - 1, z), cv(x, y - 1, z), cv(x, y, z), cv(x - 1, y, z), !in0);
      }

  // Project every vertex onto the exact zero set (Newton steps along the gradient); normals from the field.
  SkinnedMesh out;
  out.rest_joints = mannequin_rest_joints();
  out.mesh.vertices.resize(verts.size());
  out.mesh.normals.resize(verts.size());
  out.weights.assign(verts.size() * kNumJoints, 0.0f);
  for (size_t i = 0; i < verts.size(); ++i) {
    V3 p = verts[i];
    for (int it = 0; it < 4; ++it) {
      const V3 g = field.gradient(p);
      const double g2 = g.squaredNorm();
      if (g2 < 1e-12) break;
      const V3 step = field(p) * g / g2;
      if (step.norm() > cell) break;  // stay near the polygonised position
      p -= step;
    }
    out.mesh.vertices[i] = p.cast<float>();
    out.mesh.normals[i] = field.gradient(p).normalized().cast<float>();
    // Skinning: each part's weight falls off with its distance above the nearest part's.
    std::vector<double> dist(field.parts.size());
    double nearest = std::numeric_limits<double>::max();
    for (size_t k = 0; k < field.parts.size(); ++k) nearest = std::min(nearest, dist[k] = field.parts[k].distance(p));
    std::array<double, kNumJoints> w{};
    for (size_t k = 0; k < field.parts.size(); ++k)
      w[field.parts[k].joint] += std::exp(-(dist[k] - nearest) / kWeightSpread);
    // Keep the four strongest joints (what real-time skinning uses), normalised,
    std::array<int, kNumJoints> order;
    for (int k = 0; k < kNumJoints; ++k) order[k] = k;
    std::partial_sort(order.begin(), order.begin() + 4, order.end(), [&](int a, int b) { return w[a] > w[b]; });
    // and drop influences under 1% of the strongest, so that distant joints never move a vertex.
    double total = 0;
    for (int k = 0; k < 4; ++k) {
      if (w[order[k]] < 0.01 * w[order[0]]) w[order[k]] = 0;
      total += w[order[k]];
    }
    for (int k = 0; k < 4; ++k) out.weights[i * kNumJoints + order[k]] = static_cast<float>(w[order[k]] / total);
  }
  out.mesh.faces = std::move(faces);
  // Orient every face along the field gradient (outward).
  for (auto& f : out.mesh.faces) {
    const auto& a = out.mesh.vertices[f[0]];
    const Eigen::Vector3f nrm = (out.mesh.vertices[f[1]] - a).cross(out.mesh.vertices[f[2]] - a);
    const Eigen::Vector3f g = out.mesh.normals[f[0]] + out.mesh.normals[f[1]] + out.mesh.normals[f[2]];
    if (nrm.dot(g) < 0) std::swap(f[1], f[2]);
  }
  return out;
}

}  // namespace unipose::body
