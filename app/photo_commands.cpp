// Photos: `convert tfjs`, `estimate --image`, `eval photos`, `eval renders`, `bench photo`, `data lift-views`, `train lifter`.
#include <sys/resource.h>

#include <algorithm>
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
    std::string image, out, overlay, json, detector, landmarks;
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
  est->add_option("--overlay", e->overlay, "Write the photo with the landmarks and the fitted skeleton drawn over it (.png, .jpg)");
  est->add_option("--json", e->json, "Write the people, landmarks, reprojection error and timings as JSON");
  est->add_option("--detector", e->detector, "Person detector bundle (default: models/blazepose_detector)");
  est->add_option("--landmarks", e->landmarks, "Landmark model bundle (default: models/blazepose_full)");
  add_lifter_options(est, e->lifter);
  est->callback([e] {
    const auto picture = image::read_image(e->image);
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
}

}  // namespace unipose::app
