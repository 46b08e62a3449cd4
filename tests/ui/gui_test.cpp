// The desktop application driven as a person would: mouse on the 3D view, fields in the joint panel, undo
// and redo, files, screenshots. Runs under Xvfb (see tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include "core/text/wordnet.h"
#include <sys/wait.h>

#include <cmath>
#include <cstdint>
#include <iostream>

#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QMimeData>
#include <QScreen>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUrl>
#include <QWindow>

#include <nlohmann/json.hpp>

#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/engine/engine.h"
#include "core/pose/pose_io.h"
#include "ui/coach_view.h"
#include "ui/joint_panel.h"
#include "ui/language_panel.h"
#include "ui/main_window.h"
#include "ui/photo_panel.h"
#include "ui/pose_document.h"
#include "ui/task_runner.h"
#include "ui/viewport.h"

namespace unipose::ui {
namespace {

using body::kLeftElbow;
using body::kLeftKnee;
using body::kLeftShoulder;
using body::kRightShoulder;

std::string sample(const std::string& name) { return std::string(UNIPOSE_SOURCE_DIR) + "/resources/poses/" + name; }

class Gui : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.isValid());
    qputenv("UNIPOSE_AUTOSAVE_DIR", dir_.path().toLocal8Bit());
    window_ = std::make_unique<MainWindow>(body::make_mannequin());
    window_->set_quiet(true);
    window_->resize(1280, 800);
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_->viewport()->render_window()));
    window_->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
    window_->viewport()->set_view("front");
    QTest::qWait(200);
  }
  void TearDown() override {
    window_->document()->mark_saved();
    window_->close();
    window_.reset();
  }

  PoseDocument* doc() { return window_->document(); }
  QWindow* view() { return window_->viewport()->render_window(); }

  // Picture of the 3D view only, as the screen shows it.
  // Waits until Qt3D has rendered the latest change: two grabs 300 ms apart agree (at most 10 s).
  QImage grab_view() {
    const QPoint origin = window_->viewport()->mapTo(window_.get(), QPoint(0, 0));
    auto grab = [&] {
      return window_->screen()->grabWindow(window_->winId()).toImage().copy(QRect(origin, window_->viewport()->size()));
    };
    QTest::qWait(300);
    QImage last = grab();
    for (int i = 0; i < 33; ++i) {
      QTest::qWait(300);
      QImage now = grab();
      if (now == last) return now;
      last = now;
    }
    return last;
  }

  QTemporaryDir dir_;
  std::unique_ptr<MainWindow> window_;
};

// Pixels of the body's colour (warm, light), as opposed to the grey background, floor and yellow handles.
struct BodyPixels {
  int count = 0;
  double cx = 0, cy = 0;
};
BodyPixels body_pixels(const QImage& img) {
  BodyPixels b;
  for (int y = 0; y < img.height(); ++y)
    for (int x = 0; x < img.width(); ++x) {
      const QColor c = img.pixelColor(x, y);
      if (c.red() > 90 && c.red() > c.green() + 8 && c.green() > c.blue() + 8 && c.red() - c.blue() < 150) {
        ++b.count;
        b.cx += x;
        b.cy += y;
      }
    }
  if (b.count > 0) {
    b.cx /= b.count;
    b.cy /= b.count;
  }
  return b;
}

TEST_F(Gui, BodyIsVisibleCentredAndPosesLookDifferent) {
  const QImage t_pose = grab_view();
  const BodyPixels b = body_pixels(t_pose);
  EXPECT_GT(b.count, t_pose.width() * t_pose.height() / 50) << "the body covers at least 2% of the view";
  EXPECT_NEAR(b.cx / t_pose.width(), 0.5, 0.1);
  EXPECT_NEAR(b.cy / t_pose.height(), 0.5, 0.15);
  window_->open_pose(QString::fromStdString(sample("sitting.json")));
  window_->tasks()->wait_idle();
  const QImage sitting = grab_view();
  ASSERT_EQ(sitting.size(), t_pose.size());
  int differing = 0;
  for (int y = 0; y < sitting.height(); ++y)
    for (int x = 0; x < sitting.width(); ++x) differing += sitting.pixel(x, y) != t_pose.pixel(x, y);
  EXPECT_GT(differing, sitting.width() * sitting.height() / 100);
}

TEST_F(Gui, ClickSelectsAJointAndDraggingRotatesItWithUndoRedo) {
  auto* vp = window_->viewport();
  const QPoint elbow = vp->joint_screen_position(kLeftElbow).toPoint();
  EXPECT_EQ(vp->pick_joint(elbow), kLeftElbow);
  QTest::mousePress(view(), Qt::LeftButton, Qt::NoModifier, elbow);
  EXPECT_EQ(doc()->selected_joint(), kLeftElbow);
  QTest::mouseMove(view(), elbow + QPoint(0, 40));
  QTest::mouseMove(view(), elbow + QPoint(0, 80));
  QTest::mouseRelease(view(), Qt::LeftButton, Qt::NoModifier, elbow + QPoint(0, 80));
  const pose::Pose rotated = doc()->pose();
  EXPECT_GT(rotated.rotations[kLeftElbow].norm(), 0.3);
  for (int j = 0; j < body::kNumJoints; ++j)
    if (j != kLeftElbow) EXPECT_EQ(rotated.rotations[j].norm(), 0.0) << body::kJointNames[j];
  ASSERT_EQ(doc()->undo_stack()->count(), 1);
  EXPECT_EQ(doc()->undo_stack()->text(0), "Rotate left elbow");
  EXPECT_TRUE(doc()->is_modified());
  doc()->undo_stack()->undo();
  EXPECT_EQ(doc()->pose().rotations[kLeftElbow].norm(), 0.0);
  doc()->undo_stack()->redo();
  EXPECT_EQ(doc()->pose().rotations[kLeftElbow], rotated.rotations[kLeftElbow]);
  // The keyboard shortcuts do the same.
  QTest::keyClick(window_.get(), Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(doc()->pose().rotations[kLeftElbow].norm(), 0.0);
  QTest::keyClick(window_.get(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_EQ(doc()->pose().rotations[kLeftElbow], rotated.rotations[kLeftElbow]);
}

TEST_F(Gui, DraggingEmptySpaceOrbitsWithoutTouchingThePose) {
  QTest::mousePress(view(), Qt::LeftButton, Qt::NoModifier, QPoint(20, 20));
  QTest::mouseMove(view(), QPoint(120, 40));
  QTest::mouseRelease(view(), Qt::LeftButton, Qt::NoModifier, QPoint(120, 40));
  EXPECT_EQ(doc()->undo_stack()->count(), 0);
  EXPECT_EQ(doc()->pose(), pose::Pose());
  // The joints moved on screen because the camera turned.
  EXPECT_EQ(window_->viewport()->pick_joint(QPointF(-100, -100)), -1);
}

TEST_F(Gui, FieldsEditTheSelectedJointWithinLimitsAndSymmetry) {
  doc()->select_joint(kLeftKnee);
  auto* panel = window_->joint_panel();
  panel->set_angle(0, -60);  // a knee bent forwards: beyond the anatomical limit
  EXPECT_NEAR(panel->angle(0), -8.6, 0.1);
  panel->set_angle(0, 80);
  EXPECT_NEAR(doc()->pose().rotations[kLeftKnee].x(), 80 * M_PI / 180, 1e-6);
  EXPECT_EQ(doc()->undo_stack()->count(), 1) << "consecutive edits of one field are one undo step";
  doc()->set_limits_enabled(false);
  panel->set_angle(0, -60);
  EXPECT_NEAR(doc()->pose().rotations[kLeftKnee].x(), -60 * M_PI / 180, 1e-6);
  doc()->set_symmetry_enabled(true);
  doc()->select_joint(kLeftShoulder);
  panel->set_angle(2, -70);
  const auto& r = doc()->pose().rotations;
  EXPECT_NEAR(r[kRightShoulder].z(), -r[kLeftShoulder].z(), 1e-12);
  EXPECT_NEAR(r[kLeftShoulder].z(), -70 * M_PI / 180, 1e-6);
}

TEST_F(Gui, OpenSaveAndBadFiles) {
  window_->open_pose(QString::fromStdString(sample("walking.json")));
  window_->tasks()->wait_idle();
  EXPECT_EQ(doc()->pose(), pose::read_pose(sample("walking.json")));
  EXPECT_FALSE(doc()->is_modified());
  const QString out = dir_.filePath("saved.npz");
  ASSERT_TRUE(window_->save_pose(out));
  EXPECT_LT(pose::max_rotation_difference(pose::read_pose(out.toStdString()), doc()->pose()), 1e-12);
  window_->open_pose("/usr/share/assimp/models/BVH/01_01.bvh", 500);
  window_->tasks()->wait_idle();
  EXPECT_GT(doc()->pose().rotations[kLeftShoulder].norm(), 0.1);
  const QString bad = dir_.filePath("bad.json");
  QFile f(bad);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("{\"format\": \"unipose.pose/1\", \"global_orient\": [0, 0");
  f.close();
  const pose::Pose before = doc()->pose();
  window_->open_pose(bad);
  window_->tasks()->wait_idle();
  EXPECT_TRUE(window_->last_error().contains("bad.json")) << window_->last_error().toStdString();
  EXPECT_TRUE(window_->last_error().contains("malformed JSON"));
  EXPECT_EQ(doc()->pose(), before) << "a failed open loses nothing";
  window_->export_mesh(dir_.filePath("body.glb"));
  window_->tasks()->wait_idle();
  EXPECT_GT(QFileInfo(dir_.filePath("body.glb")).size(), 100000);
  // A rigged export loads back as the body, and the pose still drives it.
  const std::string error_before = window_->last_error().toStdString();
  window_->export_mesh(dir_.filePath("rig.glb"), true);
  window_->tasks()->wait_idle();
  window_->load_body(dir_.filePath("rig.glb"));
  window_->tasks()->wait_idle();
  EXPECT_EQ(doc()->body().name(), dir_.filePath("rig.glb").toStdString());
  EXPECT_EQ(window_->last_error().toStdString(), error_before);
}

TEST_F(Gui, DroppingAPoseFileOpensIt) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(sample("arms_up.json")))});
  QDragEnterEvent enter(QPoint(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent drop(QPointF(100, 100), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(window_.get(), &drop);
  window_->tasks()->wait_idle();
  EXPECT_EQ(window_->last_error().toStdString(), "");
  EXPECT_EQ(doc()->pose(), pose::read_pose(sample("arms_up.json")));
}

TEST_F(Gui, AutosaveKeepsUnsavedWorkUntilACleanExit) {
  doc()->select_joint(kLeftElbow);
  window_->joint_panel()->set_angle(1, -45);
  const QString path = window_->autosave_path();
  for (int i = 0; i < 40 && !QFileInfo::exists(path); ++i) QTest::qWait(100);
  ASSERT_TRUE(QFileInfo::exists(path));
  EXPECT_EQ(pose::read_pose(path.toStdString()).rotations[kLeftElbow], doc()->pose().rotations[kLeftElbow]);
  window_->close();
  EXPECT_FALSE(QFileInfo::exists(path));
}

TEST_F(Gui, MirrorAndResetAreUndoable) {
  window_->open_pose(QString::fromStdString(sample("left_arm_raised.json")));
  window_->tasks()->wait_idle();
  const pose::Pose original = doc()->pose();
  const int steps = doc()->undo_stack()->count();
  QTest::keyClick(window_.get(), Qt::Key_M, Qt::ControlModifier);
  EXPECT_EQ(doc()->pose(), pose::mirror(original));
  EXPECT_EQ(doc()->undo_stack()->count(), steps + 1);
  doc()->undo_stack()->undo();
  EXPECT_EQ(doc()->pose(), original);
}

TEST_F(Gui, TypedInstructionChangesThePoseAsOneUndoableStep) {
  const std::string models = std::string(UNIPOSE_SOURCE_DIR) + "/models";
  if (!QFileInfo::exists(QString::fromStdString(models + "/language_model/config.json")))
    GTEST_SKIP() << "no language model shipped in models/";
  window_->open_pose(QString::fromStdString(sample("standing.json")));
  window_->tasks()->wait_idle();
  const auto before = doc()->pose();
  const auto wrist_before = doc()->body().posed_joints(before)[body::kLeftWrist];
  auto* box = window_->language_panel()->instruction_box();
  box->setFocus();
  QTest::keyClicks(box, "raise your left arm above your head");
  QTest::keyClick(box, Qt::Key_Return);
  window_->tasks()->wait_idle();
  ASSERT_TRUE(window_->last_error().isEmpty()) << window_->last_error().toStdString();
  EXPECT_FALSE(doc()->pose() == before);
  EXPECT_EQ(doc()->undo_stack()->undoText().toStdString(), "raise your left arm above your head");
  EXPECT_TRUE(box->text().isEmpty()) << "the box is cleared for the next instruction";
  const auto wrist_after = doc()->body().posed_joints(doc()->pose())[body::kLeftWrist];
  EXPECT_GT(wrist_after.y(), wrist_before.y() + 0.3) << "the left hand goes up";
  doc()->undo_stack()->undo();
  EXPECT_TRUE(doc()->pose() == before);
  // Describe and compare write words into the panel.
  window_->language_panel()->describe();
  window_->tasks()->wait_idle();
  EXPECT_GT(window_->language_panel()->output().size(), 20);
  window_->language_panel()->compare_with(QString::fromStdString(sample("arms_up.json")));
  window_->tasks()->wait_idle();
  EXPECT_TRUE(window_->language_panel()->output().startsWith("From this pose to arms_up.json")) << window_->language_panel()->output().toStdString();
  // A word the model never saw is read as a synonym it knows, and the panel says so.
  if (text::WordNet::instance().available()) {
    window_->language_panel()->apply_instruction("elevate your left arm");
    window_->tasks()->wait_idle();
    EXPECT_TRUE(window_->language_panel()->output().contains("read as words the model knows: elevate -> raise"))
        << window_->language_panel()->output().toStdString();
  }
}

TEST_F(Gui, MissingLanguageModelIsReportedNotCrashed) {
  QTemporaryDir empty;
  qputenv("UNIPOSE_MODELS", empty.path().toLocal8Bit());
  const auto before = doc()->pose();
  window_->language_panel()->apply_instruction("bend your knees");
  window_->tasks()->wait_idle();
  qunsetenv("UNIPOSE_MODELS");
  EXPECT_TRUE(window_->last_error().contains("language_model")) << window_->last_error().toStdString();
  EXPECT_TRUE(doc()->pose() == before);
}

TEST(GuiProgram, ScreenshotFlagWritesTheWindow) {
  QTemporaryDir dir;
  const QString png = dir.filePath("shot.png");
  const std::string cmd = std::string(UNIPOSE_BINARY) + " gui --no-restore --width 1000 --height 700 --pose " +
                          sample("sitting.json") + " --screenshot '" + png.toStdString() + "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const QImage img(png);
  ASSERT_EQ(img.size(), QSize(1000, 700));
  EXPECT_GT(body_pixels(img).count, 5000);
  const std::string bad = std::string(UNIPOSE_BINARY) + " gui --pose /missing.json --screenshot '" + png.toStdString() +
                          "' > /dev/null 2>&1";
  const int raw = std::system(bad.c_str());
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 1);
}

// A reference photo from ../shared/data/photos: people found on the worker, the overlay shown, Apply sets the
// body as one undoable step named after the photo, Undo restores the pose before.
TEST_F(Gui, PhotoAppliedAsOneStepAndUndone) {
  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!QFileInfo::exists(QString::fromStdString(photo))) GTEST_SKIP() << "../shared/data/photos is absent: no real photo to apply";
  window_->open_pose(QString::fromStdString(sample("t_pose.json")));
  window_->tasks()->wait_idle();
  const pose::Pose before = doc()->pose();
  const int steps = doc()->undo_stack()->count();
  window_->open_photo(QString::fromStdString(photo));
  window_->tasks()->wait_idle();
  auto* panel = window_->photo_panel();
  ASSERT_GE(panel->people(), 1) << panel->message().toStdString();
  EXPECT_TRUE(panel->message().contains("mpii_004645041.jpg")) << panel->message().toStdString();
  EXPECT_FALSE(panel->shown().empty());
  EXPECT_EQ(doc()->pose(), before);  // opening a photo changes nothing yet
  ASSERT_TRUE(panel->apply_person(0));
  EXPECT_FALSE(doc()->pose() == before);
  EXPECT_EQ(doc()->undo_stack()->count(), steps + 1);
  EXPECT_TRUE(doc()->undo_stack()->undoText().contains("mpii_004645041.jpg")) << doc()->undo_stack()->undoText().toStdString();
  // The person in the photo stands with the arms down: the applied pose's hands are below the shoulders.
  const auto j = body::posed_joint_positions(doc()->pose(), body::mannequin_rest_joints());
  EXPECT_LT(j[body::kLeftWrist].y(), j[body::kLeftShoulder].y());
  // The photo stands behind the body and the view looks through its camera: each body joint appears on the
  // screen where the fit put it in the photo (the photo fills the view, centred).
  auto* view = window_->viewport();
  ASSERT_TRUE(view->has_reference_photo());
  EXPECT_TRUE(view->aligned_to_photo());
  const double width = panel->shown().width, height = panel->shown().height;  // the photo as the panel read it
  const QWindow* screen = view->render_window();
  ASSERT_GT(screen->width(), 0);
  const double k = std::min(screen->width() / width, screen->height() / height);
  const auto& projected = panel->estimates().at(0).projected;
  double mean_px = 0;
  for (int joint = 0; joint < 22; ++joint) {
    const QPointF expected((projected[joint][0] - width / 2) * k + screen->width() / 2.0, (projected[joint][1] - height / 2) * k + screen->height() / 2.0);
    const QPointF d = view->joint_screen_position(joint) - expected;
    mean_px += std::hypot(d.x(), d.y()) / 22;
  }
  EXPECT_LT(mean_px, 0.02 * screen->height()) << "joints " << mean_px << " px from their places in the photo";
  // And the photo is drawn there, upright and unmirrored: away from the person, the view shows the photo's
  // pixels, much closer than those of the photo turned upside down or mirrored (the texture is filtered, so
  // not exactly).
  const QImage shot = grab_view();
  const auto& picture = panel->photo();
  const auto& box = panel->estimates().at(0).person.box;
  double upright = 0, flipped = 0, mirrored = 0;
  int samples = 0;
  auto difference = [&](const QColor& seen, double x, double y) {
    const std::uint8_t* p = &picture.rgb[(static_cast<size_t>(y) * picture.width + static_cast<size_t>(x)) * 3];
    return (std::abs(seen.red() - p[0]) + std::abs(seen.green() - p[1]) + std::abs(seen.blue() - p[2])) / 3.0;
  };
  for (double fy = 0.05; fy < 1; fy += 0.1) {
    for (double fx = 0.05; fx < 1; fx += 0.1) {
      const double px = fx * width, py = fy * height;
      const double margin = 0.15 * (box[3] - box[1]);
      if (px > box[0] - margin && px < box[2] + margin && py > box[1] - margin && py < box[3] + margin) continue;
      const QColor seen = shot.pixelColor(QPoint(static_cast<int>((px - width / 2) * k + shot.width() / 2.0),
                                                 static_cast<int>((py - height / 2) * k + shot.height() / 2.0)));
      upright += difference(seen, px, py);
      flipped += difference(seen, px, height - 1 - py);
      mirrored += difference(seen, width - 1 - px, py);
      ++samples;
    }
  }
  ASSERT_GT(samples, 10);
  upright /= samples;
  flipped /= samples;
  mirrored /= samples;
  EXPECT_LT(upright, 30) << "the view does not show the photo around the person (mean difference per channel)";
  EXPECT_LT(upright, 0.7 * flipped) << upright << " upright vs " << flipped << " upside down";
  EXPECT_LT(upright, 0.7 * mirrored) << upright << " upright vs " << mirrored << " mirrored";
  view->fit_to_view();  // any camera move leaves the photo's camera; the board stays
  EXPECT_FALSE(view->aligned_to_photo());
  EXPECT_TRUE(view->has_reference_photo());
  EXPECT_TRUE(view->align_to_photo());
  doc()->undo_stack()->undo();
  EXPECT_EQ(doc()->pose(), before);
  EXPECT_FALSE(panel->apply_person(5));  // no such person
}

// The language model's reading of the same photo: its pose as one undoable step, turned and laid over the
// person behind the body, and its words in the panel.
TEST_F(Gui, PhotoReadByTheLanguageModel) {
  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!QFileInfo::exists(QString::fromStdString(photo))) GTEST_SKIP() << "../shared/data/photos is absent: no real photo to read";
  if (!QFileInfo::exists(QString::fromStdString(engine::Engine::default_visual_branch() + "/config.json"))) GTEST_SKIP() << "no shipped visual branch";
  window_->open_pose(QString::fromStdString(sample("t_pose.json")));
  window_->tasks()->wait_idle();
  const pose::Pose before = doc()->pose();
  auto* panel = window_->photo_panel();
  EXPECT_FALSE(panel->ask_model(""));  // no photo yet
  window_->open_photo(QString::fromStdString(photo));
  window_->tasks()->wait_idle();
  ASSERT_TRUE(panel->ask_model("standing, reaching forward"));
  window_->tasks()->wait_idle();
  EXPECT_FALSE(doc()->pose() == before);
  EXPECT_TRUE(doc()->undo_stack()->undoText().contains("(language model)")) << doc()->undo_stack()->undoText().toStdString();
  EXPECT_TRUE(panel->message().startsWith("Language model (its pose with the hint): \"")) << panel->message().toStdString();
  EXPECT_TRUE(panel->message().contains("Laid over the largest person")) << panel->message().toStdString();
  EXPECT_TRUE(window_->viewport()->has_reference_photo());
  doc()->undo_stack()->undo();
  EXPECT_EQ(doc()->pose(), before);
}

TEST_F(Gui, PhotoWithoutPeopleOrNoPictureIsSaid) {
  const QString grey_path = dir_.filePath("grey.png");
  QImage grey(320, 240, QImage::Format_RGB888);
  grey.fill(QColor(128, 128, 128));
  ASSERT_TRUE(grey.save(grey_path));
  window_->open_photo(grey_path);
  window_->tasks()->wait_idle();
  EXPECT_EQ(window_->photo_panel()->people(), 0);
  EXPECT_TRUE(window_->photo_panel()->message().startsWith("No person found in grey.png")) << window_->photo_panel()->message().toStdString();
  const QString notes = dir_.filePath("notes.jpg");
  QFile f(notes);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("this is not a picture\n");
  f.close();
  window_->open_photo(notes);
  window_->tasks()->wait_idle();
  EXPECT_TRUE(window_->last_error().contains("notes.jpg")) << window_->last_error().toStdString();
  EXPECT_TRUE(window_->last_error().contains("not an image")) << window_->last_error().toStdString();
}

// The coach view with a real photo and a pose file: two bodies, a full angle table, words, swap, overlay, and
// both exports read back.
TEST_F(Gui, CoachViewComparesAPhotoWithAPose) {
  const std::string photo = std::string(UNIPOSE_SOURCE_DIR) + "/../shared/data/photos/mpii_004645041.jpg";
  if (!QFileInfo::exists(QString::fromStdString(photo))) GTEST_SKIP() << "../shared/data/photos is absent: no real photo to compare";
  CoachView* coach = window_->coach_view();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(coach));
  EXPECT_FALSE(coach->export_csv(dir_.filePath("early.csv")));  // nothing to export yet
  coach->load(0, QString::fromStdString(photo));
  window_->tasks()->wait_idle();
  coach->load(1, QString::fromStdString(sample("arms_up.json")));
  window_->tasks()->wait_idle();
  ASSERT_TRUE(coach->has(0) && coach->has(1)) << window_->last_error().toStdString();
  EXPECT_EQ(coach->table_rows(), 12);
  ASSERT_EQ(coach->angles().size(), 12u);
  EXPECT_TRUE(coach->angles()[0].name.find("shoulder") != std::string::npos) << coach->angles()[0].name;  // arms down vs up
  EXPECT_TRUE(coach->angles()[0].notable);
  // Two bodies: orange (A) on the left half, blue (B) on the right.
  const auto& img = coach->bodies();
  ASSERT_FALSE(img.empty());
  int orange_left = 0, blue_right = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const auto* p = img.pixel(x, y);
      if (p[0] > p[2] + 60 && x < img.width / 2) ++orange_left;
      if (p[2] > p[0] + 60 && x >= img.width / 2) ++blue_right;
    }
  EXPECT_GT(orange_left, 500);
  EXPECT_GT(blue_right, 500);
  const auto first = coach->angles()[0];
  if (QFileInfo::exists(QString::fromStdString(std::string(UNIPOSE_SOURCE_DIR) + "/models/language_model/config.json")))
    EXPECT_GT(coach->words().size(), 10) << coach->words().toStdString();
  // Exports, re-read.
  ASSERT_TRUE(coach->export_csv(dir_.filePath("angles.csv")));
  QFile csv(dir_.filePath("angles.csv"));
  ASSERT_TRUE(csv.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(csv.readAll());
  EXPECT_EQ(text.count('\n'), 13);
  EXPECT_TRUE(text.startsWith("angle,A_deg,B_deg,difference_deg,notable"));
  ASSERT_TRUE(coach->export_pdf(dir_.filePath("report.pdf")));
  EXPECT_GT(QFileInfo(dir_.filePath("report.pdf")).size(), 10000);
  // Swap: the same angles with the difference turned round; the overlay draws one picture of both.
  coach->swap();
  window_->tasks()->wait_idle();
  EXPECT_NEAR(coach->angles()[0].difference, -first.difference, 1e-9);
  const image::Image side = coach->bodies();
  coach->set_overlay(true);
  EXPECT_NE(coach->bodies().rgb, side.rgb);
  coach->close();
}

TEST_F(Gui, CoachViewRefusesWhatIsNoPhoto) {
  CoachView* coach = window_->coach_view();
  const QString notes = dir_.filePath("notes.jpg");
  QFile f(notes);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("this is not a picture\n");
  f.close();
  coach->load(0, notes);
  window_->tasks()->wait_idle();
  EXPECT_FALSE(coach->has(0));
  EXPECT_TRUE(window_->last_error().contains("notes.jpg")) << window_->last_error().toStdString();
  EXPECT_FALSE(coach->export_pdf(dir_.filePath("r.pdf")));  // B (and A) missing
  coach->close();
}

// File > Export OpenPose / ControlNet: the pose from the view's direction, at the view's size, read back.
TEST_F(Gui, OpenPoseExportsFromTheView) {
  window_->open_pose(QString::fromStdString(sample("arms_up.json")));
  window_->tasks()->wait_idle();
  window_->viewport()->set_view("front");
  const QString json = dir_.filePath("pose.json"), png = dir_.filePath("pose.png");
  window_->export_openpose(json);
  window_->export_openpose(png);
  EXPECT_TRUE(window_->last_error().isEmpty()) << window_->last_error().toStdString();
  QFile f(json);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  const auto j = nlohmann::json::parse(f.readAll().toStdString());
  const auto& k = j["people"][0]["pose_keypoints_2d"];
  ASSERT_EQ(k.size(), 75u);
  // Arms up, seen from the front: both wrists above the nose, the person's right wrist on the picture's left.
  EXPECT_LT(k[4 * 3 + 1].get<double>(), k[0 * 3 + 1].get<double>());
  EXPECT_LT(k[7 * 3 + 1].get<double>(), k[0 * 3 + 1].get<double>());
  EXPECT_LT(k[4 * 3].get<double>(), k[7 * 3].get<double>());
  const QImage img(png);
  ASSERT_FALSE(img.isNull());
  EXPECT_EQ(img.size(), window_->viewport()->size());
  EXPECT_EQ(img.pixelColor(1, 1), QColor(0, 0, 0));
  window_->export_openpose(dir_.filePath("pose.txt"));
  EXPECT_TRUE(window_->last_error().contains(".json")) << window_->last_error().toStdString();
}

}  // namespace
}  // namespace unipose::ui

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  QApplication::setOrganizationName("UniPoseTest");
  QApplication::setApplicationName("UniPose Studio Tests");
  qputenv("QT3D_RENDERER", "opengl");
  QStandardPaths::setTestModeEnabled(true);
  QApplication app(argc, argv);
  return RUN_ALL_TESTS();
}
