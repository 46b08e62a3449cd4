#include "ui/language_panel.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/engine/engine.h"
#include "core/pose/pose_io.h"
#include "ui/engine_service.h"
#include "ui/pose_document.h"
#include "ui/strings.h"
#include "ui/task_runner.h"

namespace unipose::ui {
namespace {
QString shorten(const QString& s, int n = 40) { return s.size() <= n ? s : s.left(n - 1) + QString::fromUtf8("\u2026"); }

// How well the words fit what they describe, so that a wrong sentence is not shown as fact.
QString fit_note(const engine::Result& r, const QString& what) {
  QString measured;
  for (const auto& c : r.contradictions) measured += QString("\n\u26A0 Measured otherwise: %1.").arg(QString::fromStdString(c));
  if (!measured.isEmpty()) measured = "\n" + measured;
  if (r.consistency < 0) return measured;
  const QString fit = QString("\n\n(Fits this %1 better than %2% of the descriptions of similar %1s.)").arg(what).arg(r.consistency * 100, 0, 'f', 0);
  if (r.consistency >= engine::kDoubtfulConsistency) return measured + fit;
  return measured + QString("\n\n\u26A0 This may not be what the %1 shows: other words fit it as well.").arg(what) + fit;
}
}  // namespace

LanguagePanel::LanguagePanel(PoseDocument* doc, TaskRunner* tasks, std::shared_ptr<EngineService> engine, QWidget* parent)
    : QWidget(parent), doc_(doc), tasks_(tasks), engine_(std::move(engine)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(new QLabel("Instruction (Enter applies it):", this));
  instruction_ = new QLineEdit(this);
  instruction_->setObjectName("instruction_box");
  instruction_->setPlaceholderText("raise your left arm above your head");
  instruction_->setClearButtonEnabled(true);
  layout->addWidget(instruction_);
  layout->addWidget(new QLabel("Generate from a description:", this));
  description_ = new QLineEdit(this);
  description_->setPlaceholderText("a person squats with both arms forward");
  layout->addWidget(description_);
  auto* row = new QHBoxLayout();
  generate_ = new QPushButton("Generate", this);
  describe_ = new QPushButton("Describe pose", this);
  compare_ = new QPushButton("Compare with...", this);
  generate_->setToolTip("Replace the pose by one generated from the description (undoable)");
  describe_->setToolTip("Describe the current pose in words");
  compare_->setToolTip("Say what to change to get from the current pose to a saved one");
  row->addWidget(generate_);
  row->addWidget(describe_);
  row->addWidget(compare_);
  layout->addLayout(row);
  output_ = new QPlainTextEdit(this);
  output_->setReadOnly(true);
  output_->setPlaceholderText("Descriptions and comparisons appear here.");
  output_->setMinimumHeight(48);
  layout->addWidget(output_, 1);

  connect(instruction_, &QLineEdit::returnPressed, this, [this] { apply_instruction(instruction_->text()); });
  connect(description_, &QLineEdit::returnPressed, this, [this] { generate(description_->text()); });
  connect(generate_, &QPushButton::clicked, this, [this] { generate(description_->text()); });
  connect(describe_, &QPushButton::clicked, this, [this] { describe(); });
  connect(compare_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Compare with a saved pose", QString(), "Pose files (*.json *.npz *.bvh)");
    if (!path.isEmpty()) compare_with(path);
  });
  connect(tasks_, &TaskRunner::started, this, [this] { set_busy(true); });
  connect(tasks_, &TaskRunner::finished, this, [this] { set_busy(false); });
  connect(tasks_, &TaskRunner::failed, this, [this] { set_busy(false); });
  connect(tasks_, &TaskRunner::cancelled, this, [this] { set_busy(false); });
}

LanguagePanel::~LanguagePanel() = default;

QString LanguagePanel::output() const { return output_->toPlainText(); }

void LanguagePanel::set_busy(bool busy) {
  for (QWidget* w : std::initializer_list<QWidget*>{instruction_, description_, generate_, describe_, compare_}) w->setEnabled(!busy);
}

void LanguagePanel::apply_instruction(const QString& instruction) {
  const QString text = instruction.trimmed();
  if (text.isEmpty()) return;
  const pose::Pose current = doc_->pose();
  const std::string t = utf8(text);
  tasks_->run("Applying \"" + shorten(text) + "\"", [engine = engine_, current, t](TaskContext&) { return engine->engine().edit(current, t); },
              [this, text](const engine::Result& r) {
                doc_->apply(*r.pose, text);
                instruction_->clear();
                output_->setPlainText(QString("Applied \"%1\" (%2 ms).").arg(text).arg(r.milliseconds, 0, 'f', 0) +
                                      (r.warning.empty() ? QString() : "\nNote: " + QString::fromStdString(r.warning)) +
                                      (r.note.empty() ? QString() : "\n(" + QString::fromStdString(r.note) + ")"));
              });
}

void LanguagePanel::generate(const QString& description) {
  const QString text = description.trimmed();
  if (text.isEmpty()) {
    Q_EMIT failed("Generate", "Type a description of the pose first.");
    return;
  }
  const std::string t = utf8(text);
  tasks_->run("Generating \"" + shorten(text) + "\"", [engine = engine_, t](TaskContext&) { return engine->engine().generate(t); },
              [this, text](const engine::Result& r) {
                doc_->apply(*r.pose, "Generate: " + shorten(text));
                output_->setPlainText(QString("Generated \"%1\" (%2 ms).").arg(text).arg(r.milliseconds, 0, 'f', 0) +
                                      (r.warning.empty() ? QString() : "\nNote: " + QString::fromStdString(r.warning)) +
                                      (r.note.empty() ? QString() : "\n(" + QString::fromStdString(r.note) + ")"));
              });
}

void LanguagePanel::describe() {
  const pose::Pose current = doc_->pose();
  tasks_->run("Describing the pose", [engine = engine_, current](TaskContext&) { return engine->engine().describe(current); },
              [this](const engine::Result& r) { output_->setPlainText(QString::fromStdString(r.text) + fit_note(r, "pose")); });
}

void LanguagePanel::compare_with(const QString& path) {
  const pose::Pose current = doc_->pose();
  const std::string file = path_string(path);
  const QString name = QFileInfo(path).fileName();
  tasks_->run("Comparing with " + name,
              [engine = engine_, current, file](TaskContext&) { return engine->engine().diff(current, pose::read_pose(file)); },
              [this, name](const engine::Result& r) {
                output_->setPlainText(QString("From this pose to %1:\n%2").arg(name, QString::fromStdString(r.text)) + fit_note(r, "change"));
              });
}

}  // namespace unipose::ui
