// unipose compare: the coach's comparison of two photos (or pose files), as a table, words, CSV and a PDF.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "app/commands.h"
#include "core/engine/compare.h"
#include "core/engine/engine.h"
#include "core/engine/photo.h"
#include "core/error.h"
#include "core/image/image.h"
#include "core/io/files.h"
#include "core/pose/pose_io.h"
#ifdef UNIPOSE_WITH_GUI
#include "ui/report.h"
#endif

namespace unipose::app {
namespace {

struct Slot {
  std::string image, pose;
  pose::Pose result;
  image::Image overlay;
  std::string label;
};

}  // namespace

void add_compare_command(CLI::App& app) {
  struct Options {
    Slot a, b;
    std::string report, csv, model, view = "front-left";
    bool tiles = false;
    double threshold = engine::kNotableAngleDegrees;
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("compare", "Compare two photos (or pose files): joint angles, the difference in words, a CSV and a PDF report");
  c->add_option("--image-a", o->a.image, "Photo A (the athlete, or 'before')");
  c->add_option("--image-b", o->b.image, "Photo B (the model, or 'after')");
  c->add_option("--pose-a", o->a.pose, "Pose file for A instead of a photo");
  c->add_option("--pose-b", o->b.pose, "Pose file for B instead of a photo");
  c->add_option("--report", o->report, "Write a one-page PDF report");
  c->add_option("--csv", o->csv, "Write the joint-angle table as CSV (one row per angle)");
  c->add_option("--model", o->model, "Language model bundle for the words (default: the shipped one)");
  c->add_option("--view", o->view, "Camera of the 3D views in the report (front, left, front-left, ... or YAW,PITCH)");
  c->add_option("--threshold", o->threshold, "Mark differences of at least this many degrees")->check(CLI::Range(0.0, 180.0));
  c->add_flag("--small-people", o->tiles, "The detector also looks for small people (as estimate --small-people)");
  c->callback([o] {
    for (Slot* s : {&o->a, &o->b}) {
      const char* which = s == &o->a ? "A" : "B";
      if (s->image.empty() == s->pose.empty())
        throw Error(std::string("compare: give photo ") + which + " (--image-" + (s == &o->a ? "a" : "b") + ") or a pose file (--pose-" +
                    (s == &o->a ? "a" : "b") + "), one of the two");
    }
    if (!o->report.empty() && io::extension_of(o->report) != "pdf") fail(o->report, "the report is a PDF (.pdf)");
#ifndef UNIPOSE_WITH_GUI
    if (!o->report.empty()) fail(o->report, "this build has no Qt (UNIPOSE_BUILD_GUI=OFF), which writes the PDF; --csv works");
#endif
    std::unique_ptr<engine::PhotoEngine> photos;
    for (Slot* s : {&o->a, &o->b}) {
      if (!s->pose.empty()) {
        s->result = pose::read_pose(s->pose, std::nullopt);
        s->label = std::filesystem::path(s->pose).filename().string();
        continue;
      }
      if (!photos) photos = std::make_unique<engine::PhotoEngine>(engine::PhotoEngine::default_detector(), engine::PhotoEngine::default_landmarks());
      const image::Image picture = image::read_image(s->image);
      engine::PhotoEstimate e;
      try {
        e = photos->estimate(picture, 0, o->tiles);
      } catch (const Error& err) {
        fail(s->image, err.what());
      }
      s->result = e.pose;
      s->overlay = engine::draw_overlay(picture, e.person, &e.projected);
      s->label = std::filesystem::path(s->image).filename().string();
      std::fprintf(stderr, "%s: %d %s detected; the largest fitted (reprojection error %.1f px)\n", s->label.c_str(), e.detected,
                   e.detected == 1 ? "person" : "people", e.reprojection_px);
    }
    const auto rows = engine::compare_angles(o->a.result, o->b.result, o->threshold);
    std::printf("%-18s %8s %8s %8s\n", "joint angle (deg)", "A", "B", "B - A");
    for (const auto& r : rows) std::printf("%-18s %8.1f %8.1f %+8.1f%s\n", r.name.c_str(), r.a, r.b, r.difference, r.notable ? "  *" : "");
    std::string words, note;
    try {
      const std::string model = o->model.empty() ? engine::Engine::default_language_model() : o->model;
      engine::Engine lm(model, engine::Engine::pose_tokenizer_of(model));
      const auto d = lm.diff(o->a.result, o->b.result);
      words = d.text;
      if (d.consistency >= 0)
        note = "The words fit this change better than " + std::to_string(static_cast<int>(100 * d.consistency + 0.5)) +
               "% of the descriptions of similar changes" + (d.consistency < engine::kDoubtfulConsistency ? " (doubtful: other words fit as well)." : ".");
    } catch (const Error& err) {
      note = std::string("No words: ") + err.what();
    }
    std::printf("\nfrom A to B: %s\n", words.empty() ? "(none)" : words.c_str());
    if (!note.empty()) std::printf("%s\n", note.c_str());
    if (!o->csv.empty()) {
      io::write_file_atomic(o->csv, engine::angles_csv(rows));
      std::printf("wrote %s\n", o->csv.c_str());
    }
#ifdef UNIPOSE_WITH_GUI
    if (!o->report.empty()) {
      ui::CompareReport r;
      r.label_a = o->a.label;
      r.label_b = o->b.label;
      r.photo_a = o->a.overlay;
      r.photo_b = o->b.overlay;
      r.body_a = engine::render_body_view(o->a.result, o->view, 480, 480, {0.95, 0.55, 0.2});
      r.body_b = engine::render_body_view(o->b.result, o->view, 480, 480, {0.25, 0.5, 0.95});
      r.angles = rows;
      r.words = words;
      r.words_note = note;
      ui::write_compare_pdf_headless(o->report, r);
      std::printf("wrote %s\n", o->report.c_str());
    }
#endif
  });
}

}  // namespace unipose::app
