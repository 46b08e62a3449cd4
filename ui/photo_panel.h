// The Photo panel: open (or drop) a reference photo, see BlazePose's landmarks and the fitted skeleton over it,
// pick a person when there are several (the list, or a click on them in the picture), and "Apply" to set the
// body to that person's pose as one undoable step named after the photo. Detection and fitting run on the
// worker thread; a photo without a person says so in the panel.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <QWidget>

#include <QImage>
#include <QPointF>

#include "core/engine/photo.h"
#include "core/image/image.h"

class QComboBox;
class QLabel;
class QPushButton;

namespace unipose::ui {

class PoseDocument;
class TaskRunner;

// BlazePose, loaded on first use on the worker thread and kept (shared by the Photo panel and the coach view).
class PhotoService {
 public:
  engine::PhotoEngine& photos();

 private:
  std::mutex mutex_;
  std::unique_ptr<engine::PhotoEngine> engine_;
};

class PhotoPanel : public QWidget {
  Q_OBJECT

 public:
  PhotoPanel(PoseDocument* doc, TaskRunner* tasks, std::shared_ptr<PhotoService> photos, QWidget* parent = nullptr);

  // Reads the photo and finds everyone in it (on the worker); the panel shows the result when done.
  void open_photo(const QString& path);
  // Sets the body to person `index`'s pose (one undo step, "Pose from NAME"); false when there is no such person.
  bool apply_person(int index);
  int people() const { return static_cast<int>(estimates_.size()); }
  int selected() const;
  void select_person(int index);
  QString message() const;
  // The photo with the selected person's landmarks and fitted joints drawn, as shown.
  const image::Image& shown() const { return shown_; }
  // The photo as read (no drawing on it).
  const image::Image& photo() const { return photo_; }
  // Everyone found in the photo, fitted (largest first).
  const std::vector<engine::PhotoEstimate>& estimates() const { return estimates_; }

 Q_SIGNALS:
  void failed(const QString& title, const QString& message);
  // A person's pose was applied: the photo and the weak camera that puts the body's joints on the person
  // (picture = scale * (x, -y) + shift, pixels), for the view's reference photo.
  void applied(const QImage& photo, double scale, QPointF shift);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void redraw();

  PoseDocument* doc_;
  TaskRunner* tasks_;
  std::shared_ptr<PhotoService> photos_;
  QLabel* picture_ = nullptr;
  QLabel* info_ = nullptr;
  QComboBox* person_ = nullptr;
  QPushButton* apply_ = nullptr;
  QString name_;
  image::Image photo_, shown_;
  std::vector<engine::PhotoEstimate> estimates_;
};

}  // namespace unipose::ui
