// The Photo panel: open (or drop) a reference photo, see BlazePose's landmarks and the fitted skeleton over it,
// pick a person when there are several (the list, or a click on them in the picture), and "Apply" to set the
// body to that person's pose as one undoable step named after the photo. Detection and fitting run on the
// worker thread; a photo without a person says so in the panel. "Ask the Language Model" reads the photo
// through the visual branch instead (the largest person; an optional hint in words), sets the body to its pose
// as one undoable step and shows its description of the photo.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <QWidget>

#include <QImage>
#include <QPointF>

#include "core/engine/photo.h"
#include "core/image/image.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace unipose::ui {

class EngineService;
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
  PhotoPanel(PoseDocument* doc, TaskRunner* tasks, std::shared_ptr<PhotoService> photos, std::shared_ptr<EngineService> words,
             QWidget* parent = nullptr);

  // Reads the photo and finds everyone in it (on the worker); the panel shows the result when done.
  void open_photo(const QString& path);
  // Sets the body to person `index`'s pose (one undo step, "Pose from NAME"); false when there is no such person.
  bool apply_person(int index);
  // The language model's pose of the open photo (and its description), on the worker; when done the body takes
  // the pose as one undo step ("Pose from NAME (language model)") and the panel shows the description. `hint`:
  // words about the pose that the photo may not show (may be empty). False when no photo is open or busy.
  bool ask_model(const QString& hint);
  int people() const { return static_cast<int>(estimates_.size()); }
  int selected() const;
  void select_person(int index);
  QString message() const;
  // The photo as shown: the selected person's landmarks and fitted joints drawn (after ask_model: its pose, laid over).
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
  std::shared_ptr<EngineService> words_;
  QLabel* picture_ = nullptr;
  QLineEdit* hint_ = nullptr;
  QPushButton* ask_ = nullptr;
  QLabel* info_ = nullptr;
  QComboBox* person_ = nullptr;
  QPushButton* apply_ = nullptr;
  QString name_;
  // The language model's reading of the photo (its words, its pose laid over the largest person), shown until
  // another photo or person is chosen.
  QString model_note_;
  std::optional<std::array<std::array<double, 2>, 22>> model_joints_;
  image::Image photo_, shown_;
  std::vector<engine::PhotoEstimate> estimates_;
};

}  // namespace unipose::ui
