#include "core/body/rigged_mesh.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <Eigen/Geometry>
#include <Eigen/SVD>

#include "core/body/assimp_scene.h"
#include "core/body/axis_angle.h"
#include "core/body/skeleton_match.h"
#include "core/error.h"
#include "core/io/files.h"

#ifdef UNIPOSE_WITH_ASSIMP
#include <assimp/Exporter.hpp>
#include <assimp/Importer.hpp>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#endif

namespace unipose::body {

#ifndef UNIPOSE_WITH_ASSIMP
void export_rigged_mesh(const BodyModel&, const PoseParameters&, const std::string& path, const PoseParameters&,
                        const std::string&) {
  fail(path, "rigged mesh export needs Assimp, and this build of unipose has none");
}
RiggedImport import_rigged_mesh(const std::string& path) {
  fail(path, "rigged mesh import needs Assimp, and this build of unipose has none");
}
#else
namespace {

using Affine = Eigen::Affine3d;

aiMatrix4x4 to_ai(const Affine& a) {
  const Eigen::Matrix4d m = a.matrix();
  return aiMatrix4x4(float(m(0, 0)), float(m(0, 1)), float(m(0, 2)), float(m(0, 3)), float(m(1, 0)), float(m(1, 1)),
                     float(m(1, 2)), float(m(1, 3)), float(m(2, 0)), float(m(2, 1)), float(m(2, 2)), float(m(2, 3)),
                     0.f, 0.f, 0.f, 1.f);
}

Affine from_ai(const aiMatrix4x4& m) {
  Eigen::Matrix4d e;
  e << m.a1, m.a2, m.a3, m.a4, m.b1, m.b2, m.b3, m.b4, m.c1, m.c2, m.c3, m.c4, m.d1, m.d2, m.d3, m.d4;
  return Affine(e);
}

std::string format_for(const std::string& path) {
  const std::string ext = io::extension_of(path);
  if (ext == "glb") return "glb2";
  if (ext == "fbx") return "fbxa";
  if (ext == "dae") return "collada";
  fail(path, "unknown rigged mesh format '." + ext + "' (use .glb, .fbx or .dae)");
}

}  // namespace

void export_rigged_mesh(const BodyModel& body, const PoseParameters& pose, const std::string& path,
                        const PoseParameters& bind_pose, const std::string& naming) {
  const std::string format = format_for(path);
  std::array<std::string, kNumJoints> bone_names = joint_names_of(naming);
  for (int j = 0; j < kNumJoints; ++j)
    if (bone_names[j].empty()) bone_names[j] = kJointNames[j];
  // Assimp's FBX writer takes the bind pose from the joints' transforms, so an FBX is bound in its pose.
  const PoseParameters& bind_as = format == "fbxa" ? pose : bind_pose;
  const JointPositions& rest = body.rest_joints();
  const JointFrames bind = posed_joint_frames(bind_as, rest);
  const Mesh mesh = body.posed_mesh(bind_as);
  const std::vector<float>& weights = body.skinning_weights();
  const size_t nv = mesh.vertices.size();

  aiScene scene;  // owns everything allocated for it
  scene.mRootNode = new aiNode("scene");
  aiMesh* m = detail::add_body_mesh(scene, mesh);
  // One bone per joint that moves any vertex; its offset takes bind-pose mesh space into the joint's space.
  std::vector<aiBone*> bones;
  for (int j = 0; j < kNumJoints; ++j) {
    std::vector<aiVertexWeight> vw;
    for (size_t i = 0; i < nv; ++i)
      if (weights[i * kNumJoints + j] > 0) vw.emplace_back(static_cast<unsigned>(i), weights[i * kNumJoints + j]);
    if (vw.empty()) continue;
    auto* bone = new aiBone();
    bone->mName = bone_names[j];
    Affine global = Affine::Identity();
    global.linear() = bind.rotations[j];
    global.translation() = bind.positions[j];
    bone->mOffsetMatrix = to_ai(global.inverse());
    bone->mNumWeights = static_cast<unsigned>(vw.size());
    bone->mWeights = new aiVertexWeight[vw.size()];
    std::copy(vw.begin(), vw.end(), bone->mWeights);
    bones.push_back(bone);
  }
  m->mNumBones = static_cast<unsigned>(bones.size());
  m->mBones = new aiBone*[bones.size()];
  std::copy(bones.begin(), bones.end(), m->mBones);

  // Nodes: the mesh, and the joint hierarchy holding `pose` (SMPL: offset from the parent, then rotation).
  auto* mesh_node = new aiNode("body");
  mesh_node->mNumMeshes = 1;
  mesh_node->mMeshes = new unsigned[1]{0};
  std::array<aiNode*, kNumJoints> joints;
  std::array<std::vector<aiNode*>, kNumJoints> children;
  for (int j = 0; j < kNumJoints; ++j) {
    joints[j] = new aiNode(bone_names[j]);
    Affine local = Affine::Identity();
    local.linear() = rotation_matrix(pose.rotations[j]);
    const int p = kParents[j];
    local.translation() = p < 0 ? Eigen::Vector3d(rest[j] + pose.transl.value_or(Eigen::Vector3d::Zero()))
                                : Eigen::Vector3d(rest[j] - rest[p]);
    joints[j]->mTransformation = to_ai(local);
    if (p >= 0) children[p].push_back(joints[j]);
  }
  for (int j = 0; j < kNumJoints; ++j)
    if (!children[j].empty()) joints[j]->addChildren(static_cast<unsigned>(children[j].size()), children[j].data());
  aiNode* top[2] = {mesh_node, joints[0]};
  scene.mRootNode->addChildren(2, top);

  detail::write_scene(scene, format, path, "rigged mesh export");
}

RiggedImport import_rigged_mesh(const std::string& path) {
  io::read_binary_file(path);  // the usual checks: exists, not a folder, not huge
  Assimp::Importer importer;
  const aiScene* scene = importer.ReadFile(path, aiProcess_Triangulate | aiProcess_JoinIdenticalVertices |
                                                     aiProcess_LimitBoneWeights | aiProcess_ValidateDataStructure);
  if (scene == nullptr || scene->mRootNode == nullptr)
    fail(path, std::string("cannot read the mesh: ") + importer.GetErrorString());

  // Every node, parents first, with its global transform as stored (used for mesh placement).
  std::vector<const aiNode*> nodes;
  std::vector<int> parent;
  std::vector<Affine> global;
  std::function<void(const aiNode*, int, const Affine&)> walk = [&](const aiNode* n, int p, const Affine& up) {
    const int index = static_cast<int>(nodes.size());
    nodes.push_back(n);
    parent.push_back(p);
    global.push_back(up * from_ai(n->mTransformation));
    for (unsigned c = 0; c < n->mNumChildren; ++c) walk(n->mChildren[c], index, global[index]);
  };
  walk(scene->mRootNode, -1, Affine::Identity());
  std::map<std::string, int> node_of;
  for (size_t i = 0; i < nodes.size(); ++i) node_of.emplace(nodes[i]->mName.C_Str(), static_cast<int>(i));

  // Bind transforms (joint space -> world at bind time) from the bones' offset matrices.
  std::vector<bool> is_bone(nodes.size(), false);
  std::vector<Affine> bind(nodes.size(), Affine::Identity());
  auto mesh_global = [&](unsigned mesh_index) -> Affine {
    for (size_t i = 0; i < nodes.size(); ++i)
      for (unsigned k = 0; k < nodes[i]->mNumMeshes; ++k)
        if (nodes[i]->mMeshes[k] == mesh_index) return global[i];
    return Affine::Identity();
  };
  size_t skinned_meshes = 0;
  for (unsigned mi = 0; mi < scene->mNumMeshes; ++mi) {
    const aiMesh* mesh = scene->mMeshes[mi];
    if (mesh->mNumBones == 0) continue;
    ++skinned_meshes;
    const Affine mg = mesh_global(mi);
    for (unsigned b = 0; b < mesh->mNumBones; ++b) {
      const auto it = node_of.find(mesh->mBones[b]->mName.C_Str());
      if (it == node_of.end()) fail(path, std::string("bone '") + mesh->mBones[b]->mName.C_Str() + "' has no node");
      is_bone[it->second] = true;
      bind[it->second] = mg * from_ai(mesh->mBones[b]->mOffsetMatrix).inverse();
    }
  }
  if (skinned_meshes == 0)
    fail(path, "the file has no rigged (skinned) mesh; UniPose can pose rigged meshes only");
  // Nodes that are not bones follow their parent as in the file.
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!is_bone[i]) bind[i] = parent[i] >= 0 ? Affine(bind[parent[i]] * from_ai(nodes[i]->mTransformation)) : global[i];

  std::vector<std::string> names;
  for (const auto* n : nodes) names.emplace_back(n->mName.C_Str());
  const SkeletonMatch match = match_skeleton(names, path);
  std::vector<int> smpl_of_node(nodes.size(), -1);
  for (int j = 0; j < kNumJoints; ++j)
    if (match.source[j] >= 0) smpl_of_node[match.source[j]] = j;
  // A bone without an SMPL counterpart gives its weights to its nearest mapped ancestor.
  auto target_joint = [&](int node) {
    for (int n = node; n >= 0; n = parent[n])
      if (smpl_of_node[n] >= 0) return smpl_of_node[n];
    return static_cast<int>(kPelvis);
  };

  // Merge the skinned meshes in world space.
  RiggedImport out;
  out.profile = match.profile;
  Mesh& mesh = out.body.mesh;
  std::vector<float>& weights = out.body.weights;
  for (unsigned mi = 0; mi < scene->mNumMeshes; ++mi) {
    const aiMesh* am = scene->mMeshes[mi];
    if (am->mNumBones == 0) continue;
    const Affine mg = mesh_global(mi);
    const auto base = static_cast<std::uint32_t>(mesh.vertices.size());
    for (unsigned v = 0; v < am->mNumVertices; ++v) {
      const Eigen::Vector3d p = mg * Eigen::Vector3d(am->mVertices[v].x, am->mVertices[v].y, am->mVertices[v].z);
      mesh.vertices.push_back(p.cast<float>());
    }
    weights.resize(mesh.vertices.size() * kNumJoints, 0.0f);
    for (unsigned b = 0; b < am->mNumBones; ++b) {
      const aiBone* bone = am->mBones[b];
      const int j = target_joint(node_of.at(bone->mName.C_Str()));
      for (unsigned k = 0; k < bone->mNumWeights; ++k) {
        const unsigned v = bone->mWeights[k].mVertexId;
        if (v >= am->mNumVertices) fail(path, "bone weight for a vertex that does not exist");
        weights[(base + v) * kNumJoints + j] += bone->mWeights[k].mWeight;
      }
    }
    for (unsigned f = 0; f < am->mNumFaces; ++f)
      if (am->mFaces[f].mNumIndices == 3)
        mesh.faces.push_back({base + am->mFaces[f].mIndices[0], base + am->mFaces[f].mIndices[1], base + am->mFaces[f].mIndices[2]});
  }
  if (mesh.faces.empty()) fail(path, "the rigged mesh has no triangles");
  for (size_t v = 0; v < mesh.vertices.size(); ++v) {
    float sum = 0;
    for (int j = 0; j < kNumJoints; ++j) sum += weights[v * kNumJoints + j];
    if (sum <= 0) {
      weights[v * kNumJoints + kPelvis] = 1;  // unweighted vertices ride with the body
      continue;
    }
    for (int j = 0; j < kNumJoints; ++j) weights[v * kNumJoints + j] /= sum;
  }

  // Joint positions at bind time; SMPL joints without a counterpart sit between their neighbours.
  const JointPositions& canonical = mannequin_rest_joints();
  // A joint with neither counterpart nor mapped child (the hands of a Mixamo rig) is placed once its
  // parent's orientation is known (below); it says nothing about that orientation.
  JointPositions bind_pos;
  std::array<bool, kNumJoints> guessed{};
  for (int j = 0; j < kNumJoints; ++j) {
    if (match.source[j] >= 0) {
      bind_pos[j] = bind[match.source[j]].translation();
      continue;
    }
    int child = -1;
    for (int c = j + 1; c < kNumJoints && child < 0; ++c)
      if (kParents[c] == j && match.source[c] >= 0) child = c;
    guessed[j] = child < 0;
    if (!guessed[j]) bind_pos[j] = 0.5 * (bind_pos[kParents[j]] + bind[match.source[child]].translation());
  }
  const float height = mesh.bounds().sizes().y();
  out.unit_scale = height > 10 ? 0.01 : 1.0;  // centimetres, as FBX files from many tools use

  // The bind pose as rotations of the SMPL rest pose. Our own exports carry them in the joints' frames.
  // Otherwise each joint turns the rest directions of its bones onto the bind directions (a single bone: the
  // shortest turn from the parent's orientation). Bone directions cannot show a twist about the bone itself,
  // so a foreign rig bound with twisted limbs comes out with those twists baked into its rest shape.
  std::array<Eigen::Matrix3d, kNumJoints> turn;
  for (int j = 0; j < kNumJoints; ++j) {
    if (guessed[j]) bind_pos[j] = bind_pos[kParents[j]] + turn[kParents[j]] * (canonical[j] - canonical[kParents[j]]);
    if (match.profile == "smpl" && match.source[j] >= 0 && is_bone[match.source[j]]) {
      // Orthonormalise (the frame may carry the file's unit scale).
      const Eigen::JacobiSVD<Eigen::Matrix3d> svd(bind[match.source[j]].linear(), Eigen::ComputeFullU | Eigen::ComputeFullV);
      turn[j] = svd.matrixU() * svd.matrixV().transpose();
      continue;
    }
    const Eigen::Matrix3d up = kParents[j] >= 0 ? turn[kParents[j]] : Eigen::Matrix3d::Identity();
    std::vector<Eigen::Vector3d> rest_dirs, bind_dirs;
    for (int c = j + 1; c < kNumJoints; ++c)
      if (kParents[c] == j && !guessed[c]) {
        const Eigen::Vector3d b = bind_pos[c] - bind_pos[j];
        if (b.norm() < 1e-6) continue;
        rest_dirs.push_back(canonical[c] - canonical[j]);
        bind_dirs.push_back(b);
      }
    if (rest_dirs.empty()) turn[j] = up;
    else if (rest_dirs.size() == 1) turn[j] = Eigen::Quaterniond::FromTwoVectors(up * rest_dirs[0], bind_dirs[0]).toRotationMatrix() * up;
    else turn[j] = align_directions(rest_dirs, bind_dirs);
  }
  // Rest joints keep the file's proportions. Skinning is affine per vertex (x = M y + c with M the blend of
  // the joints' rotations), so each vertex is unposed exactly by solving for y.
  JointPositions& rest = out.body.rest_joints;
  for (int j = 0; j < kNumJoints; ++j) {
    const int p = kParents[j];
    rest[j] = p < 0 ? bind_pos[j] : Eigen::Vector3d(rest[p] + turn[p].transpose() * (bind_pos[j] - bind_pos[p]));
  }
  for (size_t v = 0; v < mesh.vertices.size(); ++v) {
    const Eigen::Vector3d x = mesh.vertices[v].cast<double>();
    Eigen::Matrix3d m = Eigen::Matrix3d::Zero();
    Eigen::Vector3d c = Eigen::Vector3d::Zero(), approx = Eigen::Vector3d::Zero();
    for (int j = 0; j < kNumJoints; ++j) {
      const double w = weights[v * kNumJoints + j];
      if (w <= 0) continue;
      m += w * turn[j];
      c += w * (bind_pos[j] - turn[j] * rest[j]);
      approx += w * (turn[j].transpose() * (x - bind_pos[j]) + rest[j]);
    }
    // Opposed rotations blended can make M singular; the blend of inverses is the fallback there.
    const Eigen::Vector3d y = std::abs(m.determinant()) > 1e-6 ? Eigen::Vector3d(m.inverse() * (x - c)) : approx;
    mesh.vertices[v] = (y * out.unit_scale).cast<float>();
  }
  for (auto& r : rest) r *= out.unit_scale;
  mesh.compute_normals();
  return out;
}
#endif

}  // namespace unipose::body
