// The pose being edited, the body it is shown on, the selected joint and the undo history: the one place
// every panel reads from and every edit goes through (so every change is undoable).
#pragma once

#include <memory>

#include <QObject>
#include <QString>
#include <QUndoStack>

#include "core/body/body_model.h"
#include "core/pose/pose.h"

namespace unipose::ui {

class PoseDocument : public QObject {
  Q_OBJECT

 public:
  explicit PoseDocument(std::shared_ptr<const body::BodyModel> body, QObject* parent = nullptr);

  const pose::Pose& pose() const { return pose_; }
  const body::BodyModel& body() const { return *body_; }
  std::shared_ptr<const body::BodyModel> body_ptr() const { return body_; }
  void set_body(std::shared_ptr<const body::BodyModel> body);
  QUndoStack* undo_stack() { return &undo_; }

  int selected_joint() const { return selected_; }
  void select_joint(int joint);  // -1 clears the selection

  // One undoable step named `text`. Consecutive steps with the same merge id (>= 0) become one entry, so
  // scrubbing a slider is one step.
  void apply(const pose::Pose& after, const QString& text, int merge_id = -1);
  // Shows a pose without recording it (during a drag); commit_preview records one step from the pose before
  // the first preview, cancel_preview goes back to it.
  void preview(const pose::Pose& pose);
  void commit_preview(const QString& text);
  void cancel_preview();
  bool in_preview() const { return previewing_; }

  // `base` with joint `joint` set to `axis_angle`, after the anatomical limits (when on) and the left/right
  // symmetry (when on).
  pose::Pose with_joint(const pose::Pose& base, int joint, const Eigen::Vector3d& axis_angle) const;
  bool limits_enabled() const { return limits_; }
  bool symmetry_enabled() const { return symmetry_; }
  void set_limits_enabled(bool on) { limits_ = on; }
  void set_symmetry_enabled(bool on) { symmetry_ = on; }

  QString file_path() const { return path_; }
  void set_file_path(const QString& path) { path_ = path; }
  bool is_modified() const { return !undo_.isClean(); }
  void mark_saved() { undo_.setClean(); }

  // Used by the undo commands only.
  void set_pose_internal(const pose::Pose& pose);

 Q_SIGNALS:
  void poseChanged();
  void selectionChanged(int joint);
  void bodyChanged();

 private:
  std::shared_ptr<const body::BodyModel> body_;
  pose::Pose pose_;
  pose::Pose before_preview_;
  bool previewing_ = false;
  int selected_ = -1;
  bool limits_ = true;
  bool symmetry_ = false;
  QString path_;
  QUndoStack undo_;
};

}  // namespace unipose::ui
