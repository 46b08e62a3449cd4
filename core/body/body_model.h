// Body models that turn a Pose into joints and a skinned mesh: the built-in mannequin and SMPL model files
// (.npz). The interface uses plain types only, so the UI can hold a BodyModel without torch headers.
#pragma once

#include <memory>
#include <string>

#include "core/body/mannequin.h"
#include "core/body/mesh.h"
#include "core/body/pose_parameters.h"
#include "core/body/skeleton.h"

namespace unipose::body {

// A body in a pose: its surface and its joints, from one pass of forward kinematics.
struct PosedBody {
  Mesh mesh;
  JointFrames joints;
};

class BodyModel {
 public:
  virtual ~BodyModel() = default;
  virtual std::string name() const = 0;
  // Joints of the rest pose (zero rotations, default shape), metres.
  virtual const JointPositions& rest_joints() const = 0;
  virtual const Mesh& rest_mesh() const = 0;
  // Skinning weights, [vertices x 24] row-major.
  virtual const std::vector<float>& skinning_weights() const = 0;
  // The surface and the joints together (what the studio shows after every change).
  virtual PosedBody posed(const PoseParameters& pose) const = 0;
  Mesh posed_mesh(const PoseParameters& pose) const { return posed(pose).mesh; }
  // The joints alone (no skinning).
  virtual JointPositions posed_joints(const PoseParameters& pose) const = 0;
};

// Joint positions of one pose by forward kinematics of a skeleton with the given rest joints (metres, y up);
// no mesh needed.
JointPositions posed_joint_positions(const PoseParameters& pose, const JointPositions& rest_joints);

// Positions and world rotations of every joint of one pose, by forward kinematics of a skeleton with the
// given rest joints.
JointFrames posed_joint_frames(const PoseParameters& pose, const JointPositions& rest_joints);

// The built-in mannequin (generated once per process and shared).
std::unique_ptr<BodyModel> make_mannequin();
// A body posed by plain linear blend skinning of the given template (e.g. a mannequin of another density).
std::unique_ptr<BodyModel> make_skinned_body(const std::string& name, SkinnedMesh data);

// An SMPL model file in .npz form (v_template, f, J_regressor, weights, posedirs, shapedirs, kintree_table).
// Every array's presence, shape and values are checked; problems raise Error naming the file and array.
std::unique_ptr<BodyModel> load_smpl_model(const std::string& path);

// "mannequin", a path to an SMPL .npz, or a rigged mesh (.glb, .gltf, .fbx, .dae; see rigged_mesh.h).
std::unique_ptr<BodyModel> load_body_model(const std::string& spec);

}  // namespace unipose::body
