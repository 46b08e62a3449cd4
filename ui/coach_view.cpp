#include "ui/coach_view.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/engine/engine.h"
#include "core/error.h"
#include "ui/qt_image.h"
#include "core/io/files.h"
#include "core/pose/pose_io.h"
#include "ui/engine_service.h"
#include "ui/photo_panel.h"
#include "ui/report.h"
#include "ui/task_runner.h"

namespace unipose::ui {
namespace {

const char* kSlotFilter = "Photos and poses (*.jpg *.jpeg *.png *.webp *.bmp *.tif *.tiff *.json *.npz *.bvh)";

bool is_pose_file(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  return ext == "json" || ext == "npz" || ext == "bvh";
}

}  // namespace

CoachView::CoachView(TaskRunner* tasks, std::shared_ptr<EngineService> engine, std::shared_ptr<PhotoService> photos, QWidget* parent)
    : QWidget(parent, Qt::Window), tasks_(tasks), engine_(std::move(engine)), photos_(std::move(photos)) {
  setWindowTitle("UniPose Studio - Coach");
  auto* grid = new QGridLayout;
  for (int s = 0; s < 2; ++s) {
    auto* open = new QPushButton(s == 0 ? "Open A (athlete / before)..." : "Open B (model / after)...", this);
    connect(open, &QPushButton::clicked, this, [this, s] {
      const QString path = QFileDialog::getOpenFileName(this, s == 0 ? "Open A" : "Open B", QString(), kSlotFilter);
      if (!path.isEmpty()) load(s, path);
    });
    names_[s] = new QLabel(s == 0 ? "A: (empty)" : "B: (empty)", this);
    pictures_[s] = new QLabel(this);
    pictures_[s]->setMinimumSize(220, 180);
    pictures_[s]->setAlignment(Qt::AlignCenter);
    pictures_[s]->setText("a photo or a pose file");
    grid->addWidget(open, 0, s);
    grid->addWidget(names_[s], 1, s);
    grid->addWidget(pictures_[s], 2, s);
  }
  body_view_ = new QLabel(this);
  body_view_->setMinimumSize(440, 300);
  body_view_->setAlignment(Qt::AlignCenter);
  overlay_ = new QCheckBox("Overlay (both skeletons in one view)", this);
  connect(overlay_, &QCheckBox::toggled, this, [this] { redraw_bodies(); });
  yaw_ = new QSlider(Qt::Horizontal, this);
  yaw_->setRange(-180, 180);
  yaw_->setValue(30);
  yaw_->setToolTip("Turn the shared camera around the bodies");
  connect(yaw_, &QSlider::valueChanged, this, [this] { redraw_bodies(); });
  auto* swap_button = new QPushButton("Swap A and B", this);
  connect(swap_button, &QPushButton::clicked, this, &CoachView::swap);
  auto* pdf = new QPushButton("Export Report (PDF)...", this);
  connect(pdf, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export report", "comparison.pdf", "PDF (*.pdf)");
    if (!path.isEmpty()) export_pdf(path);
  });
  auto* csv = new QPushButton("Export Angles (CSV)...", this);
  connect(csv, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export angles", "angles.csv", "CSV (*.csv)");
    if (!path.isEmpty()) export_csv(path);
  });
  table_ = new QTableWidget(0, 4, this);
  table_->setHorizontalHeaderLabels({"Joint angle", "A", "B", "B - A"});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  words_ = new QLabel("Open A and B to compare them.", this);
  words_->setWordWrap(true);
  words_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* camera_row = new QHBoxLayout;
  camera_row->addWidget(new QLabel("Camera", this));
  camera_row->addWidget(yaw_, 1);
  camera_row->addWidget(overlay_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(swap_button);
  buttons->addStretch(1);
  buttons->addWidget(csv);
  buttons->addWidget(pdf);
  auto* right = new QVBoxLayout;
  right->addWidget(table_, 1);
  right->addWidget(new QLabel("From A to B, in words:", this));
  right->addWidget(words_);
  auto* left = new QVBoxLayout;
  left->addLayout(grid);
  left->addWidget(body_view_, 1);
  left->addLayout(camera_row);
  auto* top = new QHBoxLayout;
  top->addLayout(left, 3);
  top->addLayout(right, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top, 1);
  layout->addLayout(buttons);
  resize(1280, 820);
}

void CoachView::load(int slot, const QString& path) {
  if (slot < 0 || slot > 1) return;
  const std::string file = path.toStdString();
  const QString name = QFileInfo(path).fileName();
  const bool pose_file = is_pose_file(path);
  auto service = photos_;
  struct Loaded {
    pose::Pose pose;
    image::Image overlay;
  };
  const bool started = tasks_->run(
      "Reading " + name,
      [service, file, pose_file](TaskContext&) {
        Loaded l;
        if (pose_file) {
          l.pose = pose::read_pose(file);
          return l;
        }
        const image::Image picture = image::read_image(file);
        engine::PhotoEstimate e;
        try {
          e = service->photos().estimate(picture, 0, true);
        } catch (const Error& err) {
          fail(file, err.what());
        }
        l.pose = e.pose;
        l.overlay = engine::draw_overlay(picture, e.person, &e.projected);
        return l;
      },
      [this, slot, name](Loaded l) {
        slots_[slot].name = name;
        slots_[slot].pose = l.pose;
        slots_[slot].overlay = std::move(l.overlay);
        show_slot(slot);
        refresh();
      });
  if (!started) Q_EMIT failed("Open", "Busy with another task; try again when it has finished");
}

void CoachView::show_slot(int s) {
  const char* letter = s == 0 ? "A" : "B";
  names_[s]->setText(QString("%1: %2").arg(letter, slots_[s].name.isEmpty() ? "(empty)" : slots_[s].name));
  if (!slots_[s].overlay.empty())
    pictures_[s]->setPixmap(to_pixmap(slots_[s].overlay).scaled(pictures_[s]->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
  else {
    pictures_[s]->setPixmap(QPixmap());
    pictures_[s]->setText(slots_[s].pose ? "(a pose file)" : "a photo or a pose file");
  }
}

void CoachView::swap() {
  std::swap(slots_[0], slots_[1]);
  show_slot(0);
  show_slot(1);
  refresh();
}

void CoachView::set_overlay(bool overlay) { overlay_->setChecked(overlay); }

QString CoachView::words() const { return words_->text(); }

int CoachView::table_rows() const { return table_->rowCount(); }

void CoachView::redraw_bodies() {
  if (!has(0) || !has(1)) return;
  const int w = std::max(320, body_view_->width()), h = std::max(240, body_view_->height());
  bodies_ = engine::render_pair_view(*slots_[0].pose, *slots_[1].pose, std::to_string(yaw_->value()) + ",8", w, h, overlay_->isChecked());
  body_view_->setPixmap(to_pixmap(bodies_));
}

void CoachView::refresh() {
  table_->setRowCount(0);
  angles_.clear();
  if (!has(0) || !has(1)) return;
  angles_ = engine::compare_angles(*slots_[0].pose, *slots_[1].pose);
  table_->setRowCount(static_cast<int>(angles_.size()));
  for (int r = 0; r < static_cast<int>(angles_.size()); ++r) {
    const auto& a = angles_[r];
    const QStringList cells = {QString::fromStdString(a.name), QString::number(a.a, 'f', 1), QString::number(a.b, 'f', 1),
                               QString::asprintf("%+.1f", a.difference)};
    for (int c = 0; c < 4; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (a.notable) {
        item->setBackground(QColor(255, 226, 180));
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
      }
      table_->setItem(r, c, item);
    }
  }
  redraw_bodies();
  words_->setText("Working out the words...");
  const pose::Pose a = *slots_[0].pose, b = *slots_[1].pose;
  auto engine = engine_;
  const bool started = tasks_->run(
      "Saying how A becomes B", [engine, a, b](TaskContext&) { return engine->engine().diff(a, b); },
      [this](engine::Result r) {
        words_text_ = QString::fromStdString(r.text);
        words_note_.clear();
        if (r.consistency >= 0)
          words_note_ = QString("These words fit the change better than %1% of the descriptions of similar changes%2")
                            .arg(static_cast<int>(std::lround(100 * r.consistency)))
                            .arg(r.consistency < engine::kDoubtfulConsistency ? " - doubtful: other words fit it as well." : ".");
        words_->setText(words_text_ + (words_note_.isEmpty() ? QString() : "\n(" + words_note_ + ")"));
      });
  if (!started) words_->setText("(busy: the words come when the current task has finished; reopen A or B)");
}

bool CoachView::export_csv(const QString& path) {
  if (angles_.empty()) {
    Q_EMIT failed("Export angles", "Open both A and B first");
    return false;
  }
  try {
    io::write_file_atomic(path.toStdString(), engine::angles_csv(angles_));
  } catch (const std::exception& e) {
    Q_EMIT failed("Export angles", e.what());
    return false;
  }
  return true;
}

bool CoachView::export_pdf(const QString& path) {
  if (angles_.empty()) {
    Q_EMIT failed("Export report", "Open both A and B first");
    return false;
  }
  CompareReport r;
  r.label_a = slots_[0].name.toStdString();
  r.label_b = slots_[1].name.toStdString();
  r.photo_a = slots_[0].overlay;
  r.photo_b = slots_[1].overlay;
  const std::string view = std::to_string(yaw_->value()) + ",8";
  try {
    r.body_a = engine::render_body_view(*slots_[0].pose, view, 480, 480, {0.95, 0.55, 0.2});
    r.body_b = engine::render_body_view(*slots_[1].pose, view, 480, 480, {0.25, 0.5, 0.95});
    r.angles = angles_;
    r.words = words_text_.toStdString();
    r.words_note = words_note_.toStdString();
    write_compare_pdf(path.toStdString(), r);
  } catch (const std::exception& e) {
    Q_EMIT failed("Export report", e.what());
    return false;
  }
  return true;
}

}  // namespace unipose::ui
