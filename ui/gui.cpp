#include "ui/gui.h"

#include <cstdio>
#include <cstdlib>

#include <QApplication>
#include <QLineEdit>
#include <QScreen>
#include <QTimer>
#include <QWindow>

#include "core/body/body_model.h"
#include "core/body/skeleton.h"
#include "ui/language_panel.h"
#include "ui/coach_view.h"
#include "ui/icons.h"
#include "ui/main_window.h"
#include "ui/photo_panel.h"
#include "ui/pose_document.h"
#include "ui/task_runner.h"
#include "ui/viewport.h"

namespace unipose::ui {

int run_gui(int argc, char** argv, const GuiOptions& options) {
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
      qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
    std::fprintf(stderr,
                 "error: no display to open the window on (DISPLAY is not set). Run on a desktop, or under "
                 "xvfb-run; the headless commands are listed by `unipose --help`.\n");
    return 1;
  }
  // Qt3D's OpenGL renderer gives upright captures and runs on Mesa's llvmpipe (ENVIRONMENT.md, item 4).
  if (qEnvironmentVariableIsEmpty("QT3D_RENDERER")) qputenv("QT3D_RENDERER", "opengl");
  QApplication app(argc, argv);
  QApplication::setOrganizationName("UniPose");
  QApplication::setApplicationName("UniPose Studio");
  QApplication::setDesktopFileName("io.unipose.Studio");
  QApplication::setWindowIcon(QIcon::fromTheme("io.unipose.Studio", app_icon()));

  std::shared_ptr<const body::BodyModel> body;
  try {
    body = body::load_body_model(options.body);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  MainWindow window(body);
  const bool screenshot = !options.screenshot.empty();
  window.set_quiet(screenshot);
  window.resize(options.width, options.height);
  window.show();
  if (!options.select.empty()) {
    const int joint = body::find_joint(options.select);
    if (joint < 0) {
      std::fprintf(stderr, "error: unknown joint '%s'\n", options.select.c_str());
      return 1;
    }
    window.document()->select_joint(joint);
  }
  if (!options.pose.empty()) {
    window.open_pose(QString::fromStdString(options.pose), 0);
    window.tasks()->wait_idle();
    if (screenshot && !window.last_error().isEmpty()) {
      std::fprintf(stderr, "error: %s\n", window.last_error().toLocal8Bit().constData());
      return 1;
    }
  }
  if (!options.instruction.empty()) {
    auto* box = window.language_panel()->instruction_box();
    box->setText(QString::fromStdString(options.instruction));
    Q_EMIT box->returnPressed();
    window.tasks()->wait_idle();
    if (screenshot && !window.last_error().isEmpty()) {
      std::fprintf(stderr, "error: %s\n", window.last_error().toLocal8Bit().constData());
      return 1;
    }
  }
  if (!options.photo.empty()) {
    window.open_photo(QString::fromStdString(options.photo));
    window.tasks()->wait_idle();
    if (!window.last_error().isEmpty() && screenshot) {
      std::fprintf(stderr, "error: %s\n", window.last_error().toLocal8Bit().constData());
      return 1;
    }
    std::printf("%s\n", window.photo_panel()->message().toLocal8Bit().constData());
    if (options.apply_photo && !window.photo_panel()->apply_person(0)) {
      std::fprintf(stderr, "error: %s: nobody to apply\n", options.photo.c_str());
      if (screenshot) return 1;
    }
    if (options.ask_model) {
      if (!window.photo_panel()->ask_model(QString::fromStdString(options.photo_hint))) {
        std::fprintf(stderr, "error: %s: the language model cannot read it now (busy, or no photo)\n", options.photo.c_str());
        if (screenshot) return 1;
      }
      window.tasks()->wait_idle();
      if (!window.last_error().isEmpty() && screenshot) {
        std::fprintf(stderr, "error: %s\n", window.last_error().toLocal8Bit().constData());
        return 1;
      }
      std::printf("%s\n", window.photo_panel()->message().toLocal8Bit().constData());
    }
  }
  CoachView* coach = nullptr;
  if (!options.coach.empty()) {
    coach = window.coach_view();
    for (std::size_t s = 0; s < options.coach.size() && s < 2; ++s) {
      coach->load(static_cast<int>(s), QString::fromStdString(options.coach[s]));
      window.tasks()->wait_idle();
    }
    window.tasks()->wait_idle();
    if (screenshot && !window.last_error().isEmpty()) {
      std::fprintf(stderr, "error: %s\n", window.last_error().toLocal8Bit().constData());
      return 1;
    }
  }
  const std::string view = !options.view.empty() ? options.view : options.apply_photo || options.ask_model ? "photo" : "three-quarter";
  if (view != "photo") {
    window.viewport()->set_view(QString::fromStdString(view));
  } else if (!window.viewport()->align_to_photo()) {
    std::fprintf(stderr, "error: --view photo needs a photo applied to the body (--photo P --apply-photo)\n");
    return 1;
  }
  if (!screenshot) {
    if (options.restore_autosave) QTimer::singleShot(0, &window, [&window] { window.offer_autosave_restore(); });
    return app.exec();
  }
  // Screenshot mode: let Qt3D render a few frames, grab what is shown (the coach window when it was asked
  // for, else the whole main window from the screen), save, quit.
  int status = 0;
  QTimer::singleShot(coach ? 1500 : 2500, &window, [&] {
    const QPixmap shot = coach ? coach->grab() : window.screen()->grabWindow(window.winId());
    if (shot.isNull() || !shot.save(QString::fromStdString(options.screenshot), "PNG")) {
      std::fprintf(stderr, "error: %s: cannot write the screenshot\n", options.screenshot.c_str());
      status = 1;
    } else {
      std::printf("wrote %s (%dx%d)\n", options.screenshot.c_str(), shot.width(), shot.height());
    }
    window.document()->mark_saved();
    if (coach) coach->close();
    window.close();
    app.quit();
  });
  app.exec();
  return status;
}

}  // namespace unipose::ui
