// The coach's workspace (its own window; View > Coach, or `unipose gui --coach A.jpg B.jpg`): two slots, A
// (the athlete, or "before") and B (the model, or "after"), each a photo or a pose file; both bodies from one
// shared camera, side by side or as two skeletons in one view (A orange, B blue; the left side of each lighter);
// the joint-angle table (A, B, B - A, largest first, differences over the threshold highlighted); the
// difference in words from A to B (the language model's pose-diff, with how well the words fit); swap; export
// of a one-page PDF report and of the table as CSV. Photos and words are worked out on the worker thread.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <QWidget>

#include "core/engine/compare.h"
#include "core/engine/photo.h"
#include "core/image/image.h"
#include "core/pose/pose.h"

class QCheckBox;
class QLabel;
class QSlider;
class QTableWidget;

namespace unipose::ui {

class EngineService;
class PhotoService;
class TaskRunner;

class CoachView : public QWidget {
  Q_OBJECT

 public:
  CoachView(TaskRunner* tasks, std::shared_ptr<EngineService> engine, std::shared_ptr<PhotoService> photos, QWidget* parent = nullptr);

  // Slot 0 (A) or 1 (B) from a photo (.jpg, .png, ...) or a pose file (.json, .npz, .bvh); on the worker.
  void load(int slot, const QString& path);
  void swap();
  void set_overlay(bool overlay);
  bool has(int slot) const { return slots_[slot].pose.has_value(); }
  const std::vector<engine::AngleDifference>& angles() const { return angles_; }
  QString words() const;
  // The picture of the bodies as shown.
  const image::Image& bodies() const { return bodies_; }
  int table_rows() const;
  // Writes the report / the table; false (with the reason in failed()) when A or B is missing or writing fails.
  bool export_pdf(const QString& path);
  bool export_csv(const QString& path);

 Q_SIGNALS:
  void failed(const QString& title, const QString& message);

 private:
  struct Slot {
    QString name;
    std::optional<pose::Pose> pose;
    image::Image overlay;  // the photo with its skeleton; empty for a pose file
  };
  void refresh();        // table, bodies, and (on the worker) the words
  void redraw_bodies();
  void show_slot(int slot);

  TaskRunner* tasks_;
  std::shared_ptr<EngineService> engine_;
  std::shared_ptr<PhotoService> photos_;
  Slot slots_[2];
  QLabel* pictures_[2] = {nullptr, nullptr};
  QLabel* names_[2] = {nullptr, nullptr};
  QLabel* body_view_ = nullptr;
  QLabel* words_ = nullptr;
  QTableWidget* table_ = nullptr;
  QCheckBox* overlay_ = nullptr;
  QSlider* yaw_ = nullptr;
  std::vector<engine::AngleDifference> angles_;
  image::Image bodies_;
  QString words_text_, words_note_;
};

}  // namespace unipose::ui
