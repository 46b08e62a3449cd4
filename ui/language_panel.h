// The "Words" dock: type an instruction and press Enter to change the pose ("raise your left arm above your
// head"; one undoable step named by the instruction), generate a pose from a description, describe the
// current pose, and compare it with a saved pose (what to change to get from one to the other). Model calls
// run on the worker thread through the window's engine service (which loads the model on first use).
#pragma once

#include <memory>

#include <QString>
#include <QWidget>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace unipose::ui {

class EngineService;
class PoseDocument;
class TaskRunner;

class LanguagePanel : public QWidget {
  Q_OBJECT

 public:
  LanguagePanel(PoseDocument* doc, TaskRunner* tasks, std::shared_ptr<EngineService> engine, QWidget* parent = nullptr);
  ~LanguagePanel() override;

  // What the buttons and the Enter key do (public for tests and menus).
  void apply_instruction(const QString& instruction);
  void generate(const QString& description);
  void describe();
  void compare_with(const QString& pose_file);

  QLineEdit* instruction_box() const { return instruction_; }
  QString output() const;

 Q_SIGNALS:
  void failed(const QString& title, const QString& message);

 private:
  void set_busy(bool busy);

  PoseDocument* doc_;
  TaskRunner* tasks_;
  std::shared_ptr<EngineService> engine_;
  QLineEdit* instruction_ = nullptr;
  QLineEdit* description_ = nullptr;
  QPlainTextEdit* output_ = nullptr;
  QPushButton* generate_ = nullptr;
  QPushButton* describe_ = nullptr;
  QPushButton* compare_ = nullptr;
};

}  // namespace unipose::ui
