// Side panel for the selected joint: its name, its rotation as X/Y/Z angles (spin boxes and sliders), the
// rotation axis for dragging, the anatomical-limits and symmetry switches, and reset.
#pragma once

#include <array>

#include <QWidget>

#include <Eigen/Core>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace unipose::ui {

class PoseDocument;
class Viewport;

class JointPanel : public QWidget {
  Q_OBJECT

 public:
  JointPanel(PoseDocument* doc, Viewport* viewport, QWidget* parent = nullptr);

  // Sets one of the X/Y/Z angles (degrees) of the selected joint, as typing in the field does.
  void set_angle(int axis, double degrees);
  double angle(int axis) const;

 private:
  void refresh();
  void edited(int axis, double degrees);

  PoseDocument* doc_;
  QComboBox* joint_ = nullptr;
  QLabel* hint_ = nullptr;
  std::array<QDoubleSpinBox*, 3> spin_{};
  std::array<QSlider*, 3> slider_{};
  QComboBox* axis_ = nullptr;
  QCheckBox* limits_ = nullptr;
  QCheckBox* symmetry_ = nullptr;
  bool updating_ = false;
};

// Intrinsic X-Y-Z angles (R = Rx(a) Ry(b) Rz(c)), degrees, of an axis-angle rotation, and back.
Eigen::Vector3d euler_xyz_degrees(const Eigen::Vector3d& axis_angle);
Eigen::Vector3d axis_angle_from_euler_xyz_degrees(const Eigen::Vector3d& degrees);

}  // namespace unipose::ui
