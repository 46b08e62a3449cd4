#include "ui/photo_panel.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPixmap>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/engine/engine.h"
#include "core/error.h"
#include "ui/engine_service.h"
#include "ui/qt_image.h"
#include "ui/pose_document.h"
#include "ui/task_runner.h"

namespace unipose::ui {

engine::PhotoEngine& PhotoService::photos() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!engine_) engine_ = std::make_unique<engine::PhotoEngine>(engine::PhotoEngine::default_detector(), engine::PhotoEngine::default_landmarks());
  return *engine_;
}

namespace {

const char* kPhotoFilter = "Photos (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff)";

// The weak camera (least squares) that takes the body's joints, posed by the document's body model, to where
// the fit put them in the picture: picture = scale * (x, -y) + shift. Solved again rather than taken from the
// fit because the body may have another shape (SMPL) than the fit's skeleton. Scale 0 when the joints do not say.
std::pair<double, QPointF> weak_camera(const body::JointPositions& joints, const std::array<std::array<double, 2>, 22>& projected) {
  double px = 0, py = 0, qx = 0, qy = 0;
  constexpr int n = 22;
  for (int j = 0; j < n; ++j) {
    px += joints[j].x() / n;
    py += -joints[j].y() / n;
    qx += projected[j][0] / n;
    qy += projected[j][1] / n;
  }
  double num = 0, den = 0;
  for (int j = 0; j < n; ++j) {
    const double ax = joints[j].x() - px, ay = -joints[j].y() - py;
    num += ax * (projected[j][0] - qx) + ay * (projected[j][1] - qy);
    den += ax * ax + ay * ay;
  }
  const double scale = den > 1e-12 ? num / den : 0;
  return {scale > 0 && std::isfinite(scale) ? scale : 0, QPointF(qx - scale * px, qy - scale * py)};
}

}  // namespace

PhotoPanel::PhotoPanel(PoseDocument* doc, TaskRunner* tasks, std::shared_ptr<PhotoService> photos, std::shared_ptr<EngineService> words,
                       QWidget* parent)
    : QWidget(parent), doc_(doc), tasks_(tasks), photos_(std::move(photos)), words_(std::move(words)) {
  auto* open = new QPushButton("Open Photo...", this);
  open->setToolTip("A reference photo: the body takes the pose of the person in it");
  connect(open, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open photo", QString(), kPhotoFilter);
    if (!path.isEmpty()) open_photo(path);
  });
  picture_ = new QLabel(this);
  picture_->setAlignment(Qt::AlignCenter);
  picture_->setMinimumSize(160, 60);
  picture_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);  // the pixmap follows the panel, not the other way round
  picture_->setText("Open or drop a photo of a person");
  picture_->installEventFilter(this);
  person_ = new QComboBox(this);
  person_->setEnabled(false);
  connect(person_, &QComboBox::currentIndexChanged, this, [this] {
    model_note_.clear();
    model_joints_.reset();
    redraw();
  });
  apply_ = new QPushButton("Apply to the Body", this);
  apply_->setEnabled(false);
  apply_->setToolTip("Set the body to this person's pose (one step: Edit > Undo takes it back)");
  connect(apply_, &QPushButton::clicked, this, [this] { apply_person(selected()); });
  hint_ = new QLineEdit(this);
  hint_->setPlaceholderText("Hint for the language model (optional): \"the left arm is behind the back\"");
  hint_->setMaxLength(300);
  ask_ = new QPushButton("Ask the Language Model", this);
  ask_->setEnabled(false);
  ask_->setToolTip("The language model reads the photo (the largest person) and sets the body to its pose; it also describes the "
                   "photo. The fit (Apply) measures better on real photos so far.");
  connect(ask_, &QPushButton::clicked, this, [this] { ask_model(hint_->text()); });
  connect(hint_, &QLineEdit::returnPressed, this, [this] { ask_model(hint_->text()); });
  info_ = new QLabel(this);
  info_->setWordWrap(true);
  auto* row = new QHBoxLayout;
  row->addWidget(person_, 1);
  row->addWidget(apply_);
  auto* model_row = new QHBoxLayout;
  model_row->addWidget(hint_, 1);
  model_row->addWidget(ask_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(open);
  layout->addWidget(picture_, 1);
  layout->addLayout(row);
  layout->addLayout(model_row);
  layout->addWidget(info_);
}

void PhotoPanel::open_photo(const QString& path) {
  const std::string file = path.toStdString();
  const QString name = QFileInfo(path).fileName();
  auto service = photos_;
  struct Found {
    image::Image photo;
    std::vector<engine::PhotoEstimate> estimates;
  };
  const bool started = tasks_->run(
      "Finding people in " + name,
      [service, file](TaskContext& c) {
        Found f;
        f.photo = image::read_image(file);
        c.set_progress(0.1);
        // Everyone, small people included (a reference photo is often a wide shot).
        f.estimates = service->photos().estimate_all(f.photo, true);
        return f;
      },
      [this, name](Found f) {
        name_ = name;
        model_note_.clear();
        model_joints_.reset();
        photo_ = std::move(f.photo);
        estimates_ = std::move(f.estimates);
        person_->blockSignals(true);
        person_->clear();
        for (std::size_t i = 0; i < estimates_.size(); ++i)
          person_->addItem(i == 0 ? QString("Person 1 (largest)") : QString("Person %1").arg(i + 1));
        person_->blockSignals(false);
        person_->setEnabled(estimates_.size() > 1);
        apply_->setEnabled(!estimates_.empty());
        ask_->setEnabled(true);
        redraw();
      });
  if (!started) Q_EMIT failed("Open photo", "Busy with another task; try again when it has finished");
}

int PhotoPanel::selected() const { return person_->currentIndex(); }

void PhotoPanel::select_person(int index) {
  if (index >= 0 && index < person_->count()) person_->setCurrentIndex(index);
}

QString PhotoPanel::message() const { return info_->text(); }

bool PhotoPanel::apply_person(int index) {
  if (index < 0 || index >= people()) return false;
  const auto& e = estimates_[index];
  doc_->apply(e.pose, "Pose from " + name_ + (people() > 1 ? QString(" (person %1)").arg(index + 1) : QString()));
  const auto [scale, shift] = weak_camera(doc_->body().posed_joints(e.pose), e.projected);
  Q_EMIT applied(to_qimage(photo_), scale, shift);
  model_note_.clear();  // the body now holds the fit's pose: the panel shows the fit again
  model_joints_.reset();
  redraw();
  info_->setText(QString("Applied person %1 of %2. Edit > Undo takes it back.").arg(index + 1).arg(name_));
  return true;
}

bool PhotoPanel::ask_model(const QString& hint) {
  if (photo_.empty() || !words_) return false;
  struct Read {
    pose::Pose pose;
    std::string words;
  };
  auto service = words_;
  const image::Image photo = photo_;
  const std::string hint_text = hint.trimmed().toStdString();
  const bool started = tasks_->run(
      "The language model reads " + name_,
      [service, photo, hint_text](TaskContext& c) {
        auto& e = service->engine();
        c.set_progress(0.2);
        auto answer = e.read_image(photo, hint_text);
        return Read{*answer.pose, answer.text};
      },
      [this, hint_text](Read r) {
        // Turned as the largest person (the one the visual branch reads) stands to the camera, and laid over them.
        std::optional<engine::Placement> on_photo;
        if (!estimates_.empty()) on_photo = engine::place_in_picture(r.pose, estimates_.front().person);
        const pose::Pose& p = on_photo ? on_photo->turned : r.pose;
        doc_->apply(p, "Pose from " + name_ + " (language model)");
        QString placed;
        if (on_photo) {
          const auto [scale, shift] = weak_camera(doc_->body().posed_joints(p), on_photo->joints);
          Q_EMIT applied(to_qimage(photo_), scale, shift);
          placed = QString(" Laid over the largest person, %1 px from the landmarks.").arg(on_photo->reprojection_px, 0, 'f', 1);
        }
        model_note_ = QString("Language model%1: \"%2\"%3 Edit > Undo takes the pose back.")
                          .arg(hint_text.empty() ? QString() : " (its pose with the hint)")
                          .arg(QString::fromStdString(r.words))
                          .arg(placed);
        if (on_photo) model_joints_ = on_photo->joints;
        redraw();
      });
  if (!started) Q_EMIT failed("Ask the language model", "Busy with another task; try again when it has finished");
  return started;
}

void PhotoPanel::redraw() {
  if (photo_.empty()) return;
  const int s = selected();
  QString fit_note;
  if (estimates_.empty()) {
    shown_ = photo_;
    fit_note = "No person found in " + name_ + ". Try a photo where the whole body is visible.";
  } else {
    const auto& e = estimates_[std::clamp(s, 0, people() - 1)];
    // After "Ask the Language Model": its pose laid over the largest person; else the selected person's fit.
    shown_ = model_joints_ ? engine::draw_overlay(photo_, estimates_.front().person, &*model_joints_) : engine::draw_overlay(photo_, e.person, &e.projected);
    // The others' boxes, thin and grey, so they can be clicked.
    for (int i = 0; i < people(); ++i) {
      if (i == s) continue;
      const auto& b = estimates_[i].person.box;
      const std::array<std::uint8_t, 3> grey{200, 200, 200};
      image::draw_line(shown_, b[0], b[1], b[2], b[1], grey, 1);
      image::draw_line(shown_, b[2], b[1], b[2], b[3], grey, 1);
      image::draw_line(shown_, b[2], b[3], b[0], b[3], grey, 1);
      image::draw_line(shown_, b[0], b[3], b[0], b[1], grey, 1);
    }
    fit_note = QString("%1: %2 %3 found; showing person %4 (fit within %5 px of the landmarks).")
                   .arg(name_)
                   .arg(people())
                   .arg(people() == 1 ? "person" : "people")
                   .arg(s + 1)
                   .arg(e.reprojection_px, 0, 'f', 1);
  }
  info_->setText(model_note_.isEmpty() ? fit_note : model_note_);
  const QPixmap pm = to_pixmap(shown_);
  picture_->setPixmap(pm.scaled(picture_->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

void PhotoPanel::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  redraw();
}

bool PhotoPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == picture_ && event->type() == QEvent::MouseButtonPress && !photo_.empty() && people() > 1) {
    // The click in photo pixels (the picture is scaled to fit and centred in the label).
    const auto* me = static_cast<QMouseEvent*>(event);
    const double scale = std::min(static_cast<double>(picture_->width()) / photo_.width, static_cast<double>(picture_->height()) / photo_.height);
    const double ox = (picture_->width() - photo_.width * scale) / 2, oy = (picture_->height() - photo_.height * scale) / 2;
    const double x = (me->position().x() - ox) / scale, y = (me->position().y() - oy) / scale;
    int best = -1;
    double best_area = 1e300;
    for (int i = 0; i < people(); ++i) {
      const auto& b = estimates_[i].person.box;
      if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3] && (b[2] - b[0]) * (b[3] - b[1]) < best_area) {
        best = i;
        best_area = (b[2] - b[0]) * (b[3] - b[1]);
      }
    }
    if (best >= 0) select_person(best);
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace unipose::ui
