#include "core/engine/photo_evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/body/body_model.h"
#include "core/data/corpus_reader.h"
#include "core/data/render.h"
#include "core/error.h"
#include "core/eval/metrics.h"
#include "core/image/image.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/npz.h"
#include "core/vision/fit.h"
#include "core/vision/lifter.h"

namespace unipose::engine {
namespace {
using json = nlohmann::json;

struct Label {
  std::map<std::string, std::array<double, 3>> points;  // name -> x, y, v
  double box_side = 0;
  double torso = 0;  // 0 when the shoulder or hip is not labelled
};

std::string family_of(const std::string& name) {
  for (const char* f : {"shoulder", "elbow", "wrist", "hip", "knee", "ankle"})
    if (name.find(f) != std::string::npos) return std::string(f) + "s";
  return "head";
}

bool has_numbers(const json& p, const char* key, std::size_t n) {
  if (!p.contains(key) || !p[key].is_array() || p[key].size() != n) return false;
  for (const auto& v : p[key])
    if (!v.is_number()) return false;
  return true;
}

Label read_label(const json& p, const std::string& where) {
  Label l;
  if (!p.contains("keypoints") || !p["keypoints"].is_object()) fail(where, "a person without keypoints");
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (const auto& [name, v] : p["keypoints"].items()) {
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number()) fail(where, "keypoint '" + name + "' is not [x, y, v]");
    l.points[name] = {v[0].get<double>(), v[1].get<double>(), v[2].get<double>()};
    if (v[2].get<double>() > 0) {
      x0 = std::min(x0, v[0].get<double>()), y0 = std::min(y0, v[1].get<double>());
      x1 = std::max(x1, v[0].get<double>()), y1 = std::max(y1, v[1].get<double>());
    }
  }
  if (has_numbers(p, "bbox", 4)) l.box_side = std::max(p["bbox"][2].get<double>(), p["bbox"][3].get<double>());
  else if (p.contains("scale") && p["scale"].is_number()) l.box_side = 200 * p["scale"].get<double>();  // MPII: scale x 200 px is the person's height
  else l.box_side = std::max(x1 - x0, y1 - y0);
  const auto s = l.points.find("left_shoulder"), h = l.points.find("right_hip");
  if (s != l.points.end() && h != l.points.end() && s->second[2] > 0 && h->second[2] > 0) l.torso = std::hypot(s->second[0] - h->second[0], s->second[1] - h->second[1]);
  return l;
}

// The labelled box (x0, y0, x1, y1) the landmark model is given in the "labelled boxes" run.
std::array<double, 4> box_of(const json& p, const Label& l) {
  if (has_numbers(p, "bbox", 4)) {
    const double x = p["bbox"][0].get<double>(), y = p["bbox"][1].get<double>();
    return {x, y, x + p["bbox"][2].get<double>(), y + p["bbox"][3].get<double>()};
  }
  if (has_numbers(p, "center", 2)) {
    const double cx = p["center"][0].get<double>(), cy = p["center"][1].get<double>(), h = l.box_side / 2;
    return {cx - h, cy - h, cx + h, cy + h};
  }
  throw Error("a labelled person without a box (bbox [x, y, w, h] or MPII's center and scale)");
}

const PhotoLandmark* landmark(const PhotoPerson& p, const std::string& name) {
  for (const auto& m : p.landmarks)
    if (m.name == name) return &m;
  return nullptr;
}

// Mean distance over the label's visible keypoints, in box sides (for matching people).
double mismatch(const Label& l, const PhotoPerson& p) {
  double sum = 0;
  int n = 0;
  for (const auto& [name, v] : l.points) {
    const auto* m = landmark(p, name);
    if (!m || v[2] < 2) continue;
    sum += std::hypot(m->x - v[0], m->y - v[1]) / std::max(1.0, l.box_side);
    ++n;
  }
  return n ? sum / n : 1e9;
}

void count(std::map<std::string, PckCount>& pck, const Label& l, const PhotoPerson* p, double threshold) {
  for (const auto& [name, v] : l.points) {
    if (v[2] < 2) continue;
    const auto* m = p ? landmark(*p, name) : nullptr;
    if (p && !m) continue;  // a keypoint BlazePose does not have (MPII's pelvis, thorax, neck, head top)
    if (!p) {
      // Nobody matched: every keypoint BlazePose would have given is a miss.
      static const PhotoPerson names = [] {
        PhotoPerson q;
        for (const char* n : {"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                              "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"})
          q.landmarks.push_back({n, 0, 0, 0});
        return q;
      }();
      if (!landmark(names, name)) continue;
    }
    const bool hit = m && std::hypot(m->x - v[0], m->y - v[1]) <= threshold;
    for (const std::string& f : {family_of(name), std::string("all")}) {
      pck[f].total += 1;
      pck[f].hits += hit;
    }
  }
}

void evaluate_photo(PhotoEngine& engine, const std::string& dir, const json& im, const std::string& file, bool tiles,
                    const std::function<pose::Pose(const image::Image&)>& model_path, PhotoEvaluation& ev) {
  const auto& limbs = vision::limb_joint_pairs();
  const auto picture = image::read_image(dir + "/" + file);
  ++ev.photos;
  std::vector<Label> labels;
  for (const auto& p : im["people"]) labels.push_back(read_label(p, file));
  ev.people += static_cast<int>(labels.size());
  // One detection for everyone: landmarks and fits of all the people found.
  const auto all = engine.estimate_all(picture, tiles);
  std::vector<PhotoPerson> found;
  double ms = all.empty() ? 0 : all.front().detect_ms + all.front().landmarks_ms;
  for (const auto& e : all) {
    found.push_back(e.person);
    ms += e.fit_ms;
  }
  ev.estimate_ms.push_back(ms);
  // Greedy matching: the closest (label, detection) pair first.
  std::vector<std::tuple<double, int, int>> pairs;
  for (std::size_t a = 0; a < labels.size(); ++a)
    for (std::size_t b = 0; b < found.size(); ++b) pairs.emplace_back(mismatch(labels[a], found[b]), static_cast<int>(a), static_cast<int>(b));
  std::sort(pairs.begin(), pairs.end());
  std::vector<int> match(labels.size(), -1);
  std::vector<bool> taken(found.size(), false);
  for (const auto& [d, a, b] : pairs)
    if (match[a] < 0 && !taken[b] && d < 0.5) match[a] = b, taken[b] = true;
  int matched = 0;
  for (std::size_t a = 0; a < labels.size(); ++a) {
    const Label& l = labels[a];
    const PhotoPerson* p = match[a] >= 0 ? &found[match[a]] : nullptr;
    matched += p != nullptr;
    count(ev.detector_box, l, p, 0.2 * l.box_side);
    if (l.torso > 0) count(ev.detector_torso, l, p, 0.2 * l.torso);
    const PhotoPerson boxed = engine.person_in_box(picture, box_of(im["people"][a], l));
    count(ev.labelled_box, l, &boxed, 0.2 * l.box_side);
    if (l.torso > 0) count(ev.labelled_torso, l, &boxed, 0.2 * l.torso);
    if (!p) continue;
    const auto& e = all[match[a]];
    if (model_path && match[a] == 0) {  // the largest person: the one the model path reads
      ++ev.model_people;
      const auto started = std::chrono::steady_clock::now();
      const auto guess = place_in_picture(model_path(picture), e.person);
      ev.model_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
      const auto rest = place_in_picture(pose::Pose{}, e.person);
      for (const auto& [joint, mark] : limbs) {
        const auto it = l.points.find(e.person.landmarks[mark].name);
        if (it == l.points.end() || it->second[2] < 2) continue;
        auto tally = [&](PckCount& box, PckCount& torso, const std::array<double, 2>& at) {
          const double d = std::hypot(at[0] - it->second[0], at[1] - it->second[1]);
          box.total++, box.hits += d <= 0.2 * l.box_side;
          if (l.torso > 0) torso.total++, torso.hits += d <= 0.2 * l.torso;
        };
        tally(ev.model_limbs_box, ev.model_limbs_torso, guess.joints[joint]);
        tally(ev.rest_limbs_box, ev.rest_limbs_torso, rest.joints[joint]);
        tally(ev.fitted_largest_box, ev.fitted_largest_torso, e.projected[joint]);
      }
    }
    for (const auto& [joint, mark] : limbs) {
      const std::string& name = e.person.landmarks[mark].name;
      const auto it = l.points.find(name);
      if (it == l.points.end() || it->second[2] < 2) continue;
      const double db = std::hypot(e.person.landmarks[mark].x - it->second[0], e.person.landmarks[mark].y - it->second[1]);
      const double df = std::hypot(e.projected[joint][0] - it->second[0], e.projected[joint][1] - it->second[1]);
      ev.blazepose_limbs_box.total++, ev.fitted_limbs_box.total++;
      ev.blazepose_limbs_box.hits += db <= 0.2 * l.box_side;
      ev.fitted_limbs_box.hits += df <= 0.2 * l.box_side;
      if (l.torso > 0) {
        ev.blazepose_limbs_torso.total++, ev.fitted_limbs_torso.total++;
        ev.blazepose_limbs_torso.hits += db <= 0.2 * l.torso;
        ev.fitted_limbs_torso.hits += df <= 0.2 * l.torso;
      }
    }
  }
  ev.matched += matched;
  ev.notes.push_back(file + ": " + std::to_string(labels.size()) + " labelled, " + std::to_string(found.size()) + " found, " + std::to_string(matched) + " matched");
}

constexpr int kJ = 22;  // body joints compared

std::vector<Eigen::Vector3d> body_joints(const body::BodyModel& body, const pose::Pose& p) {
  const auto j = body.posed_joints(p);
  return std::vector<Eigen::Vector3d>(j.begin(), j.begin() + kJ);
}

// The fit's frame: x to the picture's right, y up, z towards the camera, pelvis (the first joint) at the
// origin; a world point goes there by the camera's rotation and a flip of y and z.
std::vector<Eigen::Vector3d> in_fit_frame(const data::RenderCamera& c, const std::vector<Eigen::Vector3d>& world) {
  std::vector<Eigen::Vector3d> out;
  for (const auto& p : world) {
    const Eigen::Vector3d q = c.rotation * (p - world[0]);
    out.emplace_back(q.x(), -q.y(), -q.z());
  }
  return out;
}

}  // namespace

PhotoEvaluation evaluate_photos(PhotoEngine& engine, const std::string& dir, bool tiles, const std::function<pose::Pose(const image::Image&)>& model_path) {
  const std::string path = dir + "/keypoints.json";
  const json doc = io::read_json_file(path);
  if (!doc.contains("images") || !doc["images"].is_array()) fail(path, "no 'images' list");
  PhotoEvaluation ev;
  for (const auto& im : doc["images"]) {
    if (!im.is_object() || !im.contains("file") || !im["file"].is_string() || !im.contains("people") || !im["people"].is_array())
      fail(path, "an image entry without file or people");
    const std::string file = im["file"].get<std::string>();
    try {
      evaluate_photo(engine, dir, im, file, tiles, model_path, ev);
    } catch (const Error& e) {
      fail(path, file + ": " + e.what());
    } catch (const json::exception& e) {
      fail(path, file + ": " + io::json_message(e));
    }
  }
  return ev;
}

RenderEvaluation evaluate_renders(PhotoEngine& engine, const std::string& corpus_dir, const std::string& split, int limit, bool tiles,
                                  const PictureToPose& model_path, const std::function<void(int, int)>& progress) {
  const data::Corpus corpus = data::read_corpus(corpus_dir);
  const auto images = data::read_rendered_images(corpus_dir);
  const auto body = body::make_mannequin();
  auto joints_of = [&](const pose::Pose& p) { return body_joints(*body, p); };
  auto rooted = [](std::vector<Eigen::Vector3d> j) {
    const Eigen::Vector3d root = j[0];
    for (auto& p : j) p -= root;
    return j;
  };
  // The mean pose of the training split, as joints in its own (world) frame, pelvis at the origin.
  // And in the body's own frame (the corpus poses face +z; their lean kept), for the second estimator's figures.
  std::vector<Eigen::Vector3d> mean(kJ, Eigen::Vector3d::Zero()), mean_body(kJ, Eigen::Vector3d::Zero());
  int n_train = 0;
  for (const int p : corpus.split("train")) {
    pose::Pose q = corpus.poses[p];
    const auto b = rooted(joints_of(q));
    q.rotations[body::kPelvis] = Eigen::Vector3d::Zero();  // facing +z, upright: the pose alone
    const auto j = rooted(joints_of(q));
    for (int k = 0; k < kJ; ++k) mean[k] += j[k], mean_body[k] += b[k];
    ++n_train;
  }
  if (n_train == 0) fail(corpus_dir, "the training split is empty (the mean-pose baseline needs it)");
  for (auto& m : mean) m /= n_train;
  for (auto& m : mean_body) m /= n_train;

  auto tensor_of = [](const std::vector<Eigen::Vector3d>& j) {
    at::Tensor t = at::empty({1, static_cast<long>(j.size()), 3}, at::kDouble);
    for (std::size_t k = 0; k < j.size(); ++k)
      for (int i = 0; i < 3; ++i) t[0][static_cast<long>(k)][i] = j[k][i];
    return t;
  };
  RenderEvaluation r;
  int total = 0;
  for (const auto& im : images) total += im.split == split;
  if (limit > 0) total = std::min(total, limit);
  for (const auto& im : images) {
    if (im.split != split) continue;
    if (limit > 0 && r.images >= limit) break;
    if (progress) progress(r.images, total);
    if (im.pose >= static_cast<int>(corpus.poses.size())) fail(corpus_dir + "/images.jsonl", "an image names pose " + std::to_string(im.pose) + " of " + std::to_string(corpus.poses.size()));
    ++r.images;
    const image::Image picture = image::read_image(im.file);
    const auto truth = in_fit_frame(im.camera, joints_of(corpus.poses[im.pose]));
    const at::Tensor t = tensor_of(truth) * 1000;
    const at::Tensor g = tensor_of(mean) * 1000;  // the mean pose, upright and facing the camera
    const at::Tensor gb = tensor_of(mean_body) * 1000;  // the mean pose as the corpus poses lean
    // The language model's path and the mean pose in the body's own frame.
    double model_mpjpe = 0, model_pa = 0;
    if (model_path) {
      const auto started = std::chrono::steady_clock::now();
      const auto guess = model_path(picture, im.pose);
      r.model_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
      const at::Tensor body_truth = tensor_of(rooted(joints_of(corpus.poses[im.pose]))) * 1000;
      const at::Tensor m = tensor_of(rooted(joints_of(guess))) * 1000;
      model_mpjpe = eval::mpjpe(m, body_truth).item<double>();
      model_pa = eval::pa_mpjpe(m, body_truth).item<double>();
      r.model_mpjpe_mm.push_back(model_mpjpe);
      r.model_pa_mpjpe_mm.push_back(model_pa);
      const std::string kind = im.small ? "small" : im.cropped ? "cropped" : im.occluded ? "occluded" : "whole";
      r.model_pa_by_kind[kind].push_back(model_pa);
      r.model_mpjpe_by_kind[kind].push_back(model_mpjpe);
      r.mean_pose_body_mpjpe_all_mm.push_back(eval::mpjpe(gb, body_truth).item<double>());
      r.mean_pose_pa_all_mm.push_back(eval::pa_mpjpe(gb, body_truth).item<double>());
    }
    PhotoEstimate e;
    try {
      e = engine.estimate(picture, 0, tiles);
    } catch (const Error&) {
      continue;  // nobody found: counted in images, not in found
    }
    ++r.found;
    if (model_path) {
      r.model_found_mpjpe_mm.push_back(model_mpjpe);
      r.model_found_pa_mpjpe_mm.push_back(model_pa);
    }
    r.estimate_ms.push_back(e.detect_ms + e.landmarks_ms + e.fit_ms);
    const auto fj = rooted(joints_of(e.pose));
    const at::Tensor f = tensor_of(fj) * 1000;
    r.mpjpe_mm.push_back(eval::mpjpe(f, t).item<double>());
    const double pa = eval::pa_mpjpe(f, t).item<double>();
    r.pa_mpjpe_mm.push_back(pa);
    r.mean_pose_mpjpe_mm.push_back(eval::mpjpe(g, t).item<double>());
    r.mean_pose_pa_mpjpe_mm.push_back(eval::pa_mpjpe(g, t).item<double>());
    r.pa_by_kind[im.small ? "small" : im.cropped ? "cropped" : im.occluded ? "occluded" : "whole"].push_back(pa);
    // In the picture: BlazePose's 2D and the fit's reprojection against the drawn joints (as images.jsonl
    // recorded them, projected by the render's camera).
    if (im.joints_2d.size() < static_cast<size_t>(kJ)) fail(corpus_dir + "/images.jsonl", "an image records fewer than 22 projected joints");
    const std::vector<Eigen::Vector2d> drawn(im.joints_2d.begin(), im.joints_2d.begin() + kJ);
    Eigen::Vector2d lo = drawn[0], hi = drawn[0];
    for (const auto& d : drawn) lo = lo.cwiseMin(d), hi = hi.cwiseMax(d);
    const double box = (hi - lo).maxCoeff(), torso = (drawn[body::kLeftShoulder] - drawn[body::kRightHip]).norm();
    for (const auto& [joint, mark] : vision::limb_joint_pairs()) {
      const Eigen::Vector2d& d = drawn[joint];
      if (d.x() < 0 || d.y() < 0 || d.x() >= picture.width || d.y() >= picture.height) continue;
      const double db = (Eigen::Vector2d(e.person.landmarks[mark].x, e.person.landmarks[mark].y) - d).norm();
      const double df = (Eigen::Vector2d(e.projected[joint][0], e.projected[joint][1]) - d).norm();
      r.blazepose_limbs_box.total++, r.fitted_limbs_box.total++, r.blazepose_limbs_torso.total++, r.fitted_limbs_torso.total++;
      r.blazepose_limbs_box.hits += db <= 0.2 * box;
      r.fitted_limbs_box.hits += df <= 0.2 * box;
      r.blazepose_limbs_torso.hits += db <= 0.2 * torso;
      r.fitted_limbs_torso.hits += df <= 0.2 * torso;
    }
  }
  if (r.images == 0) fail(corpus_dir + "/images.jsonl", "no rendered images in the '" + split + "' split");
  return r;
}

LiftViewRecord record_lift_views(PhotoEngine& engine, const std::string& corpus_dir, const std::string& split, int limit, bool tiles,
                                 const std::string& out_npz, const std::string& source, const std::function<void(int, int)>& progress) {
  const data::Corpus corpus = data::read_corpus(corpus_dir);
  const auto all = data::read_rendered_images(corpus_dir);
  std::vector<std::int64_t> chosen;  // lines of images.jsonl
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].split == split && (limit <= 0 || static_cast<int>(chosen.size()) < limit)) chosen.push_back(static_cast<std::int64_t>(i));
  if (chosen.empty()) fail(corpus_dir + "/images.jsonl", "no rendered images in the '" + split + "' split");
  const auto body = body::make_mannequin();
  std::vector<float> inputs, joints;
  std::vector<std::int64_t> lines;
  LiftViewRecord r;
  for (const std::int64_t line : chosen) {
    const auto& im = all[static_cast<std::size_t>(line)];
    if (im.pose < 0 || im.pose >= static_cast<int>(corpus.poses.size()))
      fail(corpus_dir + "/images.jsonl", "an image names pose " + std::to_string(im.pose) + " of " + std::to_string(corpus.poses.size()));
    ++r.images;
    const auto people = engine.people(image::read_image(im.file), tiles);
    if (progress) progress(r.images, static_cast<int>(chosen.size()));
    if (people.empty()) continue;
    vision::PoseLandmarks lm;  // the landmarks as the lifter reads them: image x, y and visibility
    lm.image.resize(vision::kBlazePoseNamed);
    for (int i = 0; i < vision::kBlazePoseNamed; ++i) {
      lm.image[i].position = Eigen::Vector3d(people[0].landmarks[i].x, people[0].landmarks[i].y, 0);
      lm.image[i].visibility = people[0].landmarks[i].visibility;
    }
    const auto x = vision::lifter_input(lm);
    inputs.insert(inputs.end(), x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    for (const auto& p : in_fit_frame(im.camera, body_joints(*body, corpus.poses[im.pose])))
      for (int k = 0; k < 3; ++k) joints.push_back(static_cast<float>(p[k]));
    lines.push_back(line);
    ++r.found;
  }
  if (r.found == 0) fail(corpus_dir + "/images.jsonl", "nobody was found in any picture of the '" + split + "' split");
  const std::int64_t n = r.found;
  io::NpzArchive out{{"inputs", io::NpyArray::from_float({n, vision::kLiftInputs}, inputs)},
                     {"joints", io::NpyArray::from_float({n, kJ, 3}, joints)},
                     {"images", io::NpyArray::from_int64({n}, lines)}};
  if (!source.empty()) out["source"] = io::NpyArray{"u1", {static_cast<std::int64_t>(source.size())}, std::vector<std::uint8_t>(source.begin(), source.end())};
  io::write_npz(out_npz, out);
  return r;
}

}  // namespace unipose::engine
