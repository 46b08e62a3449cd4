// The 3D view: the posed body (skinned on the CPU, vertex buffer updated in place), joint handles drawn on
// top of it, a ground grid, soft lights, a reference photo behind the body when there is one, and the mouse:
// left-drag a joint to rotate it, left-drag elsewhere to orbit, right/middle-drag to pan, wheel to zoom.
// Every Qt3D type stays inside viewport.cpp so that the renderer can move to Qt Quick 3D without touching the
// rest (Qt3D is deprecated from Qt 6.8).
#pragma once

#include <memory>

#include <QByteArray>
#include <QImage>
#include <QPointF>
#include <QWidget>

#include "core/body/mesh.h"

class QWindow;

namespace unipose::ui {

class PoseDocument;

// A mesh as the vertex buffer the view uploads: per vertex, position then normal (6 floats).
QByteArray interleave_vertices(const body::Mesh& mesh);

class Viewport : public QWidget {
  Q_OBJECT

 public:
  enum class Axis { Free, X, Y, Z };

  Viewport(PoseDocument* doc, QWidget* parent = nullptr);
  ~Viewport() override;

  // "front", "side", "top" or "three-quarter"; each also fits the body into view.
  void set_view(const QString& name);
  void fit_to_view();
  void set_axis(Axis axis);
  Axis axis() const;

  // The window Qt3D renders into (mouse events for tests go there).
  QWindow* render_window() const;
  // Where a joint appears in render_window() coordinates; the joint under a point (-1 for none).
  QPointF joint_screen_position(int joint) const;
  int pick_joint(const QPointF& pos) const;
  // The camera's direction from what it looks at, as "YAW,PITCH" in degrees (yaw 0 in front of +z, 90 from +x;
  // pitch above the horizon): the view exports use (engine::openpose_view).
  QString view_angles() const;
  // A reference photo behind the body, placed by the weak camera that maps the body's joints into it
  // (picture = scale * (x, -y) + shift, in pixels, world metres): a board facing +z behind the body. The view
  // then looks at it from the front through an orthographic camera that shows the photo exactly, so the body
  // sits on the person in it; orbiting, panning or zooming goes back to the perspective camera and leaves the
  // board where it is (set_view and fit_to_view too). A null photo or a scale <= 0 removes it.
  void set_reference_photo(const QImage& photo, double scale, QPointF shift);
  bool has_reference_photo() const;
  // The view through the photo's camera again (false, and nothing changes, without a reference photo).
  bool align_to_photo();
  bool aligned_to_photo() const;
  // Number of mesh updates so far (each pose change skins the body and uploads its vertices once).
  int mesh_updates() const;

 Q_SIGNALS:
  void hint(const QString& text);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

}  // namespace unipose::ui
