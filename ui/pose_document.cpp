#include "ui/pose_document.h"

#include <QUndoCommand>

#include "core/pose/joint_limits.h"

namespace unipose::ui {
namespace {

class SetPoseCommand : public QUndoCommand {
 public:
  SetPoseCommand(PoseDocument* doc, pose::Pose before, pose::Pose after, const QString& text, int merge_id)
      : QUndoCommand(text), doc_(doc), before_(std::move(before)), after_(std::move(after)), id_(merge_id) {}
  void undo() override { doc_->set_pose_internal(before_); }
  void redo() override { doc_->set_pose_internal(after_); }
  int id() const override { return id_; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const SetPoseCommand*>(other);
    if (o->id_ != id_ || id_ < 0) return false;
    after_ = o->after_;
    return true;
  }

 private:
  PoseDocument* doc_;
  pose::Pose before_, after_;
  int id_;
};

}  // namespace

PoseDocument::PoseDocument(std::shared_ptr<const body::BodyModel> body, QObject* parent)
    : QObject(parent), body_(std::move(body)) {}

void PoseDocument::set_body(std::shared_ptr<const body::BodyModel> body) {
  body_ = std::move(body);
  Q_EMIT bodyChanged();
  Q_EMIT poseChanged();
}

void PoseDocument::select_joint(int joint) {
  if (joint < -1 || joint >= body::kNumJoints || joint == selected_) return;
  selected_ = joint;
  Q_EMIT selectionChanged(joint);
}

void PoseDocument::apply(const pose::Pose& after, const QString& text, int merge_id) {
  if (previewing_) cancel_preview();
  if (after == pose_) return;
  undo_.push(new SetPoseCommand(this, pose_, after, text, merge_id));
}

void PoseDocument::preview(const pose::Pose& pose) {
  if (!previewing_) {
    before_preview_ = pose_;
    previewing_ = true;
  }
  set_pose_internal(pose);
}

void PoseDocument::commit_preview(const QString& text) {
  if (!previewing_) return;
  previewing_ = false;
  const pose::Pose after = pose_;
  pose_ = before_preview_;
  if (after == before_preview_) return;
  undo_.push(new SetPoseCommand(this, before_preview_, after, text, -1));
}

void PoseDocument::cancel_preview() {
  if (!previewing_) return;
  previewing_ = false;
  set_pose_internal(before_preview_);
}

pose::Pose PoseDocument::with_joint(const pose::Pose& base, int joint, const Eigen::Vector3d& axis_angle) const {
  pose::Pose p = base;
  p.rotations[joint] = limits_ ? pose::clamp_joint(joint, axis_angle) : axis_angle;
  const int other = body::mirror_joint(joint);
  if (symmetry_ && other != joint) {
    const Eigen::Vector3d& r = p.rotations[joint];
    p.rotations[other] = Eigen::Vector3d(r.x(), -r.y(), -r.z());
  }
  return p;
}

void PoseDocument::set_pose_internal(const pose::Pose& pose) {
  pose_ = pose;
  Q_EMIT poseChanged();
}

}  // namespace unipose::ui
