// The main window: the 3D view in the centre, the joint panel, the undo history and the Words panel docked
// at the side, menus and toolbar for files, editing and views, and a status bar with the worker's progress
// and Cancel. It owns the services the panels share: the pose document (one undo stack), the worker thread
// and the language-model engine.
#pragma once

#include <memory>
#include <optional>

#include <QImage>
#include <QMainWindow>
#include <QPointF>
#include <QTimer>

#include "core/body/body_model.h"

class QAction;
class QLabel;
class QMenu;
class QProgressBar;
class QToolButton;

namespace unipose::ui {

class EngineService;
class JointPanel;
class CoachView;
class LanguagePanel;
class PhotoPanel;
class PhotoService;
class PoseDocument;
class TaskRunner;
class Viewport;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(std::shared_ptr<const body::BodyModel> body, QWidget* parent = nullptr);
  ~MainWindow() override;

  PoseDocument* document() const { return doc_; }
  Viewport* viewport() const { return viewport_; }
  JointPanel* joint_panel() const { return joint_panel_; }
  LanguagePanel* language_panel() const { return language_panel_; }
  PhotoPanel* photo_panel() const { return photo_panel_; }
  // The coach's workspace (its own window), made on first use and shown.
  CoachView* coach_view();
  TaskRunner* tasks() const { return tasks_; }
  // The language-model engine every panel uses (loaded on first use).
  const std::shared_ptr<EngineService>& engine_service() const { return engine_; }

  // File operations (also used by the menus). Loading runs on the worker thread; `frame` picks a frame of a
  // multi-frame file without asking.
  void open_pose(const QString& path, std::optional<int> frame = std::nullopt);
  // A reference photo into the Photo panel (people found on the worker thread).
  void open_photo(const QString& path);
  bool save_pose(const QString& path);
  void load_body(const QString& spec);
  void export_mesh(const QString& path, bool rigged = false);
  void export_bvh(const QString& path);
  // OpenPose keypoints (.json, BODY_25) or the ControlNet pose picture (.png) of the pose seen from the
  // view's direction, at the view's size (docs/exports.md).
  void export_openpose(const QString& path);

  // Errors go to a dialog; in quiet mode (tests, screenshots) to the status bar and last_error() instead.
  void set_quiet(bool quiet) { quiet_ = quiet; }
  QString last_error() const { return last_error_; }
  QString autosave_path() const;
  // Offers to restore a pose autosaved by a session that did not close normally.
  void offer_autosave_restore();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void build_actions();
  void report_error(const QString& title, const QString& message);
  void add_recent(const QString& path);
  void rebuild_recent_menu();
  void update_title();
  bool maybe_save();
  void autosave();

  PoseDocument* doc_ = nullptr;
  Viewport* viewport_ = nullptr;
  JointPanel* joint_panel_ = nullptr;
  LanguagePanel* language_panel_ = nullptr;
  PhotoPanel* photo_panel_ = nullptr;
  CoachView* coach_ = nullptr;
  // The photo of the last pose applied from a photo, and its weak camera (Viewport::set_reference_photo).
  QImage reference_photo_;
  double reference_scale_ = 0;
  QPointF reference_shift_;
  QAction* photo_behind_ = nullptr;
  QAction* photo_camera_ = nullptr;
  std::shared_ptr<PhotoService> photos_;
  TaskRunner* tasks_ = nullptr;
  std::shared_ptr<EngineService> engine_;
  QMenu* recent_menu_ = nullptr;
  QLabel* status_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancel_ = nullptr;
  QTimer autosave_timer_;
  QTimer progress_timer_;
  bool quiet_ = false;
  QString last_error_;
};

}  // namespace unipose::ui
