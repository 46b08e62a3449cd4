// Photos: `convert tfjs`, `estimate --image`, `eval photos`, `eval renders`, `bench photo`, `data lift-views`, `train lifter`.
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/progress.h"
#include "core/engine/photo.h"
#include "core/engine/photo_evaluation.h"
#include "core/error.h"
#include "core/image/image.h"
#include "core/io/files.h"
#include "core/data/corpus_reader.h"
#include "core/pose/pose_io.h"
#include "core/train/clip_task.h"
#include "core/train/visual_task.h"
#include "core/engine/engine.h"
#include "core/io/safetensors.h"
#include "core/nn/lm_bundle.h"
#include "core/nn/module_io.h"
#include "core/nn/pose_codec.h"
#include "core/text/instruction_templates.h"
#include "core/train/lifter_task.h"
#include "core/train/model_cards.h"
#include "core/vision/convert.h"

namespace unipose::app {
namespace {

std::string pck_line(const engine::PckCount& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%5.1f %% (%d/%d)", c.percent(), c.hits, c.total);
  return buf;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// --lifter and --lift-weight: which 2D-to-3D lifter the fit follows, and how much.
struct LifterChoice {
  std::string dir;
  double weight = -1;
  bool trunk_from_lifter = false;
  double picture_plane = -1;
};

void add_lifter_options(CLI::App* cmd, LifterChoice& c) {
  cmd->add_option("--lifter", c.dir, "2D-to-3D lifter bundle the fit follows (default: models/pose_lifter when present; 'none': "
                                     "BlazePose's world landmarks alone)");
  cmd->add_option("--lift-weight", c.weight, "How much the fit follows the lifter rather than the world landmarks, 0..1 (default " +
                                                 std::to_string(engine::PhotoEngine::kDefaultLiftWeight).substr(0, 4) + ")")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--lifter-trunk", c.trunk_from_lifter, "Take how the body stands to the camera from the lifter too (default: from "
                                                        "BlazePose's world landmarks, the lifter giving the limbs)");
  cmd->add_option("--picture-plane", c.picture_plane, "How much each bone's direction across the picture follows BlazePose's 2D landmarks, "
                                                      "its depth kept from the lifter, 0..1 (default " +
                                                          std::to_string(engine::PhotoEngine::kDefaultPicturePlaneWeight).substr(0, 4) + ")")
      ->check(CLI::Range(0.0, 1.0));
}

void apply_lifter(engine::PhotoEngine& photos, const LifterChoice& c) {
  if (c.picture_plane >= 0) photos.set_picture_plane_weight(c.picture_plane);
  if (c.dir == "none") {
    photos.set_lifter("", 0);
    return;
  }
  const double weight = c.weight >= 0 ? c.weight : engine::PhotoEngine::kDefaultLiftWeight;
  if (!c.dir.empty()) photos.set_lifter(c.dir, weight, !c.trunk_from_lifter);
  else if (c.weight >= 0 || c.trunk_from_lifter) photos.set_lift_blend(weight, !c.trunk_from_lifter);  // the engine's lifter
}

}  // namespace

std::pair<train::VisualPictures, train::VisualPictures> encode_run_pictures(const vision::VisualEncoders& encoders, const std::string& key,
                                                                            const std::string& train_dir, const std::string& val_dir,
                                                                            bool val_asked, const std::string& run_dir, ProgressBar& bar) {
  auto encode = [&](const std::string& dir, const std::string& split) {
    return train::encode_visual_pictures(encoders, key, dir, split, run_dir + "/pictures_" + split, [&](int d, int n) {
      bar.update("encoding " + split + " pictures", double(d) / n, std::to_string(d) + "/" + std::to_string(n));
    });
  };
  std::pair<train::VisualPictures, train::VisualPictures> out;
  out.first = encode(train_dir, "train");
  const auto val_records = data::read_rendered_images(val_dir);
  if (std::any_of(val_records.begin(), val_records.end(), [](const data::RenderedImage& r) { return r.split == "val"; }))
    out.second = encode(val_dir, "val");
  else if (val_asked)
    fail(val_dir + "/images.jsonl", "has no pictures of the val split");
  else
    std::fprintf(stderr, "note: no val pictures in %s; the picture tasks train without validation\n", val_dir.c_str());
  return out;
}

std::unique_ptr<engine::Engine> open_visual_engine(const std::string& model, const std::string& visual) {
  const std::string dir = model.empty() ? engine::Engine::default_language_model() : model;
  auto e = std::make_unique<engine::Engine>(dir, engine::Engine::pose_tokenizer_of(dir));
  if (!visual.empty()) e->load_visual_branch(visual);
  if (!e->has_visual_branch()) throw Error("no visual branch for " + dir + ": give --visual DIR (made by `unipose train visual --export DIR`)");
  return e;
}

void add_photo_commands(CLI::App& app) {
  auto* convert = app.add_subcommand("convert", "Convert models from other formats into UniPose bundles");
  convert->require_subcommand(1);
  struct ConvertOptions {
    std::string model, out, licence, source;
  };
  auto c = std::make_shared<ConvertOptions>();
  auto* tfjs = convert->add_subcommand("tfjs", "A TensorFlow.js graph model (model.json + weight shards) to a verified bundle (graph.json, "
                                               "model.safetensors, SHA256SUMS, MODEL_CARD.md, LICENSE)");
  tfjs->add_option("model", c->model, "The model's .json (its weight shards beside it)")->required();
  tfjs->add_option("--out", c->out, "Bundle folder to write")->required();
  tfjs->add_option("--licence", c->licence, "Licence text to copy into the bundle as LICENSE");
  tfjs->add_option("--source", c->source, "Where the model came from, for the card (package, version, URL)");
  tfjs->callback([c] {
    const auto r = vision::convert_tfjs(c->model, c->out, c->licence, c->source, command_line());
    std::printf("converted %s: %d nodes (%s), %d constants, %.1f MB of weights, checked by running it once\nwrote %s\n", c->model.c_str(), r.nodes, r.ops.c_str(), r.constants,
                r.weight_bytes / 1e6, c->out.c_str());
  });

  struct EstimateOptions {
    std::string image, out, overlay, json, detector, landmarks, via = "fit", model, visual, hint;
    int person = 0;
    bool tiles = false;
    LifterChoice lifter;
  };
  auto e = std::make_shared<EstimateOptions>();
  auto* est = app.add_subcommand("estimate", "A 3D pose from one photo: BlazePose finds the people and their landmarks, the pose is fitted to them");
  est->add_option("--image", e->image, "The photo (JPEG, PNG, WebP, BMP, TIFF)")->required();
  est->add_option("--person", e->person, "Which person when there are several (0 = the largest)")->check(CLI::Range(0, 1000));
  est->add_flag("--small-people", e->tiles, "Also look for people smaller than a quarter of the picture (4 to 9 more detector runs)");
  est->add_option("--out", e->out, "Write the pose here (.json, .npz or .bvh)");
  est->add_option("--overlay", e->overlay, "Write the photo with the landmarks and the pose's skeleton drawn over it (.png, .jpg; with --via "
                                          "model the pose is laid over the largest person)");
  est->add_option("--json", e->json, "Write the people, landmarks, reprojection error and timings as JSON");
  est->add_option("--detector", e->detector, "Person detector bundle (default: models/blazepose_detector)");
  est->add_option("--landmarks", e->landmarks, "Landmark model bundle (default: models/blazepose_full)");
  add_lifter_options(est, e->lifter);
  est->add_option("--via", e->via, "fit: BlazePose's landmarks and the fit (default); model: the language model reads the picture through the "
                                   "visual branch (the person BlazePose finds, else the whole picture)")
      ->check(CLI::IsMember({"fit", "model"}));
  est->add_option("--model", e->model, "With --via model: the language model bundle (default: the shipped one)");
  est->add_option("--visual", e->visual, "With --via model: the visual branch bundle (default: models/visual_branch)");
  est->add_option("--hint", e->hint, "With --via model: words about the pose that the picture may not show (\"the left arm is behind the back\")");
  est->callback([e] {
    const auto picture = image::read_image(e->image);
    if (e->via == "model") {
      if (!e->json.empty() || e->person != 0 || e->tiles) throw Error("--json, --person and --small-people belong to the fitting path (--via fit)");
      auto lm = open_visual_engine(e->model, e->visual);
      engine::Result r;
      try {
        r = lm->estimate_image(picture, e->hint);
      } catch (const Error& err) {
        fail(e->image, err.what());
      }
      if (!r.note.empty()) std::fprintf(stderr, "note: %s\n", r.note.c_str());
      if (!r.warning.empty()) std::fprintf(stderr, "warning: %s\n", r.warning.c_str());
      std::printf("%s: %d x %d, the pose by the language model%s (%.0f ms)\n", e->image.c_str(), picture.width, picture.height,
                  e->hint.empty() ? "" : " with the hint", r.milliseconds);
      if (!e->out.empty()) {
        pose::write_pose(e->out, *r.pose);
        std::printf("wrote %s\n", e->out.c_str());
      }
      if (!e->overlay.empty()) {
        // The pose has no camera: laid over the largest person BlazePose finds (the one the visual branch reads).
        engine::PhotoEngine photos(e->detector.empty() ? engine::PhotoEngine::default_detector() : e->detector,
                                   e->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : e->landmarks);
        const auto people = photos.people(picture);
        if (people.empty()) fail(e->image, "no person found to lay the pose over: --overlay needs one (the pose itself was estimated)");
        const auto placed = engine::place_in_picture(*r.pose, people.front());
        std::printf("laid over the largest person: %.1f px from BlazePose's 2D limb joints (turn and weak camera fitted to them)\n", placed.reprojection_px);
        image::write_image(e->overlay, engine::draw_overlay(picture, people.front(), &placed.joints));
        std::printf("wrote %s\n", e->overlay.c_str());
      }
      return;
    }
    if (!e->model.empty() || !e->visual.empty() || !e->hint.empty()) throw Error("--model, --visual and --hint belong to --via model");
    engine::PhotoEngine photos(e->detector.empty() ? engine::PhotoEngine::default_detector() : e->detector,
                               e->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : e->landmarks);
    apply_lifter(photos, e->lifter);
    engine::PhotoEstimate r;
    try {
      r = photos.estimate(picture, e->person, e->tiles);
    } catch (const Error& err) {
      fail(e->image, err.what());
    }
    std::printf("%s: %d x %d, %d %s detected; person %d (detector score %.2f, landmark score %.2f)\n", e->image.c_str(), picture.width, picture.height, r.detected,
                r.detected == 1 ? "person" : "people", r.person_index, r.person.score, r.person.pose_score);
    std::printf("reprojection error %.1f px (limb joints against BlazePose's 2D landmarks), bone directions %.1f deg from the fit's targets "
                "(the lifter's, blended with BlazePose's world landmarks)\n",
                r.reprojection_px, r.direction_error_deg);
    std::printf("time: detect %.0f ms, landmarks %.0f ms, fit %.0f ms\n", r.detect_ms, r.landmarks_ms, r.fit_ms);
    if (!e->out.empty()) {
      pose::write_pose(e->out, r.pose);
      std::printf("wrote %s\n", e->out.c_str());
    }
    if (!e->overlay.empty()) {
      image::write_image(e->overlay, engine::draw_overlay(picture, r.person, &r.projected));
      std::printf("wrote %s\n", e->overlay.c_str());
    }
    if (!e->json.empty()) {
      nlohmann::json j = {{"image", e->image}, {"detected", r.detected}, {"person", r.person_index}, {"score", r.person.score}, {"pose_score", r.person.pose_score},
                          {"reprojection_px", r.reprojection_px}, {"direction_error_deg", r.direction_error_deg},
                          {"ms", {{"detect", r.detect_ms}, {"landmarks", r.landmarks_ms}, {"fit", r.fit_ms}}}, {"box", r.person.box}};
      for (std::size_t i = 0; i < r.person.landmarks.size(); ++i) {
        const auto& m = r.person.landmarks[i];
        j["landmarks"].push_back({{"name", m.name}, {"x", m.x}, {"y", m.y}, {"visibility", m.visibility}, {"world", r.person.world[i]}});
      }
      j["projected_joints"] = r.projected;
      io::write_file_atomic(e->json, j.dump(1) + "\n");
      std::printf("wrote %s\n", e->json.c_str());
    }
  });

  struct BenchOptions {
    std::string image;
    int runs = 20;
    bool tiles = false;
    LifterChoice lifter;
  };
  auto b = std::make_shared<BenchOptions>();
  CLI::App* bench_cmd = nullptr;
  CLI::App* eval_cmd = nullptr;
  try {
    bench_cmd = app.get_subcommand("bench");
    eval_cmd = app.get_subcommand("eval");
  } catch (const CLI::OptionNotFound&) {
    return;
  }
  auto* bench = bench_cmd->add_subcommand("photo", "Photo to pose (detect + landmarks + fit): median times and peak memory on this machine");
  bench->add_option("--image", b->image, "The photo")->required();
  bench->add_option("--runs", b->runs, "Timed runs after one warm-up")->check(CLI::Range(1, 10000));
  bench->add_flag("--small-people", b->tiles, "Time the detector's extra squares too");
  add_lifter_options(bench, b->lifter);
  bench->callback([b] {
    const auto picture = image::read_image(b->image);
    engine::PhotoEngine photos(engine::PhotoEngine::default_detector(), engine::PhotoEngine::default_landmarks());
    apply_lifter(photos, b->lifter);
    try {
      photos.estimate(picture, 0, b->tiles);
    } catch (const Error& err) {
      fail(b->image, err.what());
    }
    std::vector<double> detect, landmarks, fit, total;
    for (int i = 0; i < b->runs; ++i) {
      const auto r = photos.estimate(picture, 0, b->tiles);
      detect.push_back(r.detect_ms);
      landmarks.push_back(r.landmarks_ms);
      fit.push_back(r.fit_ms);
      total.push_back(r.detect_ms + r.landmarks_ms + r.fit_ms);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%s (%d x %d), %d runs, medians: detect %.1f ms, landmarks %.1f ms (two passes), fit %.1f ms; photo to pose %.1f ms\n",
                b->image.c_str(), picture.width, picture.height, b->runs, median(detect), median(landmarks), median(fit), median(total));
    std::printf("peak memory of the process: %.0f MB\n", usage.ru_maxrss / 1024.0);
  });
  struct BenchVisual {
    std::string image, model, visual;
    int runs = 20;
  };
  auto bv = std::make_shared<BenchVisual>();
  auto* bvc = bench_cmd->add_subcommand("visual", "The picture tasks through the visual branch (describe --image, estimate --via model, diff of "
                                                  "two pictures): median times and peak memory on this machine");
  bvc->add_option("--image", bv->image, "The picture")->required();
  bvc->add_option("--runs", bv->runs, "Timed runs of each after one warm-up")->check(CLI::Range(1, 10000));
  bvc->add_option("--model", bv->model, "Language model bundle (default: the shipped one)");
  bvc->add_option("--visual", bv->visual, "Visual branch bundle (default: models/visual_branch)");
  bvc->callback([bv] {
    const auto picture = image::read_image(bv->image);
    auto lm = open_visual_engine(bv->model, bv->visual);
    std::vector<double> estimate, describe, diff;
    // In turns, so that a machine that slows down meanwhile weighs on each alike; one warm-up each.
    for (int i = 0; i <= bv->runs; ++i) {
      const double e = lm->estimate_image(picture).milliseconds, d = lm->describe_image(picture).milliseconds, f = lm->diff_images(picture, picture).milliseconds;
      if (i == 0) continue;
      estimate.push_back(e);
      describe.push_back(d);
      diff.push_back(f);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%s (%d x %d), %d runs, medians: estimate --via model %.1f ms, describe --image %.1f ms, diff of two pictures %.1f ms\n",
                bv->image.c_str(), picture.width, picture.height, bv->runs, median(estimate), median(describe), median(diff));
    std::printf("peak memory of the process: %.0f MB\n", usage.ru_maxrss / 1024.0);
  });
  struct EvalOptions {
    std::string data, json, detector, landmarks;
    bool tiles = false;
    double fit_2d = -1;
    LifterChoice lifter;
  };
  auto v = std::make_shared<EvalOptions>();
  auto* ev = eval_cmd->add_subcommand("photos", "2D accuracy (PCK@0.2) of BlazePose and of the fitted pose on labelled photos (keypoints.json)");
  ev->add_option("--data", v->data, "Folder with keypoints.json and the photos (e.g. ../shared/data/photos)")->required();
  ev->add_option("--json", v->json, "Write the figures as JSON");
  ev->add_flag("--small-people", v->tiles, "The detector also looks at overlapping squares of half the picture (as estimate --small-people)");
  ev->add_option("--detector", v->detector, "Person detector bundle (default: models/blazepose_detector)");
  ev->add_option("--landmarks", v->landmarks, "Landmark model bundle (default: models/blazepose_full)");
  ev->add_option("--fit-2d", v->fit_2d, "Weight of the fit's 2D term (default: the engine's)")->check(CLI::Range(0.0, 1e6));
  add_lifter_options(ev, v->lifter);
  ev->callback([v] {
    engine::PhotoEngine photos(v->detector.empty() ? engine::PhotoEngine::default_detector() : v->detector,
                               v->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : v->landmarks);
    apply_lifter(photos, v->lifter);
    if (v->fit_2d >= 0) photos.set_reprojection_weight(v->fit_2d);
    const auto r = engine::evaluate_photos(photos, v->data, v->tiles);
    for (const auto& n : r.notes) std::printf("  %s\n", n.c_str());
    std::printf("%d photos, %d labelled people, %d matched to a detected person\n\n", r.photos, r.people, r.matched);
    std::printf("PCK@0.2 of visible labelled keypoints   detector, box     detector, torso   labelled box, box  labelled box, torso\n");
    for (const auto& [name, c] : r.detector_box) {
      const std::string& family = name;  // a lambda may not capture a structured binding in C++17 (clang refuses)
      auto get = [&](const std::map<std::string, engine::PckCount>& m) { return m.count(family) ? pck_line(m.at(family)) : std::string("-"); };
      std::printf("  %-10s                          %-18s %-18s %-18s %s\n", family.c_str(), pck_line(c).c_str(), get(r.detector_torso).c_str(),
                  get(r.labelled_box).c_str(), get(r.labelled_torso).c_str());
    }
    std::printf("\nlimb joints, detector's people           box threshold       torso threshold\n");
    std::printf("  BlazePose 2D                          %-19s %s\n", pck_line(r.blazepose_limbs_box).c_str(), pck_line(r.blazepose_limbs_torso).c_str());
    std::printf("  fitted pose, reprojected              %-19s %s\n", pck_line(r.fitted_limbs_box).c_str(), pck_line(r.fitted_limbs_torso).c_str());
    std::printf("\nall people of a photo (detect + landmarks + fits): median %.0f ms over %zu photos; photo to one pose: unipose bench photo\n",
                median(r.estimate_ms), r.estimate_ms.size());
    if (!v->json.empty()) {
      nlohmann::json j;
      auto put = [&](const char* key, const std::map<std::string, engine::PckCount>& m) {
        for (const auto& [f, c] : m) j[key][f] = {{"percent", c.percent()}, {"hits", c.hits}, {"total", c.total}};
      };
      put("detector_box", r.detector_box);
      put("detector_torso", r.detector_torso);
      put("labelled_box", r.labelled_box);
      put("labelled_torso", r.labelled_torso);
      j["limbs"] = {{"blazepose_box", r.blazepose_limbs_box.percent()}, {"fitted_box", r.fitted_limbs_box.percent()},
                    {"blazepose_torso", r.blazepose_limbs_torso.percent()}, {"fitted_torso", r.fitted_limbs_torso.percent()}};
      j["median_ms"] = median(r.estimate_ms);
      j["photos"] = r.photos;
      j["people"] = r.people;
      j["matched"] = r.matched;
      io::write_file_atomic(v->json, j.dump(1) + "\n");
      std::printf("wrote %s\n", v->json.c_str());
    }
  });
  struct RenderEvalOptions {
    std::string data, split = "test", json, detector, landmarks;
    int limit = 0;
    bool tiles = false;
    double fit_2d = -1;
    LifterChoice lifter;
  };
  auto re = std::make_shared<RenderEvalOptions>();
  auto* er = eval_cmd->add_subcommand("renders", "3D accuracy (MPJPE, PA-MPJPE) of the photo-to-pose fitting on a corpus's rendered images");
  er->add_option("--data", re->data, "Corpus folder with rendered images (data make --images / data images)")->required();
  er->add_option("--split", re->split, "Split to evaluate")->check(CLI::IsMember({"train", "val", "test"}));
  er->add_option("--limit", re->limit, "At most this many images (0: all)")->check(CLI::Range(0, 10000000));
  er->add_option("--json", re->json, "Write the figures as JSON");
  er->add_flag("--small-people", re->tiles, "The detector also looks at overlapping squares of half the picture");
  er->add_option("--detector", re->detector, "Person detector bundle (default: models/blazepose_detector)");
  er->add_option("--landmarks", re->landmarks, "Landmark model bundle (default: models/blazepose_full)");
  er->add_option("--fit-2d", re->fit_2d, "Weight of the fit's 2D term (default: the engine's)")->check(CLI::Range(0.0, 1e6));
  add_lifter_options(er, re->lifter);
  er->callback([re] {
    engine::PhotoEngine photos(re->detector.empty() ? engine::PhotoEngine::default_detector() : re->detector,
                               re->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : re->landmarks);
    apply_lifter(photos, re->lifter);
    if (re->fit_2d >= 0) photos.set_reprojection_weight(re->fit_2d);
    const auto r = engine::evaluate_renders(photos, re->data, re->split, re->limit, re->tiles);
    auto mean = [](const std::vector<double>& v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    std::printf("%d rendered images of the %s split, a person found in %d (%.1f %%)\n", r.images, re->split.c_str(), r.found,
                r.images ? 100.0 * r.found / r.images : 0.0);
    std::printf("                                  MPJPE (mm)   PA-MPJPE (mm)   (22 body joints, pelvis-centred, camera frame)\n");
    std::printf("  fitted pose                     %8.1f     %8.1f\n", mean(r.mpjpe_mm), mean(r.pa_mpjpe_mm));
    std::printf("  mean training pose, facing you  %8.1f     %8.1f      (baseline: no picture)\n", mean(r.mean_pose_mpjpe_mm), mean(r.mean_pose_pa_mpjpe_mm));
    for (const auto& [kind, v] : r.pa_by_kind) std::printf("  PA-MPJPE, %-9s images: %6.1f mm over %zu\n", kind.c_str(), mean(v), v.size());
    std::printf("limb joints in the picture (PCK@0.2)      box threshold       torso threshold\n");
    std::printf("  BlazePose 2D                          %-19s %s\n", pck_line(r.blazepose_limbs_box).c_str(), pck_line(r.blazepose_limbs_torso).c_str());
    std::printf("  fitted pose, reprojected              %-19s %s\n", pck_line(r.fitted_limbs_box).c_str(), pck_line(r.fitted_limbs_torso).c_str());
    std::printf("photo to pose: median %.0f ms\n", median(r.estimate_ms));
    if (!re->json.empty()) {
      nlohmann::json j = {{"split", re->split},          {"images", r.images},
                          {"found", r.found},            {"mpjpe_mm", mean(r.mpjpe_mm)},
                          {"pa_mpjpe_mm", mean(r.pa_mpjpe_mm)}, {"mean_pose_mpjpe_mm", mean(r.mean_pose_mpjpe_mm)},
                          {"mean_pose_pa_mpjpe_mm", mean(r.mean_pose_pa_mpjpe_mm)}, {"median_ms", median(r.estimate_ms)}};
      for (const auto& [kind, v] : r.pa_by_kind) j["pa_mpjpe_by_kind"][kind] = {{"mm", mean(v)}, {"images", v.size()}};
      j["limbs"] = {{"blazepose_box", r.blazepose_limbs_box.percent()}, {"fitted_box", r.fitted_limbs_box.percent()},
                    {"blazepose_torso", r.blazepose_limbs_torso.percent()}, {"fitted_torso", r.fitted_limbs_torso.percent()}};
      io::write_file_atomic(re->json, j.dump(1) + "\n");
      std::printf("wrote %s\n", re->json.c_str());
    }
  });

  // ------------------------------------------------------------------ eval image2pose
  struct ImageToPose {
    std::string data, photos, split = "test", json, model, visual;
    int limit = 0;
    bool hints = false;
  };
  auto ip = std::make_shared<ImageToPose>();
  auto* eip = eval_cmd->add_subcommand("image2pose", "Pose estimation by the language model (the visual branch) on a corpus's rendered pictures, "
                                                     "beside the fitting path and the mean pose");
  auto* eip_data = eip->add_option("--data", ip->data, "Corpus folder with rendered images (data make --images / data images)");
  eip->add_option("--photos", ip->photos, "Instead: labelled photos (keypoints.json, e.g. ../shared/data/photos): the largest person's pose laid "
                                          "over the photo (turn and weak camera fitted to BlazePose's 2D), PCK@0.2 of its limb joints beside the "
                                          "fitting path's")
      ->excludes(eip_data);
  eip->add_option("--split", ip->split, "Split to evaluate")->check(CLI::IsMember({"train", "val", "test"}));
  eip->add_option("--limit", ip->limit, "At most this many images (0: all)")->check(CLI::Range(0, 10000000));
  eip->add_option("--model", ip->model, "Language model bundle (default: the shipped one)");
  eip->add_option("--visual", ip->visual, "Visual branch bundle (default: models/visual_branch)");
  eip->add_option("--json", ip->json, "Write the figures as JSON");
  eip->add_flag("--hints", ip->hints, "Text-hinted estimation: each picture with its pose's first caption as the hint");
  eip->callback([ip, eip] {
    if (ip->data.empty() && ip->photos.empty()) throw Error("give --data DIR (rendered pictures) or --photos DIR (labelled photos)");
    auto lm = open_visual_engine(ip->model, ip->visual);
    engine::PhotoEngine photos(engine::PhotoEngine::default_detector(), engine::PhotoEngine::default_landmarks());
    if (!ip->photos.empty()) {
      for (const char* opt : {"--hints", "--limit", "--split"})
        if (eip->count(opt)) throw Error(std::string(opt) + " belongs to rendered pictures (--data)");
      const auto r = engine::evaluate_photos(photos, ip->photos, false, [&lm](const image::Image& picture) { return *lm->estimate_image(picture).pose; });
      std::printf("%d photos, %d labelled people; the largest person found matched a label in %d (the person the language model reads)\n", r.photos,
                  r.people, r.model_people);
      std::printf("limb joints of those people, PCK@0.2                 box threshold       torso threshold\n");
      std::printf("  language model, laid over the photo                 %-19s %s\n", pck_line(r.model_limbs_box).c_str(), pck_line(r.model_limbs_torso).c_str());
      std::printf("  fitting path, reprojected                           %-19s %s\n", pck_line(r.fitted_largest_box).c_str(),
                  pck_line(r.fitted_largest_torso).c_str());
      std::printf("  T-pose, laid over alike (baseline: the placing)     %-19s %s\n", pck_line(r.rest_limbs_box).c_str(), pck_line(r.rest_limbs_torso).c_str());
      std::printf("(laid over: the turn and weak-perspective camera that bring the pose's limb joints closest to BlazePose's 2D landmarks)\n");
      std::printf("picture to pose by the language model: median %.0f ms\n", median(r.model_ms));
      if (!ip->json.empty()) {
        auto pck = [](const engine::PckCount& c) { return nlohmann::json{{"percent", c.percent()}, {"hits", c.hits}, {"total", c.total}}; };
        const nlohmann::json j = {{"photos", r.photos}, {"people", r.people}, {"model_people", r.model_people}, {"command", command_line()},
                                  {"model", {{"box", pck(r.model_limbs_box)}, {"torso", pck(r.model_limbs_torso)}, {"median_ms", median(r.model_ms)}}},
                                  {"fit", {{"box", pck(r.fitted_largest_box)}, {"torso", pck(r.fitted_largest_torso)}}},
                                  {"t_pose", {{"box", pck(r.rest_limbs_box)}, {"torso", pck(r.rest_limbs_torso)}}}};
        io::write_file_atomic(ip->json, j.dump(1) + "\n");
        std::printf("wrote %s\n", ip->json.c_str());
      }
      return;
    }
    ProgressBar bar;
    std::vector<std::string> hints;
    if (ip->hints) {
      const auto corpus = data::read_corpus(ip->data);
      for (const auto& c : corpus.captions) hints.push_back(c.empty() ? "" : c.front());
    }
    const auto r = engine::evaluate_renders(
        photos, ip->data, ip->split, ip->limit, false,
        [&lm, &hints](const image::Image& picture, int pose) {
          return *lm->estimate_image(picture, pose < static_cast<int>(hints.size()) ? hints[pose] : "").pose;
        },
        [&bar](int d, int n) { bar.update("pictures", double(d) / n, std::to_string(d) + "/" + std::to_string(n)); });
    bar.update("done", 1);
    auto mean = [](const std::vector<double>& v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
    std::printf("%d rendered pictures of the %s split of %s; the fitting path found a person in %d\n", r.images, ip->split.c_str(), ip->data.c_str(), r.found);
    std::printf("  22 body joints, pelvis-centred, mm          pictures   MPJPE    PA-MPJPE\n");
    std::printf("  language model (visual branch), all         %6zu   %7.1f   %7.1f   (MPJPE in the body's own frame)\n", r.model_mpjpe_mm.size(),
                mean(r.model_mpjpe_mm), mean(r.model_pa_mpjpe_mm));
    std::printf("  mean training pose, all                     %6zu   %7.1f   %7.1f   (baseline: no picture)\n", r.mean_pose_pa_all_mm.size(),
                mean(r.mean_pose_body_mpjpe_all_mm), mean(r.mean_pose_pa_all_mm));
    std::printf("  language model, where the fit found someone %6zu   %7.1f   %7.1f\n", r.model_found_pa_mpjpe_mm.size(), mean(r.model_found_mpjpe_mm),
                mean(r.model_found_pa_mpjpe_mm));
    std::printf("  fitting path (BlazePose + lifter + fit)     %6zu   %7.1f   %7.1f   (MPJPE in the camera's frame)\n", r.pa_mpjpe_mm.size(),
                mean(r.mpjpe_mm), mean(r.pa_mpjpe_mm));
    for (const auto& [kind, v] : r.model_pa_by_kind)
      std::printf("  language model, %-9s pictures: PA-MPJPE %6.1f mm, MPJPE %6.1f mm over %zu\n", kind.c_str(), mean(v), mean(r.model_mpjpe_by_kind.at(kind)),
                  v.size());
    std::printf("picture to pose: language model median %.0f ms, fitting path %.0f ms%s\n", median(r.model_ms), median(r.estimate_ms),
                ip->hints ? " (the language model with each pose's first caption as a hint)" : "");
    if (!ip->json.empty()) {
      nlohmann::json j = {{"split", ip->split}, {"images", r.images}, {"found", r.found}, {"command", command_line()},
                          {"model", {{"mpjpe_mm", mean(r.model_mpjpe_mm)}, {"pa_mpjpe_mm", mean(r.model_pa_mpjpe_mm)},
                                     {"found_mpjpe_mm", mean(r.model_found_mpjpe_mm)}, {"found_pa_mpjpe_mm", mean(r.model_found_pa_mpjpe_mm)},
                                     {"median_ms", median(r.model_ms)}, {"hints", ip->hints}}},
                          {"fit", {{"mpjpe_mm", mean(r.mpjpe_mm)}, {"pa_mpjpe_mm", mean(r.pa_mpjpe_mm)}, {"median_ms", median(r.estimate_ms)}}},
                          {"mean_pose", {{"mpjpe_mm", mean(r.mean_pose_body_mpjpe_all_mm)}, {"pa_mpjpe_mm", mean(r.mean_pose_pa_all_mm)}}}};
      for (const auto& [kind, v] : r.model_pa_by_kind)
        j["model"]["by_kind"][kind] = {{"pa_mpjpe_mm", mean(v)}, {"mpjpe_mm", mean(r.model_mpjpe_by_kind.at(kind))}, {"images", v.size()}};
      io::write_file_atomic(ip->json, j.dump(1) + "\n");
      std::printf("wrote %s\n", ip->json.c_str());
    }
  });

  // ------------------------------------------------------------------ data lift-views
  struct LiftViewOptions {
    std::string data, split = "train", out, detector, landmarks;
    int limit = 0;
    bool tiles = false;
  };
  auto lv = std::make_shared<LiftViewOptions>();
  CLI::App* data_cmd = nullptr;
  try {
    data_cmd = app.get_subcommand("data");
  } catch (const CLI::OptionNotFound&) {
  }
  if (data_cmd) {
    auto* lvc = data_cmd->add_subcommand("lift-views", "BlazePose's landmarks of a corpus's rendered pictures beside the drawn poses, as "
                                                       "the lifter reads them (for `train lifter --views`)");
    lvc->add_option("--data", lv->data, "Corpus folder with rendered images (data images)")->required();
    lvc->add_option("--split", lv->split, "Split of the pictures")->check(CLI::IsMember({"train", "val", "test"}));
    lvc->add_option("--out", lv->out, "The .npz to write")->required();
    lvc->add_option("--limit", lv->limit, "At most this many pictures (0: all)")->check(CLI::Range(0, 10000000));
    lvc->add_flag("--small-people", lv->tiles, "The detector also looks at overlapping squares of half the picture");
    lvc->add_option("--detector", lv->detector, "Person detector bundle (default: models/blazepose_detector)");
    lvc->add_option("--landmarks", lv->landmarks, "Landmark model bundle (default: models/blazepose_full)");
    lvc->callback([lv] {
      engine::PhotoEngine photos(lv->detector.empty() ? engine::PhotoEngine::default_detector() : lv->detector,
                                 lv->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : lv->landmarks);
      ProgressBar bar;
      const auto r = engine::record_lift_views(photos, lv->data, lv->split, lv->limit, lv->tiles, lv->out, command_line(), [&](int done, int total) {
        bar.update("landmarks of " + lv->split + " pictures", static_cast<double>(done) / total, std::to_string(done) + "/" + std::to_string(total));
      });
      std::printf("%d pictures of the %s split, a person found in %d; wrote %s\n", r.images, lv->split.c_str(), r.found, lv->out.c_str());
    });
  }

  // ------------------------------------------------------------------ train lifter
  CLI::App* train_cmd = nullptr;
  try {
    train_cmd = app.get_subcommand("train");
  } catch (const CLI::OptionNotFound&) {
    return;
  }
  struct TrainLifter {
    train::TrainOptions t;
    std::string data, export_dir, views, val_views, init;
    double views_share = 0.5;
    int batch = 256;
    vision::LifterConfig config;
  };
  auto tl = std::make_shared<TrainLifter>();
  tl->t.steps = 20000;
  tl->t.lr = 1e-3;
  tl->t.weight_decay = 0.01;
  tl->t.eval_every = 2000;
  tl->t.checkpoint_every = 1000;
  auto* tlc = train_cmd->add_subcommand("lifter", "The 2D-to-3D pose lifter the photo fit follows: the corpus's poses seen by random cameras");
  tlc->add_option("--data", tl->data, "Corpus folder (unipose data make)")->required();
  tlc->add_option("--out", tl->t.out_dir, "Run folder: checkpoint.pt, metrics.csv")->required();
  tlc->add_option("--export", tl->export_dir, "Write the trained lifter bundle here when done (models/pose_lifter is the default the program loads)");
  add_train_options(*tlc, tl->t);
  tlc->add_option("--batch", tl->batch, "Views per step")->check(CLI::Range(1, 65536));
  auto* width = tlc->add_option("--width", tl->config.width, "Width of the hidden layers")->check(CLI::Range(8, 8192));
  auto* blocks = tlc->add_option("--blocks", tl->config.blocks, "Residual blocks")->check(CLI::Range(0, 64));
  tlc->add_option("--init", tl->init, "Start from this lifter bundle's weights (its width and blocks; a fresh schedule)")->excludes(width)->excludes(blocks);
  auto* views = tlc->add_option("--views", tl->views, "BlazePose's views of train-split pictures (data lift-views) to mix into each batch");
  tlc->add_option("--views-share", tl->views_share, "Share of each batch taken from --views")->check(CLI::Range(0.0, 1.0))->needs(views);
  tlc->add_option("--val-views", tl->val_views, "Views of val-split pictures (data lift-views --split val), validated on too");
  tlc->callback([tl] {
    std::optional<vision::PoseLifter> start;
    if (!tl->init.empty()) {
      start = vision::load_lifter_bundle(tl->init);
      tl->config = (*start)->config;
    }
    train::RecordedLiftViews views, val_views;
    if (!tl->views.empty()) views = train::read_lift_views(tl->views);
    if (!tl->val_views.empty()) val_views = train::read_lift_views(tl->val_views);
    ProgressBar bar;
    bar.update("reading corpus", 0);
    const auto corpus = data::read_corpus(tl->data);
    train::LifterTask task(tl->config, corpus, tl->batch, tl->t.seed, views, tl->views.empty() ? 0.0 : tl->views_share, val_views);
    if (start) {  // the checkpoint's weights replace these when --resume finds one
      torch::NoGradGuard ng;
      const auto from = (*start)->named_parameters();
      for (auto& item : task.model()->named_parameters()) item.value().copy_(from[item.key()]);
    }
    const auto r = train_and_report(task, tl->t, bar);
    if (r.interrupted || tl->export_dir.empty() || tl->t.rank != 0) return;
    train::RunRecord run{command_line(), tl->t, tl->batch, r.seconds, tl->data, corpus.manifest, {}};
    if (views.size() > 0) {
      char share[32];
      std::snprintf(share, sizeof share, "%.2f", tl->views_share);
      run.notes.push_back("recorded views: " + std::to_string(views.size()) + " of BlazePose's landmarks on rendered train-split pictures (`unipose data "
                          "lift-views`) beside the drawn poses, " + share + " of each batch, mirrored left-right half the time" +
                          (views.source.empty() ? std::string() : "; the views file made by `" + views.source + "`"));
    }
    if (!tl->init.empty()) {
      // The starting bundle's own command, from its card, so that this card says how to get there from nothing.
      std::string origin;
      try {
        origin = train::command_of_card(io::read_text_file(tl->init + "/MODEL_CARD.md"));
      } catch (const Error&) {  // a bundle without a card: its weights are still named
      }
      run.notes.push_back("started from the weights of `" + tl->init + "`" + (origin.empty() ? std::string() : ", itself trained by `" + origin + "`"));
    }
    vision::save_lifter_bundle(tl->export_dir, task.model(), train::lifter_card(run, tl->config, task.validate()));
    std::printf("exported %s\n", tl->export_dir.c_str());
  });

  // ------------------------------------------------------------------ train clip
  struct TrainClip {
    std::string data, val_data, export_dir;
    train::TrainOptions t;
    int batch = 64;
    train::ClipTrainConfig config = train::ClipTrainConfig::small();
  };
  auto tc = std::make_shared<TrainClip>();
  tc->t.steps = 4000;
  tc->t.lr = 5e-4;
  tc->t.weight_decay = 0.05;
  tc->t.eval_every = 500;
  tc->t.checkpoint_every = 250;
  auto* tcc = train_cmd->add_subcommand("clip", "The visual branch's own image encoder (CLIP architecture): rendered pictures against their captions");
  tcc->add_option("--data", tc->data, "Corpus folder with rendered pictures (data make --images / data images); its train split is used")->required();
  tcc->add_option("--val-data", tc->val_data, "Corpus folder whose val-split pictures are validated on (default: --data)");
  tcc->add_option("--out", tc->t.out_dir, "Run folder: checkpoint.pt, metrics.csv")->required();
  tcc->add_option("--export", tc->export_dir, "Write the trained image encoder bundle here when done");
  add_train_options(*tcc, tc->t);
  tcc->add_option("--batch", tc->batch, "Pictures per step")->check(CLI::Range(2, 4096));
  tcc->add_option("--image-size", tc->config.vision.image_size, "Input size in pixels")->check(CLI::Range(16, 1024));
  tcc->add_option("--patch", tc->config.vision.patch_size, "Patch size in pixels (must divide --image-size)")->check(CLI::Range(2, 256));
  tcc->add_option("--width", tc->config.vision.dim, "Width of the transformer")->check(CLI::Range(8, 4096));
  tcc->add_option("--layers", tc->config.vision.layers, "Transformer layers")->check(CLI::Range(1, 48));
  tcc->add_option("--heads", tc->config.vision.heads, "Attention heads (must divide --width)")->check(CLI::Range(1, 64));
  tcc->add_option("--feature-dim", tc->config.vision.projection_dim, "Size of the shared image-text embedding")->check(CLI::Range(8, 4096));
  tcc->callback([tc] {
    tc->config.vision.hidden = 4 * tc->config.vision.dim;
    tc->config.vision.check("the options");
    ProgressBar bar;
    const int size = tc->config.vision.image_size;
    auto train_pictures = train::read_captioned_pictures(tc->data, "train", size, [&bar](int d, int n) { bar.update("reading train pictures", double(d) / n); });
    const std::string val_dir = tc->val_data.empty() ? tc->data : tc->val_data;
    train::CaptionedPictures val_pictures;
    try {
      val_pictures = train::read_captioned_pictures(val_dir, "val", size, [&bar](int d, int n) { bar.update("reading val pictures", double(d) / n); });
    } catch (const Error& e) {
      if (!tc->val_data.empty()) throw;  // asked for: its problem is an error
      std::fprintf(stderr, "note: no val pictures in %s; training without validation\n", val_dir.c_str());
    }
    const std::string manifest = train_pictures.manifest;
    train::ClipTask task(tc->config, std::move(train_pictures), std::move(val_pictures), tc->batch, tc->t.seed);
    const auto r = train_and_report(task, tc->t, bar);
    if (r.interrupted || tc->export_dir.empty() || tc->t.rank != 0) return;
    train::RunRecord run{command_line(), tc->t, tc->batch, r.seconds, tc->data, manifest, {}};
    vision::save_clip_vision_bundle(tc->export_dir, task.model()->image, train::clip_card(run, tc->config, task.validate()), true);
    std::printf("exported %s\n", tc->export_dir.c_str());
  });

  // ------------------------------------------------------------------ train visual
  struct TrainVisual {
    std::string data, val_data, init, clip, export_dir, tasks = "image2pose,image2text,imagediff", stage = "align";
    std::string detector, landmarks;
    train::TrainOptions t;
    int batch = 16, grid = 8;
    bool no_pose_encoder = false;
    double joint_loss = 10, hints = 0.3;
  };
  auto tv = std::make_shared<TrainVisual>();
  tv->t.steps = 3000;
  tv->t.lr = 1e-3;
  tv->t.weight_decay = 0.01;
  tv->t.eval_every = 500;
  tv->t.checkpoint_every = 250;
  auto* tvc = train_cmd->add_subcommand("visual", "Stage 3: the visual projector from the frozen encoders' token grid into the (frozen) language "
                                                  "model, on rendered pictures: image-to-text, image-diff, pose estimation");
  tvc->add_option("--data", tv->data, "Corpus folder with rendered pictures (data make --images / data images); its train split is used")->required();
  tvc->add_option("--val-data", tv->val_data, "Corpus folder (the same corpus) whose val-split pictures are validated on (default: --data)");
  tvc->add_option("--out", tv->t.out_dir, "Run folder: checkpoint.pt, metrics.csv, the pictures' cached tokens")->required();
  tvc->add_option("--export", tv->export_dir, "Write the visual branch bundle (projector) here when done");
  tvc->add_option("--init", tv->init, "The language model bundle the projector speaks to (default: the shipped one); it stays frozen");
  tvc->add_option("--clip", tv->clip, "A CLIP-architecture image encoder (Hugging Face CLIP vision weights or `train clip --export`) beside "
                                      "BlazePose's grid");
  tvc->add_flag("--no-pose-encoder", tv->no_pose_encoder, "Leave BlazePose's feature grid out (needs --clip): the encoder ablation");
  tvc->add_option("--grid", tv->grid, "Cells per side of the token grid (grid x grid tokens per picture)")->check(CLI::Range(1, 16));
  tvc->add_option("--tasks", tv->tasks, "Comma-separated: " + task_names(train::VisualTask::trainable_tasks()) + " (a task named twice is drawn twice as often)");
  tvc->add_option("--stage", tv->stage, "align: each task's first wording; instruct: a random wording each time")->check(CLI::IsMember({"align", "instruct"}));
  tvc->add_option("--hints", tv->hints, "Share of estimation requests that carry words of the pose's caption as a hint (text-hinted estimation)")
      ->check(CLI::Range(0.0, 1.0));
  tvc->add_option("--joint-loss", tv->joint_loss, "Weight of the joint-position loss of estimated poses (per metre of L1)")->check(CLI::Range(0.0, 1e6));
  tvc->add_option("--detector", tv->detector, "Person detector bundle (default: models/blazepose_detector)");
  tvc->add_option("--landmarks", tv->landmarks, "Landmark model bundle (default: models/blazepose_full)");
  add_train_options(*tvc, tv->t);
  tvc->add_option("--batch", tv->batch, "Sequences per step")->check(CLI::Range(1, 65536));
  tvc->callback([tv] {
    if (tv->no_pose_encoder && tv->clip.empty()) throw Error("--no-pose-encoder leaves no encoder: give --clip too");
    // The longest request must fit the language model (VisualTask checks it again): said before any picture is encoded.
    const int picture_positions = tv->grid * tv->grid * (tv->tasks.find("imagediff") != std::string::npos ? 2 : 1);
    ProgressBar bar;
    const std::string lm_dir = tv->init.empty() ? engine::Engine::default_language_model() : tv->init;
    auto lm = nn::load_lm_bundle(lm_dir);
    if (picture_positions + 160 > lm.model->config.max_positions)
      throw Error("--grid " + std::to_string(tv->grid) + " puts " + std::to_string(picture_positions) + " picture positions in a request; the language model reads " +
                  std::to_string(lm.model->config.max_positions) + ": choose a coarser --grid");
    nn::PoseCodec codec(nn::load_tokenizer_bundle(engine::Engine::pose_tokenizer_of(lm_dir)));
    vision::ClipVision clip{nullptr};
    nn::VisualBranchConfig branch;
    branch.grid = tv->grid;
    branch.pose_encoder = !tv->no_pose_encoder;
    branch.language_model_sha256 = io::sha256_file(lm_dir + "/model.safetensors");
    if (!tv->clip.empty()) {
      clip = vision::load_clip_vision(tv->clip);
      branch.clip_sha256 = io::sha256_file(io::safetensors_files(tv->clip).front());
    }
    std::shared_ptr<const vision::BlazePose> pose;
    if (branch.pose_encoder) {
      const std::string detector = tv->detector.empty() ? engine::PhotoEngine::default_detector() : tv->detector;
      const std::string landmarks = tv->landmarks.empty() ? engine::PhotoEngine::default_landmarks() : tv->landmarks;
      pose = std::make_shared<const vision::BlazePose>(detector, landmarks);
      branch.pose_encoder_sha256 = io::sha256_file(landmarks + "/model.safetensors");
      branch.detector_sha256 = io::sha256_file(detector + "/model.safetensors");
    }
    const vision::VisualEncoders encoders(clip, pose, tv->grid);
    const std::string key = train::visual_cache_key(branch);
    std::filesystem::create_directories(tv->t.out_dir);
    // The run's checkpoints hold this language model's weights: a resumed run must speak to the same one.
    const std::string lm_record = tv->t.out_dir + "/language_model.sha256";
    if (tv->t.resume && std::filesystem::exists(lm_record)) {
      std::string recorded = io::read_text_file(lm_record);
      recorded.erase(std::remove_if(recorded.begin(), recorded.end(), [](unsigned char ch) { return std::isspace(ch); }), recorded.end());
      if (recorded != branch.language_model_sha256)
        fail(lm_dir + "/model.safetensors", "is not the language model this run started with (" + lm_record + ")");
    } else {
      io::write_file_atomic(lm_record, branch.language_model_sha256 + "\n");
    }
    const std::string val_dir = tv->val_data.empty() ? tv->data : tv->val_data;
    auto [train_pictures, val_pictures] = encode_run_pictures(encoders, key, tv->data, val_dir, !tv->val_data.empty(), tv->t.out_dir, bar);
    bar.update("reading corpus", 0);
    const auto corpus = data::read_corpus(tv->data);
    if (!tv->val_data.empty() && io::read_text_file(val_dir + "/manifest.json") != corpus.manifest)
      fail(val_dir + "/manifest.json", "is not the manifest of " + tv->data + ": the val pictures must show poses of the same corpus");
    auto codes = codec.encode_all(corpus.poses, [&bar](double f) { bar.update("encoding poses", f); });
    std::vector<Task> tasks;
    std::stringstream ss(tv->tasks);
    for (std::string t; std::getline(ss, t, ',');)
      if (!t.empty()) tasks.push_back(parse_task(t));
    branch.projector = nn::VisualProjectorConfig{encoders.channels(), lm.model->config.dim};
    train::VisualModel model(lm.model, branch.projector);
    const auto templates = text::load_instruction_templates(text::resources_dir() + "/text/instruction_templates.json");
    train::VisualTask task(model, corpus, std::move(codes), lm.tokenizer, templates, tv->stage, tasks, tv->batch, std::move(train_pictures),
                           std::move(val_pictures), false);
    task.set_joint_loss(codec.tokenizer(), tv->joint_loss);
    task.set_hints(tv->hints);
    const auto r = train_and_report(task, tv->t, bar);
    if (r.interrupted || tv->export_dir.empty() || tv->t.rank != 0) return;
    train::RunRecord run{command_line(), tv->t, tv->batch, r.seconds, tv->data, corpus.manifest, {}};
    run.notes.push_back("language model: `" + lm_dir + "` (frozen)");
    model->to(torch::kCPU);
    std::filesystem::remove_all(tv->export_dir + "/clip");  // a reused folder keeps no other run's encoder
    if (clip) {  // the bundle carries the CLIP encoder it was trained with (in F32, the numbers it saw)
      const std::string card = std::filesystem::exists(tv->clip + "/MODEL_CARD.md") ? io::read_text_file(tv->clip + "/MODEL_CARD.md")
                                                                                      : "# CLIP-architecture image encoder\n\nFrom `" + tv->clip + "`.\n";
      vision::save_clip_vision_bundle(tv->export_dir + "/clip", clip, card, false);
      branch.clip_sha256 = io::sha256_file(tv->export_dir + "/clip/model.safetensors");
    }
    nn::save_visual_bundle(tv->export_dir, model->projector, branch, train::visual_card(run, branch, tv->tasks, false, r.last_eval));
    std::printf("exported %s\n", tv->export_dir.c_str());
  });
}

}  // namespace unipose::app
