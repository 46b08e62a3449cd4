#include "ui/joint_panel.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <Eigen/Geometry>

#include "core/body/axis_angle.h"
#include "ui/pose_document.h"
#include "ui/viewport.h"

namespace unipose::ui {

Eigen::Vector3d euler_xyz_degrees(const Eigen::Vector3d& aa) {
  const Eigen::Matrix3d r = body::rotation_matrix(aa);
  const double b = std::asin(std::clamp(r(0, 2), -1.0, 1.0));
  double a, c;
  if (std::abs(r(0, 2)) < 1 - 1e-9) {
    a = std::atan2(-r(1, 2), r(2, 2));
    c = std::atan2(-r(0, 1), r(0, 0));
  } else {  // gimbal lock: put everything in a
    a = std::atan2(r(2, 1), r(1, 1));
    c = 0;
  }
  return Eigen::Vector3d(a, b, c) * 180.0 / M_PI;
}

Eigen::Vector3d axis_angle_from_euler_xyz_degrees(const Eigen::Vector3d& deg) {
  const Eigen::Vector3d rad = deg * M_PI / 180.0;
  const Eigen::Matrix3d r = (Eigen::AngleAxisd(rad.x(), Eigen::Vector3d::UnitX()) *
                             Eigen::AngleAxisd(rad.y(), Eigen::Vector3d::UnitY()) *
                             Eigen::AngleAxisd(rad.z(), Eigen::Vector3d::UnitZ()))
                                .toRotationMatrix();
  return body::axis_angle(r);
}

JointPanel::JointPanel(PoseDocument* doc, Viewport* viewport, QWidget* parent) : QWidget(parent), doc_(doc) {
  auto* layout = new QVBoxLayout(this);
  joint_ = new QComboBox(this);
  joint_->addItem("(no joint selected)");
  for (const char* name : body::kJointNames) joint_->addItem(QString(name).replace('_', ' '));
  layout->addWidget(joint_);
  hint_ = new QLabel("Click a joint handle in the view, or choose one above.", this);
  hint_->setWordWrap(true);
  layout->addWidget(hint_);

  auto* box = new QGroupBox("Rotation (degrees, X-Y-Z order, local to the parent)", this);
  auto* grid = new QGridLayout(box);
  const char* names[3] = {"X", "Y", "Z"};
  for (int k = 0; k < 3; ++k) {
    grid->addWidget(new QLabel(names[k], box), k, 0);
    slider_[k] = new QSlider(Qt::Horizontal, box);
    slider_[k]->setRange(-180, 180);
    spin_[k] = new QDoubleSpinBox(box);
    spin_[k]->setRange(-180, 180);
    spin_[k]->setDecimals(1);
    spin_[k]->setSingleStep(1);
    spin_[k]->setKeyboardTracking(false);
    grid->addWidget(slider_[k], k, 1);
    grid->addWidget(spin_[k], k, 2);
    connect(spin_[k], &QDoubleSpinBox::valueChanged, this, [this, k](double v) { if (!updating_) edited(k, v); });
    connect(slider_[k], &QSlider::valueChanged, this, [this, k](int v) { if (!updating_) edited(k, v); });
  }
  layout->addWidget(box);

  auto* options = new QFormLayout();
  axis_ = new QComboBox(this);
  axis_->addItems({"free (screen trackball)", "joint X", "joint Y", "joint Z"});
  options->addRow("Drag rotates about", axis_);
  limits_ = new QCheckBox("Anatomical limits", this);
  limits_->setChecked(doc->limits_enabled());
  symmetry_ = new QCheckBox("Left/right symmetry", this);
  symmetry_->setChecked(doc->symmetry_enabled());
  options->addRow(limits_);
  options->addRow(symmetry_);
  layout->addLayout(options);
  auto* reset = new QPushButton("Reset joint", this);
  layout->addWidget(reset);
  layout->addStretch(1);

  connect(joint_, &QComboBox::currentIndexChanged, this, [this](int i) { if (!updating_) doc_->select_joint(i - 1); });
  connect(axis_, &QComboBox::currentIndexChanged, this,
          [viewport](int i) { viewport->set_axis(static_cast<Viewport::Axis>(i)); });
  connect(limits_, &QCheckBox::toggled, this, [this](bool on) { doc_->set_limits_enabled(on); });
  connect(symmetry_, &QCheckBox::toggled, this, [this](bool on) { doc_->set_symmetry_enabled(on); });
  connect(reset, &QPushButton::clicked, this, [this] {
    const int j = doc_->selected_joint();
    if (j < 0) return;
    doc_->apply(doc_->with_joint(doc_->pose(), j, Eigen::Vector3d::Zero()),
                "Reset " + QString(body::kJointNames[j]).replace('_', ' '));
  });
  connect(doc, &PoseDocument::poseChanged, this, &JointPanel::refresh);
  connect(doc, &PoseDocument::selectionChanged, this, &JointPanel::refresh);
  refresh();
}

void JointPanel::refresh() {
  updating_ = true;
  const int j = doc_->selected_joint();
  joint_->setCurrentIndex(j + 1);
  const bool on = j >= 0;
  for (int k = 0; k < 3; ++k) {
    spin_[k]->setEnabled(on);
    slider_[k]->setEnabled(on);
  }
  if (on) {
    const Eigen::Vector3d e = euler_xyz_degrees(doc_->pose().rotations[j]);
    for (int k = 0; k < 3; ++k) {
      spin_[k]->setValue(e[k]);
      slider_[k]->setValue(static_cast<int>(std::lround(e[k])));
    }
    hint_->setText(j == 0 ? "The pelvis rotation turns the whole body." : "Drag the joint in the view to rotate it.");
  }
  updating_ = false;
}

void JointPanel::edited(int axis, double degrees) {
  const int j = doc_->selected_joint();
  if (j < 0) return;
  Eigen::Vector3d e;
  for (int k = 0; k < 3; ++k) e[k] = spin_[k]->value();
  e[axis] = degrees;
  // Each joint-and-axis pair merges into one undo step while the user keeps editing it.
  doc_->apply(doc_->with_joint(doc_->pose(), j, axis_angle_from_euler_xyz_degrees(e)),
              QString("Set %1 %2").arg(QString(body::kJointNames[j]).replace('_', ' '), QString("XYZ"[axis])),
              1000 + j * 3 + axis);
  refresh();
}

void JointPanel::set_angle(int axis, double degrees) { spin_.at(axis)->setValue(degrees); }
double JointPanel::angle(int axis) const { return spin_.at(axis)->value(); }

}  // namespace unipose::ui
