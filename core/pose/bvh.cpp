#include "core/pose/bvh.h"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>

#include <Eigen/Geometry>

#include "core/body/kinematics.h"
#include "core/body/rotations.h"
#include "core/body/skeleton_match.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/pose/joint_limits.h"

namespace unipose::pose {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
// Files with more frames than this are refused rather than read into memory.
constexpr long kMaxFrames = 2'000'000;

class Tokens {
 public:
  Tokens(const std::string& text, const std::string& where) : text_(text), where_(where) {}
  bool done() {
    skip();
    return pos_ >= text_.size();
  }
  std::string next(const char* expecting) {
    skip();
    if (pos_ >= text_.size()) fail(where_, std::string("unexpected end of file, expected ") + expecting + " (truncated file?)");
    const size_t start = pos_;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  void expect(const std::string& word) {
    const std::string got = next(("'" + word + "'").c_str());
    if (got != word) error("expected '" + word + "' but found '" + printable(got) + "'");
  }
  // A token as it may be shown in a message: printable characters only, at most 40 of them.
  static std::string printable(const std::string& token) {
    std::string out;
    for (unsigned char ch : token.substr(0, 40)) out += (ch >= 32 && ch < 127) ? static_cast<char>(ch) : '?';
    return token.size() > 40 ? out + "..." : out;
  }
  double number(const char* what) {
    const std::string t = next(what);
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || *end != '\0') error(std::string("expected ") + what + " but found '" + printable(t) + "'");
    if (!std::isfinite(v)) error(std::string(what) + " is not a finite number");
    return v;
  }
  [[noreturn]] void error(const std::string& problem) const { fail(where_, "line " + std::to_string(line()) + ": " + problem); }
  int line() const {
    int n = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) n += text_[i] == '\n';
    return n;
  }

 private:
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  const std::string& text_;
  std::string where_;
  size_t pos_ = 0;
};

void parse_joint(Tokens& tok, BvhMotion& m, int parent, bool end_site, const std::string& name) {
  BvhJoint joint;
  joint.name = name;
  joint.parent = parent;
  joint.end_site = end_site;
  tok.expect("{");
  tok.expect("OFFSET");
  for (int k = 0; k < 3; ++k) joint.offset[k] = tok.number("an OFFSET value");
  const int index = static_cast<int>(m.joints.size());
  if (index > 1000) tok.error("too many joints");
  if (!end_site) {
    tok.expect("CHANNELS");
    const double count = tok.number("a channel count");
    if (count < 0 || count > 6 || count != std::floor(count)) tok.error("a joint must have 0 to 6 channels");
    joint.first_channel = m.channel_count;
    for (int c = 0; c < static_cast<int>(count); ++c) {
      const std::string ch = tok.next("a channel name");
      static const char* kKnown[] = {"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"};
      bool known = false;
      for (auto* k : kKnown) known = known || ch == k;
      if (!known) tok.error("unknown channel '" + Tokens::printable(ch) + "'");
      joint.channels.push_back(ch);
    }
    m.channel_count += static_cast<int>(count);
  }
  m.joints.push_back(joint);
  while (true) {
    const std::string word = tok.next("'JOINT', 'End' or '}'");
    if (word == "}") return;
    if (end_site) tok.error("an End Site cannot have children");
    if (word == "JOINT") {
      parse_joint(tok, m, index, false, tok.next("a joint name"));
    } else if (word == "End") {
      tok.expect("Site");
      parse_joint(tok, m, index, true, name + "_end");
    } else {
      tok.error("expected 'JOINT', 'End Site' or '}' but found '" + Tokens::printable(word) + "'");
    }
  }
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", std::abs(v) < 5e-7 ? 0.0 : v);
  return buf;
}

}  // namespace

BvhMotion parse_bvh(const std::string& text, const std::string& where) {
  Tokens tok(text, where);
  BvhMotion m;
  tok.expect("HIERARCHY");
  tok.expect("ROOT");
  parse_joint(tok, m, -1, false, tok.next("the root joint name"));
  tok.expect("MOTION");
  tok.expect("Frames:");
  const double frames = tok.number("the frame count");
  if (frames < 0 || frames != std::floor(frames) || frames > kMaxFrames)
    tok.error("frame count must be a whole number from 0 to " + std::to_string(kMaxFrames));
  m.frame_count = static_cast<int>(frames);
  tok.expect("Frame");
  tok.expect("Time:");
  m.frame_time = tok.number("the frame time");
  if (m.frame_time <= 0 || m.frame_time > 10) tok.error("frame time must be between 0 and 10 seconds");
  // Each value takes at least two characters (a digit and a separator): a header promising more values than
  // the file can hold is truncated, and is said so before any memory is taken for them.
  const double promised = static_cast<double>(m.frame_count) * m.channel_count;
  if (promised * 2 > static_cast<double>(text.size()) + 2)
    fail(where, "truncated motion data: 'Frames: " + std::to_string(m.frame_count) + "' of " + std::to_string(m.channel_count) + " values needs at least " +
                    std::to_string(static_cast<long long>(promised * 2)) + " bytes, the file has " + std::to_string(text.size()));
  m.values.resize(static_cast<size_t>(m.frame_count) * m.channel_count);
  for (int f = 0; f < m.frame_count; ++f)
    for (int c = 0; c < m.channel_count; ++c) {
      if (tok.done())
        fail(where, "truncated motion data: frame " + std::to_string(f) + " of " + std::to_string(m.frame_count) +
                        " has " + std::to_string(c) + " of " + std::to_string(m.channel_count) + " values");
      m.values[static_cast<size_t>(f) * m.channel_count + c] = tok.number("a motion value");
    }
  // Some exporters write one frame more than they declare; whole extra frames are ignored, anything else
  // means the file is not what its header says.
  int extra = 0;
  while (!tok.done()) {
    tok.number("a motion value");
    ++extra;
  }
  if (m.channel_count > 0 && extra % m.channel_count != 0)
    fail(where, std::to_string(extra) + " more motion values than 'Frames: " + std::to_string(m.frame_count) +
                    "' promises, not a whole number of frames");
  if (m.frame_count == 0) fail(where, "the file holds no frames");
  return m;
}

BvhMotion read_bvh(const std::string& path) { return parse_bvh(io::read_text_file(path), path); }

BvhFrames bvh_forward_kinematics(const BvhMotion& m) {
  const int64_t nj = static_cast<int64_t>(m.joints.size());
  const int64_t nf = m.frame_count;
  BvhFrames out;
  std::vector<int> parents(nj);
  auto rest = at::zeros({nj, 3}, at::kDouble);
  out.rest.resize(nj);
  for (int64_t j = 0; j < nj; ++j) {
    const auto& joint = m.joints[j];
    parents[j] = joint.parent;
    out.rest[j] = joint.offset + (joint.parent >= 0 ? out.rest[joint.parent] : Eigen::Vector3d::Zero());
    for (int k = 0; k < 3; ++k) rest[j][k] = out.rest[j][k];
  }
  const auto values = at::from_blob(const_cast<double*>(m.values.data()), {nf, m.channel_count}, at::kDouble);
  // Local rotations: the product of the rotation channels in the order they are listed.
  std::vector<at::Tensor> local(nj);
  auto translation = at::zeros({nf, 3}, at::kDouble);
  for (int64_t j = 0; j < nj; ++j) {
    auto r = at::eye(3, at::kDouble).expand({nf, 3, 3}).contiguous();
    const auto& joint = m.joints[j];
    for (size_t c = 0; c < joint.channels.size(); ++c) {
      const auto& ch = joint.channels[c];
      const int axis = ch[0] - 'X';
      const auto column = values.select(1, joint.first_channel + static_cast<int64_t>(c));
      if (ch.find("rotation") != std::string::npos) {
        auto aa = at::zeros({nf, 3}, at::kDouble);
        aa.select(1, axis).copy_(column * kDeg);
        r = at::matmul(r, body::axis_angle_to_matrix(aa));
      } else if (joint.parent < 0) {
        translation.select(1, axis).copy_(column);
      }
    }
    local[j] = r;
  }
  const auto fk = body::forward_kinematics(at::stack(local, 1), rest, parents, translation);
  const auto pos = fk.joints.contiguous();
  const auto rot = fk.global_rotations.contiguous();
  const double* pp = pos.data_ptr<double>();
  const double* rp = rot.data_ptr<double>();
  out.positions.assign(nf, std::vector<Eigen::Vector3d>(nj));
  out.rotations.assign(nf, std::vector<Eigen::Matrix3d>(nj));
  for (int64_t f = 0; f < nf; ++f)
    for (int64_t j = 0; j < nj; ++j) {
      out.positions[f][j] = Eigen::Map<const Eigen::Vector3d>(pp + (f * nj + j) * 3);
      out.rotations[f][j] = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(rp + (f * nj + j) * 9);
    }
  return out;
}

RetargetResult retarget_to_smpl(const BvhMotion& m, const body::JointPositions& target_rest, const std::string& where) {
  using body::kNumJoints;
  // End sites get no name, so they never match a joint.
  std::vector<std::string> names;
  for (const auto& joint : m.joints) names.push_back(joint.end_site ? std::string() : joint.name);
  const body::SkeletonMatch match = body::match_skeleton(names, where);
  RetargetResult result;
  result.source_joint = match.source;
  result.profile = match.profile;
  const auto& src = result.source_joint;
  const BvhFrames frames = bvh_forward_kinematics(m);

  // For each SMPL joint, the nearest mapped joints below it (one per branch), and their rest directions.
  struct Bone {
    int target;  // mapped SMPL descendant
    Eigen::Vector3d target_rest, source_rest;
  };
  // The bone along a chain (toward the next spine joint, the neck, the next limb joint) comes first: when the
  // others do not fix a joint's turn, it alone sets the joint's rest alignment.
  constexpr int kChainChild[kNumJoints] = {body::kSpine1, body::kLeftKnee, body::kRightKnee, body::kSpine2, body::kLeftAnkle,
                                           body::kRightAnkle, body::kSpine3, body::kLeftFoot, body::kRightFoot, body::kNeck,
                                           -1, -1, body::kHead, body::kLeftShoulder, body::kRightShoulder, -1,
                                           body::kLeftElbow, body::kRightElbow, body::kLeftWrist, body::kRightWrist,
                                           body::kLeftHand, body::kRightHand, -1, -1};
  auto on_chain = [&](int j, int descendant) {
    for (int c = kChainChild[j]; c >= 0; c = src[c] >= 0 ? -1 : kChainChild[c])
      if (c == descendant) return true;
    return false;
  };
  std::array<std::vector<Bone>, kNumJoints> bones;
  std::array<Eigen::Matrix3d, kNumJoints> rest_align;
  for (int j = 0; j < kNumJoints; ++j) {
    // A joint that no bone of the source fixes (a hand without fingers, a zero-length joint) turns like its
    // parent does between the two rest poses.
    rest_align[j] = j > 0 ? rest_align[body::kParents[j]] : Eigen::Matrix3d::Identity();
    if (src[j] < 0) continue;
    std::vector<int> stack;
    for (int c = kNumJoints - 1; c > j; --c)
      if (body::kParents[c] == j) stack.push_back(c);
    while (!stack.empty()) {
      const int c = stack.back();
      stack.pop_back();
      if (src[c] < 0) {
        for (int g = kNumJoints - 1; g > c; --g)
          if (body::kParents[g] == c) stack.push_back(g);
        continue;
      }
      const Eigen::Vector3d t = target_rest[c] - target_rest[j];
      const Eigen::Vector3d s = frames.rest[src[c]] - frames.rest[src[j]];
      if (t.norm() < 1e-6 || s.norm() < 1e-6) continue;  // a zero-length bone says nothing
      if (on_chain(j, c)) bones[j].insert(bones[j].begin(), {c, t, s});
      else bones[j].push_back({c, t, s});
    }
    if (bones[j].empty()) continue;
    std::vector<Eigen::Vector3d> a, b;
    for (const auto& bone : bones[j]) {
      a.push_back(rest_align[j] * bone.target_rest);
      b.push_back(bone.source_rest);
    }
    // Bones that span a plane fix the joint's rest turn (Kabsch); one bone fixes its direction only, and the
    // joint then turns as its parent does plus the shortest arc to the bone (no twist of its own, the way
    // an arm hanging at rest is the T-pose's arm lowered, its foot carried along).
    rest_align[j] = body::align_directions(a, b) * rest_align[j];
  }

  // Hinges. A bone's direction leaves its twist free, and skeletons disagree on the twist of the rest pose
  // (CMU's arms are turned about their length compared with SMPL's). Knees and elbows bend about one axis,
  // so the source's hinge axis, read off its motion, fixes the twist of the limb above and below the hinge.
  struct Hinge {
    int upper, joint;
    Eigen::Vector3d axis;  // our flexion axis in the rest frame
  };
  const Hinge hinges[] = {{body::kLeftShoulder, body::kLeftElbow, {0, -1, 0}},
                          {body::kRightShoulder, body::kRightElbow, {0, 1, 0}},
                          {body::kLeftHip, body::kLeftKnee, {1, 0, 0}},
                          {body::kRightHip, body::kRightKnee, {1, 0, 0}}};
  for (const auto& h : hinges) {
    if (result.profile == "smpl") break;  // our own export: same rest pose, nothing to calibrate
    if (src[h.upper] < 0 || src[h.joint] < 0 || bones[h.upper].size() != 1 || bones[h.joint].size() != 1) continue;
    Eigen::Vector3d sum = Eigen::Vector3d::Zero();
    double total_angle = 0;
    for (int f = 0; f < m.frame_count; ++f) {
      const Eigen::AngleAxisd rel(frames.rotations[f][src[h.upper]].transpose() * frames.rotations[f][src[h.joint]]);
      if (!rel.axis().allFinite()) continue;
      sum += rel.axis() * rel.angle();
      total_angle += rel.angle();
    }
    // Only a limb that really bends (on average, more than 10 degrees) says where its hinge is.
    if (total_angle < 1e-9 || total_angle / m.frame_count < 10 * kDeg || sum.norm() < 0.7 * total_angle) continue;
    for (int j : {h.upper, h.joint}) {
      const Eigen::Vector3d s_bone = bones[j][0].source_rest.normalized();
      Eigen::Vector3d s_axis = sum - sum.dot(s_bone) * s_bone;
      if (s_axis.norm() < 1e-6) continue;
      const Eigen::Vector3d t_bone = bones[j][0].target_rest.normalized();
      const Eigen::Vector3d t_axis = (h.axis - h.axis.dot(t_bone) * t_bone).normalized();
      rest_align[j] = body::align_directions({t_bone, t_axis}, {s_bone, s_axis.normalized()});
    }
  }

  // Units: the ratio of leg lengths (hip-knee-ankle, both sides).
  double target_leg = 0, source_leg = 0;
  for (int chain : {body::kLeftHip, body::kRightHip}) {
    const int knee = chain == body::kLeftHip ? body::kLeftKnee : body::kRightKnee;
    const int ankle = chain == body::kLeftHip ? body::kLeftAnkle : body::kRightAnkle;
    target_leg += (target_rest[knee] - target_rest[chain]).norm() + (target_rest[ankle] - target_rest[knee]).norm();
    source_leg += (frames.rest[src[knee]] - frames.rest[src[chain]]).norm() +
                  (frames.rest[src[ankle]] - frames.rest[src[knee]]).norm();
  }
  if (source_leg < 1e-9) fail(where, "the skeleton's legs have zero length");
  result.scale = target_leg / source_leg;

  result.poses.resize(m.frame_count);
  for (int f = 0; f < m.frame_count; ++f) {
    std::array<Eigen::Matrix3d, kNumJoints> world;
    Pose& pose = result.poses[f];
    for (int j = 0; j < kNumJoints; ++j) {
      const int p = body::kParents[j];
      if (src[j] < 0) {
        world[j] = p >= 0 ? world[p] : Eigen::Matrix3d::Identity();
      } else {
        const Eigen::Matrix3d& d = frames.rotations[f][src[j]];
        std::vector<Eigen::Vector3d> a, b;
        for (const auto& bone : bones[j]) {
          a.push_back(d * bone.source_rest);
          b.push_back(frames.positions[f][src[bone.target]] - frames.positions[f][src[j]]);
        }
        world[j] = body::align_directions(a, b) * d * rest_align[j];
      }
      const Eigen::Matrix3d local = p >= 0 ? Eigen::Matrix3d(world[p].transpose() * world[j]) : world[j];
      const Eigen::AngleAxisd aa(local);
      pose.rotations[j] = aa.axis() * aa.angle();
      if (!pose.rotations[j].allFinite()) pose.rotations[j].setZero();
    }
    pose.transl = Eigen::Vector3d(result.scale * frames.positions[f][src[body::kPelvis]] - target_rest[body::kPelvis]);
    // A foreign skeleton's twists can sit at joints that do not turn that way (CMU's wrists); the same joint
    // positions with the twists where a body has them. Our own exports are taken as they are.
    if (result.profile != "smpl") pose = settle_twists(pose);
  }

  // Floor. Source files put their floor anywhere and mark their foot joints at different heights above it,
  // and proportions differ; so the lowest foot joint of the frames where the feet are down (the 2nd
  // percentile over the clip) is put at the height that joint has on the target skeleton at rest. Our own
  // exports carry absolute positions on the target skeleton and need no such guess.
  if (result.profile == "smpl") return result;
  const int feet[] = {body::kLeftAnkle, body::kRightAnkle, body::kLeftFoot, body::kRightFoot};
  const auto fk = body::forward_kinematics(body::rotation_matrices(result.poses), body::to_tensor(target_rest),
                                           body::smpl_parents(), body::translations(result.poses));
  std::vector<double> lowest(m.frame_count);
  auto y = fk.joints.select(2, 1).contiguous();
  auto acc = y.accessor<double, 2>();
  double rest_low = 1e9;
  for (int j : feet) rest_low = std::min(rest_low, target_rest[j].y());
  for (int f = 0; f < m.frame_count; ++f) {
    lowest[f] = 1e9;
    for (int j : feet) lowest[f] = std::min(lowest[f], acc[f][j]);
  }
  std::nth_element(lowest.begin(), lowest.begin() + m.frame_count / 50, lowest.end());
  result.floor_offset = rest_low - lowest[m.frame_count / 50];
  for (auto& pose : result.poses) pose.transl->y() += result.floor_offset;
  return result;
}

std::string bvh_text(const std::vector<Pose>& poses, double fps, const body::JointPositions& rest) {
  using body::kNumJoints;
  constexpr double kCm = 100.0;  // BVH files are conventionally in centimetres
  std::ostringstream out;
  std::array<std::vector<int>, kNumJoints> children;
  for (int j = 1; j < kNumJoints; ++j) children[body::kParents[j]].push_back(j);
  // Leaf joints end in a short site along the direction a viewer expects (up for the head, etc.).
  auto end_site = [&](int j) -> Eigen::Vector3d {
    if (j == body::kHead) return {0, 0.18, 0.02};
    if (j == body::kLeftFoot || j == body::kRightFoot) return {0, -0.01, 0.06};
    if (j == body::kLeftHand) return {0.08, 0, 0};
    if (j == body::kRightHand) return {-0.08, 0, 0};
    return {0, 0.05, 0};
  };
  std::function<void(int, int)> write_joint = [&](int j, int depth) {
    const std::string pad(depth * 2, ' ');
    const Eigen::Vector3d off = j == 0 ? Eigen::Vector3d::Zero() : Eigen::Vector3d(rest[j] - rest[body::kParents[j]]);
    out << pad << (j == 0 ? "ROOT " : "JOINT ") << body::kJointNames[j] << "\n" << pad << "{\n";
    out << pad << "  OFFSET " << fmt(off.x() * kCm) << " " << fmt(off.y() * kCm) << " " << fmt(off.z() * kCm) << "\n";
    out << pad << "  CHANNELS " << (j == 0 ? "6 Xposition Yposition Zposition " : "3 ") << "Zrotation Yrotation Xrotation\n";
    for (int c : children[j]) write_joint(c, depth + 1);
    if (children[j].empty()) {
      const Eigen::Vector3d e = end_site(j) * kCm;
      out << pad << "  End Site\n" << pad << "  {\n" << pad << "    OFFSET " << fmt(e.x()) << " " << fmt(e.y()) << " "
          << fmt(e.z()) << "\n" << pad << "  }\n";
    }
    out << pad << "}\n";
  };
  out << "HIERARCHY\n";
  write_joint(0, 0);
  out << "MOTION\nFrames: " << poses.size() << "\nFrame Time: " << fmt(1.0 / (fps > 0 ? fps : 30.0)) << "\n";
  std::function<void(int, const Pose&)> write_values = [&](int j, const Pose& pose) {
    const Eigen::Vector3d& r = pose.rotations[j];
    const double angle = r.norm();
    const Eigen::Matrix3d m =
        angle > 0 ? Eigen::AngleAxisd(angle, r / angle).toRotationMatrix() : Eigen::Matrix3d::Identity();
    // R = Rz(a) Ry(b) Rx(c)
    double a, b, c;
    if (std::abs(m(2, 0)) < 1 - 1e-12) {
      b = std::asin(-m(2, 0));
      a = std::atan2(m(1, 0), m(0, 0));
      c = std::atan2(m(2, 1), m(2, 2));
    } else {
      b = m(2, 0) < 0 ? kPi / 2 : -kPi / 2;
      a = std::atan2(-m(0, 1), m(1, 1));
      c = 0;
    }
    out << " " << fmt(a / kDeg) << " " << fmt(b / kDeg) << " " << fmt(c / kDeg);
    for (int ch : children[j]) write_values(ch, pose);
  };
  for (const auto& pose : poses) {
    const Eigen::Vector3d root = (rest[0] + pose.transl.value_or(Eigen::Vector3d::Zero())) * kCm;
    out << fmt(root.x()) << " " << fmt(root.y()) << " " << fmt(root.z());
    write_values(0, pose);
    out << "\n";
  }
  return out.str();
}

void write_bvh(const std::string& path, const std::vector<Pose>& poses, double fps, const body::JointPositions& rest) {
  if (poses.empty()) fail(path, "no pose to write");
  io::write_file_atomic(path, bvh_text(poses, fps, rest));
}

}  // namespace unipose::pose
