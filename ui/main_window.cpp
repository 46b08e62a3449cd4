#include "ui/main_window.h"

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QUndoView>

#include "core/body/body_model.h"
#include "core/body/mesh_export.h"
#include "core/body/rigged_mesh.h"
#include "core/engine/openpose.h"
#include "core/error.h"
#include "core/image/image.h"
#include "core/io/files.h"
#include "core/pose/bvh.h"
#include "core/pose/pose_io.h"
#include "ui/coach_view.h"
#include "ui/engine_service.h"
#include "ui/icons.h"
#include "ui/joint_panel.h"
#include "ui/language_panel.h"
#include "ui/photo_panel.h"
#include "ui/pose_document.h"
#include "ui/strings.h"
#include "ui/task_runner.h"
#include "ui/viewport.h"

namespace unipose::ui {
namespace {

constexpr int kMaxRecent = 8;
const char* kPoseFilter = "Pose files (*.json *.npz *.bvh);;UniPose JSON (*.json);;SMPL npz (*.npz);;BVH (*.bvh)";


}  // namespace

MainWindow::MainWindow(std::shared_ptr<const body::BodyModel> body, QWidget* parent) : QMainWindow(parent) {
  doc_ = new PoseDocument(std::move(body), this);
  tasks_ = new TaskRunner(this);
  engine_ = std::make_shared<EngineService>();
  viewport_ = new Viewport(doc_, this);
  setCentralWidget(viewport_);
  setAcceptDrops(true);

  auto* joint_dock = new QDockWidget("Joint", this);
  joint_dock->setObjectName("joint_dock");
  joint_panel_ = new JointPanel(doc_, viewport_, joint_dock);
  joint_dock->setWidget(joint_panel_);
  addDockWidget(Qt::RightDockWidgetArea, joint_dock);
  auto* history_dock = new QDockWidget("History", this);
  history_dock->setObjectName("history_dock");
  auto* history = new QUndoView(doc_->undo_stack(), history_dock);
  history->setEmptyLabel("Start");
  history->setMinimumHeight(48);  // room for the tabbed Words / Photo docks in a 700-pixel window
  history_dock->setWidget(history);
  addDockWidget(Qt::RightDockWidgetArea, history_dock);
  auto* words_dock = new QDockWidget("Words", this);
  words_dock->setObjectName("words_dock");
  language_panel_ = new LanguagePanel(doc_, tasks_, engine_, words_dock);
  words_dock->setWidget(language_panel_);
  addDockWidget(Qt::RightDockWidgetArea, words_dock);
  connect(language_panel_, &LanguagePanel::failed, this, [this](const QString& title, const QString& message) { report_error(title, message); });
  auto* photo_dock = new QDockWidget("Photo", this);
  photo_dock->setObjectName("photo_dock");
  photos_ = std::make_shared<PhotoService>();
  photo_panel_ = new PhotoPanel(doc_, tasks_, photos_, engine_, photo_dock);
  photo_dock->setWidget(photo_panel_);
  addDockWidget(Qt::RightDockWidgetArea, photo_dock);
  tabifyDockWidget(words_dock, photo_dock);
  words_dock->raise();
  connect(photo_panel_, &PhotoPanel::failed, this, [this](const QString& title, const QString& message) { report_error(title, message); });
  connect(photo_panel_, &PhotoPanel::applied, this, [this](const QImage& photo, double scale, QPointF shift) {
    reference_photo_ = photo;
    reference_scale_ = scale;
    reference_shift_ = shift;
    photo_behind_->setEnabled(scale > 0);
    if (photo_behind_->isChecked()) viewport_->set_reference_photo(photo, scale, shift);
    photo_camera_->setEnabled(viewport_->has_reference_photo());
  });

  status_ = new QLabel(this);
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(180);
  progress_->setVisible(false);
  cancel_ = new QToolButton(this);
  cancel_->setText("Cancel");
  cancel_->setVisible(false);
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancel_);
  connect(cancel_, &QToolButton::clicked, tasks_, &TaskRunner::cancel);
  connect(tasks_, &TaskRunner::started, this, [this](const QString& title) {
    status_->setText(title + "...");
    progress_->setRange(0, 0);  // busy until the task reports progress
    progress_->setVisible(true);
    cancel_->setVisible(true);
    progress_timer_.start(100);
  });
  auto stop = [this] {
    progress_->setVisible(false);
    cancel_->setVisible(false);
    progress_timer_.stop();
  };
  connect(tasks_, &TaskRunner::finished, this, [this, stop](const QString& title) {
    stop();
    status_->setText(title + ": done");
  });
  connect(tasks_, &TaskRunner::cancelled, this, [this, stop](const QString& title) {
    stop();
    status_->setText(title + ": cancelled");
  });
  connect(tasks_, &TaskRunner::failed, this, [this, stop](const QString& title, const QString& message) {
    stop();
    report_error(title, message);
  });
  connect(&progress_timer_, &QTimer::timeout, this, [this] {
    const double p = tasks_->progress();
    if (p >= 0) {
      progress_->setRange(0, 100);
      progress_->setValue(static_cast<int>(p * 100));
    }
  });

  build_actions();
  connect(doc_, &PoseDocument::selectionChanged, this, [this](int j) {
    status_->setText(j < 0 ? QString() : QString("Selected: %1").arg(QString(body::kJointNames[j]).replace('_', ' ')));
  });
  connect(doc_->undo_stack(), &QUndoStack::cleanChanged, this, [this] { update_title(); });
  connect(doc_->undo_stack(), &QUndoStack::indexChanged, this, [this] {
    if (doc_->is_modified()) autosave_timer_.start();
  });
  autosave_timer_.setSingleShot(true);
  autosave_timer_.setInterval(2000);
  connect(&autosave_timer_, &QTimer::timeout, this, &MainWindow::autosave);
  update_title();
  status_->setText("Left-drag a joint: rotate  |  left-drag elsewhere: orbit  |  right/middle-drag: pan  |  wheel: zoom");
}

MainWindow::~MainWindow() = default;

void MainWindow::build_actions() {
  auto* file = menuBar()->addMenu("&File");
  auto* open = file->addAction("&Open Pose...", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open pose", QString(), kPoseFilter);
    if (!path.isEmpty() && maybe_save()) open_pose(path);
  });
  open->setShortcut(QKeySequence::Open);
  recent_menu_ = file->addMenu("Open &Recent");
  rebuild_recent_menu();
  file->addAction("Open P&hoto...", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open photo", QString(), "Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)");
    if (!path.isEmpty()) open_photo(path);
  })->setShortcut(QKeySequence("Ctrl+Shift+O"));
  auto* save = file->addAction("&Save", this, [this] {
    QString path = doc_->file_path();
    if (path.isEmpty()) path = QFileDialog::getSaveFileName(this, "Save pose", "pose.json", kPoseFilter);
    if (!path.isEmpty()) save_pose(path);
  });
  save->setShortcut(QKeySequence::Save);
  file->addAction("Save &As...", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Save pose as", "pose.json", kPoseFilter);
    if (!path.isEmpty()) save_pose(path);
  })->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  file->addAction("Load &Body Model...", this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, "Load body model", QString(),
        "Body models (*.npz *.glb *.gltf *.fbx *.dae *.zae);;SMPL model (*.npz);;Rigged mesh (*.glb *.gltf *.fbx *.dae *.zae)");
    if (!path.isEmpty()) load_body(path);
  });
  file->addAction("Use the &Mannequin", this, [this] { load_body("mannequin"); });
  file->addSeparator();
  file->addAction("&Export Mesh...", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export posed mesh", "pose.glb",
                                                      "glTF 2 binary (*.glb);;Wavefront OBJ (*.obj);;FBX (*.fbx)");
    if (!path.isEmpty()) export_mesh(path);
  })->setShortcut(QKeySequence("Ctrl+E"));
  file->addAction("Export &Rigged Mesh...", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export rigged mesh", "pose_rigged.glb",
                                                      "glTF 2 binary (*.glb);;FBX (*.fbx);;Collada (*.dae)");
    if (!path.isEmpty()) export_mesh(path, true);
  });
  file->addAction("Export &OpenPose / ControlNet...", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export OpenPose", "pose.png",
                                                      "ControlNet pose picture (*.png);;OpenPose keypoints, BODY_25 (*.json)");
    if (!path.isEmpty()) export_openpose(path);
  });
  file->addAction("Export &BVH...", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export pose as BVH", "pose.bvh", "BVH (*.bvh)");
    if (!path.isEmpty()) export_bvh(path);
  });
  file->addSeparator();
  file->addAction("&Quit", this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  auto* edit = menuBar()->addMenu("&Edit");
  auto* undo = doc_->undo_stack()->createUndoAction(this, "&Undo");
  undo->setShortcut(QKeySequence::Undo);
  auto* redo = doc_->undo_stack()->createRedoAction(this, "&Redo");
  QList<QKeySequence> redo_keys = QKeySequence::keyBindings(QKeySequence::Redo);
  for (const char* k : {"Ctrl+Shift+Z", "Ctrl+Y"})
    if (!redo_keys.contains(QKeySequence(k))) redo_keys.append(QKeySequence(k));
  redo->setShortcuts(redo_keys);
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  auto* reset_pose = edit->addAction("Reset &Pose", this, [this] {
    pose::Pose p;
    p.transl = doc_->pose().transl;
    p.betas = doc_->pose().betas;
    doc_->apply(p, "Reset pose");
  });
  auto* mirror = edit->addAction("&Mirror Pose", this, [this] { doc_->apply(pose::mirror(doc_->pose()), "Mirror pose"); });
  mirror->setShortcut(QKeySequence("Ctrl+M"));

  auto* view = menuBar()->addMenu("&View");
  auto* tools = addToolBar("Main");
  tools->setObjectName("main_toolbar");
  tools->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  tools->setIconSize(QSize(22, 22));
  open->setIcon(tool_icon("open"));
  save->setIcon(tool_icon("save"));
  undo->setIcon(tool_icon("undo"));
  redo->setIcon(tool_icon("redo"));
  reset_pose->setIcon(tool_icon("reset"));
  mirror->setIcon(tool_icon("mirror"));
  tools->addAction(open);
  tools->addAction(save);
  tools->addSeparator();
  tools->addAction(undo);
  tools->addAction(redo);
  tools->addSeparator();
  const std::pair<const char*, const char*> views[] = {
      {"Front", "front"}, {"Side", "side"}, {"Top", "top"}, {"Three-quarter", "three-quarter"}};
  int key = 1;
  for (const auto& [label, name] : views) {
    auto* a = view->addAction(tool_icon(name), label, this, [this, name = QString(name)] { viewport_->set_view(name); });
    a->setShortcut(QKeySequence(QString("Ctrl+%1").arg(key++)));
    tools->addAction(a);
  }
  view->addAction("&Coach (compare two photos)...", this, [this] { coach_view(); })->setShortcut(QKeySequence("Ctrl+Shift+C"));
  view->addSeparator();
  photo_behind_ = view->addAction("Reference &Photo Behind the Body");
  photo_behind_->setToolTip("The photo of the last pose applied from a photo, behind the body where its camera puts it");
  photo_behind_->setCheckable(true);
  photo_behind_->setChecked(true);
  photo_behind_->setEnabled(false);
  connect(photo_behind_, &QAction::toggled, this, [this](bool on) {
    viewport_->set_reference_photo(on ? reference_photo_ : QImage(), reference_scale_, reference_shift_);
    photo_camera_->setEnabled(viewport_->has_reference_photo());
  });
  photo_camera_ = view->addAction("&Look Through the Photo's Camera", this, [this] { viewport_->align_to_photo(); });
  photo_camera_->setShortcut(QKeySequence("Ctrl+Shift+P"));
  photo_camera_->setEnabled(false);
  view->addSeparator();
  auto* fit = view->addAction(tool_icon("fit"), "&Fit to View", this, [this] { viewport_->fit_to_view(); });
  fit->setShortcut(QKeySequence("F"));
  tools->addAction(fit);
  tools->addSeparator();
  tools->addAction(reset_pose);
  tools->addAction(mirror);

  auto* help = menuBar()->addMenu("&Help");
  help->addAction("&Controls", this, [this] {
    QMessageBox::information(this, "Controls",
                             "Left-drag a joint handle: rotate the joint (the Joint panel picks the axis)\n"
                             "Left-drag empty space: orbit   Right/middle or Shift+left drag: pan   Wheel: zoom\n"
                             "Esc while dragging: cancel the rotation\n"
                             "Ctrl+Z / Ctrl+Shift+Z: undo / redo   Ctrl+1..4: views   F: fit");
  });
  help->addAction("&About", this, [this] {
    QMessageBox::about(this, "UniPose Studio", "UniPose Studio: pose 3D humans with words, photos and hands.");
  });
}

void MainWindow::report_error(const QString& title, const QString& message) {
  last_error_ = message;
  status_->setText(title + ": " + message);
  if (!quiet_) QMessageBox::warning(this, title, message);
}

void MainWindow::open_pose(const QString& path, std::optional<int> frame) {
  const std::string file = path_string(path);
  tasks_->run("Opening " + QFileInfo(path).fileName(), [file](TaskContext&) { return pose::read_poses(file); },
              [this, path, frame](const pose::PoseSequence& seq) {
                int index = 0;
                const int n = static_cast<int>(seq.frames.size());
                if (frame) {
                  if (*frame < 0 || *frame >= n) {
                    report_error("Open pose", QString("%1: frame %2 does not exist (the file has %3)").arg(path).arg(*frame).arg(n));
                    return;
                  }
                  index = *frame;
                } else if (n > 1) {
                  bool ok = false;
                  index = QInputDialog::getInt(this, "Choose a frame",
                                               QString("%1 holds %2 frames. Open frame:").arg(QFileInfo(path).fileName()).arg(n),
                                               0, 0, n - 1, 1, &ok);
                  if (!ok) return;
                }
                doc_->apply(seq.frames[index], "Open " + QFileInfo(path).fileName());
                const bool single_file = n == 1 && !path.endsWith(".bvh", Qt::CaseInsensitive);
                doc_->set_file_path(single_file ? path : QString());
                if (single_file) doc_->mark_saved();
                add_recent(path);
                update_title();
              });
}

bool MainWindow::save_pose(const QString& path) {
  try {
    pose::write_pose(path_string(path), doc_->pose());
  } catch (const std::exception& e) {
    report_error("Save pose", e.what());
    return false;
  }
  const bool bvh = path.endsWith(".bvh", Qt::CaseInsensitive);
  doc_->set_file_path(bvh ? QString() : path);
  doc_->mark_saved();
  add_recent(path);
  update_title();
  status_->setText("Saved " + path);
  return true;
}

void MainWindow::load_body(const QString& spec) {
  const std::string s = path_string(spec);
  tasks_->run("Loading body model", [s](TaskContext&) { return std::shared_ptr<const body::BodyModel>(body::load_body_model(s)); },
              [this](std::shared_ptr<const body::BodyModel> model) { doc_->set_body(std::move(model)); });
}

void MainWindow::export_mesh(const QString& path, bool rigged) {
  const auto model = doc_->body_ptr();
  const pose::Pose p = doc_->pose();
  const std::string file = path_string(path);
  tasks_->run("Exporting " + QFileInfo(path).fileName(), [model, p, file, rigged](TaskContext&) {
    if (rigged) body::export_rigged_mesh(*model, p, file);
    else body::export_mesh(model->posed_mesh(p), file);
  }, [this, path] { status_->setText("Exported " + path); });
}

void MainWindow::export_openpose(const QString& path) {
  try {
    const std::string file = path_string(path);
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext != "json" && ext != "png") throw Error(file + ": an OpenPose export is .json (keypoints) or .png (the ControlNet picture)");
    const int w = std::max(64, viewport_->width()), h = std::max(64, viewport_->height());
    const pose::Pose p = doc_->pose();
    const auto camera = engine::openpose_view(doc_->body().posed_mesh(p), viewport_->view_angles().toStdString(), w, h);
    const bool png = ext == "png";
    const auto k = engine::openpose_keypoints(doc_->body(), p, camera, png ? engine::OpenPoseLayout::Coco18 : engine::OpenPoseLayout::Body25);
    if (png) image::write_image(file, engine::controlnet_pose_image(k, w, h));
    else io::write_file_atomic(file, engine::openpose_json(k, w, h));
    status_->setText("Exported " + path);
  } catch (const std::exception& e) {
    report_error("Export OpenPose", e.what());
  }
}

void MainWindow::export_bvh(const QString& path) {
  try {
    pose::write_bvh(path_string(path), {doc_->pose()}, 30.0, doc_->body().rest_joints());
    status_->setText("Exported " + path);
  } catch (const std::exception& e) {
    report_error("Export BVH", e.what());
  }
}

void MainWindow::add_recent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recentFiles").toStringList();
  recent.removeAll(QFileInfo(path).absoluteFilePath());
  recent.prepend(QFileInfo(path).absoluteFilePath());
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recentFiles", recent);
  rebuild_recent_menu();
}

void MainWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  const QStringList recent = QSettings().value("recentFiles").toStringList();
  for (const QString& path : recent)
    recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { if (maybe_save()) open_pose(path); })
        ->setToolTip(path);
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::update_title() {
  const QString name = doc_->file_path().isEmpty() ? "untitled" : QFileInfo(doc_->file_path()).fileName();
  setWindowTitle(QString("%1%2 - UniPose Studio").arg(name, doc_->is_modified() ? " *" : ""));
}

bool MainWindow::maybe_save() {
  if (!doc_->is_modified() || quiet_) return true;
  const auto answer = QMessageBox::question(this, "Unsaved changes", "The pose has unsaved changes. Save them first?",
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) {
    QString path = doc_->file_path();
    if (path.isEmpty()) path = QFileDialog::getSaveFileName(this, "Save pose", "pose.json", kPoseFilter);
    return !path.isEmpty() && save_pose(path);
  }
  return true;
}

QString MainWindow::autosave_path() const {
  const QByteArray dir = qgetenv("UNIPOSE_AUTOSAVE_DIR");
  const QString base = dir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) : QString(dir);
  return QDir(base).filePath("autosave.json");
}

void MainWindow::autosave() {
  if (!doc_->is_modified()) return;
  const QString path = autosave_path();
  QDir().mkpath(QFileInfo(path).absolutePath());
  try {
    pose::write_pose(path_string(path), doc_->pose());  // atomic
  } catch (const std::exception& e) {
    status_->setText(QString("Autosave failed: ") + e.what());
  }
}

void MainWindow::offer_autosave_restore() {
  const QString path = autosave_path();
  if (!QFileInfo::exists(path)) return;
  const QString when = QFileInfo(path).lastModified().toString("yyyy-MM-dd hh:mm");
  const auto answer = QMessageBox::question(
      this, "Restore autosaved pose",
      QString("UniPose Studio did not close normally. Restore the pose it autosaved at %1?").arg(when));
  if (answer == QMessageBox::Yes) {
    try {
      doc_->apply(pose::read_pose(path_string(path)), "Restore autosaved pose");
    } catch (const std::exception& e) {
      report_error("Restore autosave", e.what());
    }
  }
  QFile::remove(path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybe_save()) {
    event->ignore();
    return;
  }
  tasks_->cancel();
  QFile::remove(autosave_path());  // a clean exit leaves nothing to restore
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls()) {
    const QString path = url.toLocalFile();
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == "json" || ext == "npz" || ext == "bvh") {
      if (maybe_save()) open_pose(path);
      event->acceptProposedAction();
      return;
    }
    if (ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "webp" || ext == "bmp" || ext == "tif" || ext == "tiff") {
      open_photo(path);
      event->acceptProposedAction();
      return;
    }
  }
  report_error("Open", "Drop a pose file (.json, .npz or .bvh) or a photo (.jpg, .png, .webp, .bmp, .tif)");
}

void MainWindow::open_photo(const QString& path) {
  for (auto* dock : findChildren<QDockWidget*>())
    if (dock->objectName() == "photo_dock") dock->raise();
  photo_panel_->open_photo(path);
}

CoachView* MainWindow::coach_view() {
  if (!coach_) {
    coach_ = new CoachView(tasks_, engine_, photos_, this);
    connect(coach_, &CoachView::failed, this, [this](const QString& title, const QString& message) { report_error(title, message); });
  }
  coach_->show();
  coach_->raise();
  return coach_;
}

}  // namespace unipose::ui
