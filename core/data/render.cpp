#include "core/data/render.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/data/corpus.h"
#include "core/data/corpus_reader.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"

namespace unipose::data {
namespace {

constexpr double kDeg = M_PI / 180.0;
constexpr int kSupersample = 2;

double u(std::mt19937_64& rng, double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }

std::array<double, 3> random_colour(std::mt19937_64& rng, double lo, double hi) {
  return {u(rng, lo, hi), u(rng, lo, hi), u(rng, lo, hi)};
}

// Background of the supersampled picture, colours 0..1.
void fill_background(std::vector<float>& rgb, int w, int h, const RenderStyle& s) {
  struct Blotch {
    double x, y, r;
    std::array<double, 3> c;
  };
  std::vector<Blotch> blotches;
  if (s.background == 2) {
    std::mt19937_64 rng(s.background_seed);
    const int n = 6 + static_cast<int>(rng() % 10);
    for (int k = 0; k < n; ++k) {
      const double t = u(rng, 0, 1);
      std::array<double, 3> c;
      for (int i = 0; i < 3; ++i) c[i] = std::clamp((1 - t) * s.background_a[i] + t * s.background_b[i] + u(rng, -0.15, 0.15), 0.0, 1.0);
      blotches.push_back({u(rng, 0, w), u(rng, 0, h), u(rng, 0.08, 0.35) * w, c});
    }
  }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::array<double, 3> c = s.background_a;
      if (s.background == 1) {
        const double t = static_cast<double>(y) / std::max(1, h - 1);
        for (int i = 0; i < 3; ++i) c[i] = (1 - t) * s.background_a[i] + t * s.background_b[i];
      } else if (s.background == 2) {
        for (const auto& b : blotches) {
          const double d2 = ((x - b.x) * (x - b.x) + (y - b.y) * (y - b.y)) / (b.r * b.r);
          const double a = std::exp(-d2);
          for (int i = 0; i < 3; ++i) c[i] = (1 - a) * c[i] + a * b.c[i];
        }
      }
      float* p = rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3;
      for (int i = 0; i < 3; ++i) p[i] = static_cast<float>(c[i]);
    }
}

}  // namespace

Eigen::Vector2d RenderCamera::project(const Eigen::Vector3d& world) const {
  const Eigen::Vector3d p = to_camera(world);
  const double z = std::max(p.z(), 1e-6);
  return {focal * p.x() / z + cx, focal * p.y() / z + cy};
}

image::Image render_mesh(const body::Mesh& mesh, const RenderCamera& camera, const RenderStyle& style) {
  if (camera.width <= 0 || camera.height <= 0 || camera.width > 4096 || camera.height > 4096)
    throw Error("render: picture size " + std::to_string(camera.width) + " x " + std::to_string(camera.height) + " is not within 1..4096");
  const int w = camera.width * kSupersample, h = camera.height * kSupersample;
  std::vector<float> rgb(static_cast<std::size_t>(w) * h * 3);
  fill_background(rgb, w, h, style);
  std::vector<float> inv_depth(static_cast<std::size_t>(w) * h, 0.0f);  // 1/z of the nearest surface; 0 = none

  // Per vertex: screen position, 1/z, brightness and height (for the stripes).
  const std::size_t nv = mesh.vertices.size();
  std::vector<Eigen::Vector2d> screen(nv);
  std::vector<double> iz(nv), light(nv), height(nv);
  const bool have_normals = mesh.normals.size() == nv;
  for (std::size_t i = 0; i < nv; ++i) {
    const Eigen::Vector3d v = mesh.vertices[i].cast<double>();
    const Eigen::Vector3d c = camera.to_camera(v);
    iz[i] = c.z() > 0.05 ? 1.0 / c.z() : 0.0;
    screen[i] = Eigen::Vector2d(camera.focal * c.x() * iz[i] + camera.cx, camera.focal * c.y() * iz[i] + camera.cy) * kSupersample;
    double lambert = 0.6;
    if (have_normals) lambert = std::max(0.0, -mesh.normals[i].cast<double>().dot(style.light));
    light[i] = style.ambient + (1 - style.ambient) * lambert;
    height[i] = v.y();
  }
  for (const auto& f : mesh.faces) {
    if (f[0] >= nv || f[1] >= nv || f[2] >= nv) throw Error("render: a face names vertex " + std::to_string(std::max({f[0], f[1], f[2]})) + " of " + std::to_string(nv));
    if (iz[f[0]] == 0 || iz[f[1]] == 0 || iz[f[2]] == 0) continue;  // behind or too close to the camera
    const Eigen::Vector2d &a = screen[f[0]], &b = screen[f[1]], &c = screen[f[2]];
    const double area = (b.x() - a.x()) * (c.y() - a.y()) - (b.y() - a.y()) * (c.x() - a.x());
    if (std::abs(area) < 1e-12) continue;
    const int x0 = std::max(0, static_cast<int>(std::floor(std::min({a.x(), b.x(), c.x()}))));
    const int x1 = std::min(w - 1, static_cast<int>(std::ceil(std::max({a.x(), b.x(), c.x()}))));
    const int y0 = std::max(0, static_cast<int>(std::floor(std::min({a.y(), b.y(), c.y()}))));
    const int y1 = std::min(h - 1, static_cast<int>(std::ceil(std::max({a.y(), b.y(), c.y()}))));
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double px = x + 0.5, py = y + 0.5;
        const double w0 = ((b.x() - px) * (c.y() - py) - (b.y() - py) * (c.x() - px)) / area;
        const double w1 = ((c.x() - px) * (a.y() - py) - (c.y() - py) * (a.x() - px)) / area;
        const double w2 = 1 - w0 - w1;
        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
        const double z = w0 * iz[f[0]] + w1 * iz[f[1]] + w2 * iz[f[2]];
        float& depth = inv_depth[static_cast<std::size_t>(y) * w + x];
        if (z <= depth) continue;
        depth = static_cast<float>(z);
        // Perspective-correct height for the stripes; brightness interpolated on the screen.
        const double hy = (w0 * height[f[0]] * iz[f[0]] + w1 * height[f[1]] * iz[f[1]] + w2 * height[f[2]] * iz[f[2]]) / z;
        const double bright = w0 * light[f[0]] + w1 * light[f[1]] + w2 * light[f[2]];
        const bool stripe = style.stripe_period > 0 && std::fmod(hy / style.stripe_period + 1000.0, 1.0) < 0.5;
        const auto& base = stripe ? style.stripe_rgb : style.body_rgb;
        float* p = rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3;
        for (int i = 0; i < 3; ++i) p[i] = static_cast<float>(std::min(1.0, base[i] * bright));
      }
  }
  for (const auto& o : style.occluders) {
    const int ox0 = std::max(0, static_cast<int>(o.x0 * kSupersample)), ox1 = std::min(w, static_cast<int>(o.x1 * kSupersample));
    const int oy0 = std::max(0, static_cast<int>(o.y0 * kSupersample)), oy1 = std::min(h, static_cast<int>(o.y1 * kSupersample));
    for (int y = oy0; y < oy1; ++y)
      for (int x = ox0; x < ox1; ++x) {
        float* p = rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3;
        for (int i = 0; i < 3; ++i) p[i] = o.rgb[i] / 255.0f;
      }
  }
  image::Image out;
  out.width = camera.width;
  out.height = camera.height;
  out.rgb.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  std::mt19937_64 noise_rng(style.background_seed ^ 0x5EEDull);
  std::normal_distribution<double> noise(0, std::max(style.noise, 1e-9));
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int i = 0; i < 3; ++i) {
        double sum = 0;
        for (int dy = 0; dy < kSupersample; ++dy)
          for (int dx = 0; dx < kSupersample; ++dx)
            sum += rgb[(static_cast<std::size_t>(y * kSupersample + dy) * w + x * kSupersample + dx) * 3 + i];
        double v = 255.0 * sum / (kSupersample * kSupersample);
        if (style.noise > 0) v += noise(noise_rng);
        out.pixel(x, y)[i] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
  return out;
}

RenderCamera look_at_camera(const Eigen::Vector3d& eye, const Eigen::Vector3d& target, double fov_deg, int width, int height) {
  if (width < 1 || height < 1) throw Error("camera: picture size " + std::to_string(width) + " x " + std::to_string(height));
  if ((target - eye).norm() < 1e-9) throw Error("camera: the eye is at the target");
  RenderCamera cam;
  cam.width = width;
  cam.height = height;
  cam.focal = 0.5 * std::min(width, height) / std::tan(std::clamp(fov_deg, 1.0, 170.0) * kDeg / 2);
  cam.cx = 0.5 * width;
  cam.cy = 0.5 * height;
  const Eigen::Vector3d forward = (target - eye).normalized();
  Eigen::Vector3d right = forward.cross(Eigen::Vector3d::UnitY());
  if (right.norm() < 1e-6) right = Eigen::Vector3d::UnitX();  // looking straight down or up
  right.normalize();
  const Eigen::Vector3d down = forward.cross(right);
  cam.rotation.row(0) = right.transpose();
  cam.rotation.row(1) = down.transpose();
  cam.rotation.row(2) = forward.transpose();
  cam.translation = -cam.rotation * eye;
  return cam;
}

namespace {
Eigen::Vector3d direction(double yaw_deg, double pitch_deg) {
  return {std::sin(yaw_deg * kDeg) * std::cos(pitch_deg * kDeg), std::sin(pitch_deg * kDeg), std::cos(yaw_deg * kDeg) * std::cos(pitch_deg * kDeg)};
}
}  // namespace

RenderCamera framing_camera(const body::Mesh& posed, double yaw_deg, double pitch_deg, int width, int height, double fov_deg, double fill) {
  if (posed.vertices.empty()) throw Error("camera: nothing to frame (an empty mesh)");
  const auto box = posed.bounds();
  const Eigen::Vector3d centre = box.center().cast<double>();
  const double radius = std::max(0.05, 0.5 * static_cast<double>((box.max() - box.min()).norm()));
  const double focal = 0.5 * std::min(width, height) / std::tan(std::clamp(fov_deg, 1.0, 170.0) * kDeg / 2);
  const double distance = std::max(focal * radius / (std::clamp(fill, 0.05, 2.0) * 0.5 * std::min(width, height)), radius * 1.2);
  return look_at_camera(centre + distance * direction(yaw_deg, pitch_deg), centre, fov_deg, width, height);
}

RenderedView render_random_view(const body::BodyModel& body, const body::PoseParameters& pose, int size, std::mt19937_64& rng, bool small_people) {
  if (size < 32 || size > 4096) throw Error("render: picture size " + std::to_string(size) + " is not within 32..4096");
  const body::PosedBody posed = body.posed(pose);
  const auto box = posed.mesh.bounds();
  const Eigen::Vector3d centre = box.center().cast<double>();
  const double radius = 0.5 * (box.max() - box.min()).cast<double>().norm();

  RenderedView view;
  const double fov = u(rng, 20, 60);
  const double focal = 0.5 * size / std::tan(fov * kDeg / 2);
  // Mostly the front half of the body (it faces +z), sometimes any side.
  double yaw = std::uniform_real_distribution<double>(0, 1)(rng) < 0.75 ? std::normal_distribution<double>(0, 50)(rng) : u(rng, -180, 180);
  const double pitch = u(rng, 5, 35);
  view.cropped = !small_people && std::uniform_real_distribution<double>(0, 1)(rng) < 0.15;
  view.small = small_people;
  const double fill = small_people ? u(rng, 0.12, 0.35) : view.cropped ? u(rng, 1.1, 1.6) : u(rng, 0.55, 0.9);
  Eigen::Vector3d target = centre;
  if (view.cropped) target = posed.joints.positions[std::uniform_int_distribution<int>(0, body::kNumJoints - 1)(rng)];
  const double distance = std::max(focal * radius / (fill * 0.5 * size), radius * 1.2);
  const Eigen::Vector3d dir = direction(yaw, pitch);
  view.camera = look_at_camera(target + distance * dir, target, fov, size, size);
  RenderCamera& cam = view.camera;
  // A small body anywhere its bounding circle stays inside the picture; otherwise near the centre.
  // (A cropped view draws no shift: the draws, and so the pictures of a seed, stay as they were.)
  const double shift = small_people ? 0.5 * (1 - fill) : 0.08;
  cam.cx = 0.5 * size + (view.cropped ? 0 : u(rng, -shift, shift) * size);
  cam.cy = 0.5 * size + (view.cropped ? 0 : u(rng, -shift, shift) * size);

  RenderStyle& st = view.style;
  st.body_rgb = random_colour(rng, 0.15, 0.95);
  if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.4) {
    st.stripe_period = u(rng, 0.05, 0.3);
    const double k = u(rng, 0.45, 0.8);
    st.stripe_rgb = {st.body_rgb[0] * k, st.body_rgb[1] * k, st.body_rgb[2] * k};
  }
  // The light comes from above and mostly from the camera's side.
  const Eigen::Vector3d from = (dir + Eigen::Vector3d(u(rng, -0.9, 0.9), u(rng, 0.3, 1.5), u(rng, -0.9, 0.9))).normalized();
  st.light = -from;
  st.ambient = u(rng, 0.2, 0.5);
  st.background = static_cast<int>(rng() % 3);
  st.background_a = random_colour(rng, 0.05, 0.95);
  st.background_b = random_colour(rng, 0.05, 0.95);
  st.background_seed = rng();
  st.noise = std::uniform_real_distribution<double>(0, 1)(rng) < 0.5 ? u(rng, 0, 8) : 0;

  for (const auto& j : posed.joints.positions) view.joints_2d.push_back(cam.project(j));
  if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.2) {
    const auto& at = view.joints_2d[std::uniform_int_distribution<int>(0, body::kNumJoints - 1)(rng)];
    const double hw = u(rng, 0.06, 0.18) * size, hh = u(rng, 0.05, 0.25) * size;
    RenderOccluder o;
    o.x0 = at.x() - hw + u(rng, -0.5, 0.5) * hw;
    o.x1 = o.x0 + 2 * hw;
    o.y0 = at.y() - hh + u(rng, -0.5, 0.5) * hh;
    o.y1 = o.y0 + 2 * hh;
    const auto c = random_colour(rng, 0, 1);
    o.rgb = {static_cast<std::uint8_t>(c[0] * 255), static_cast<std::uint8_t>(c[1] * 255), static_cast<std::uint8_t>(c[2] * 255)};
    st.occluders.push_back(o);
  }
  view.image = render_mesh(posed.mesh, cam, st);
  return view;
}

namespace {

nlohmann::json camera_json(const RenderCamera& c) {
  nlohmann::json r = nlohmann::json::array();
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) r.push_back(c.rotation(i, k));
  return {{"rotation", r},
          {"translation", {c.translation.x(), c.translation.y(), c.translation.z()}},
          {"focal", c.focal},
          {"principal", {c.cx, c.cy}},
          {"size", {c.width, c.height}}};
}

double rounded(double v) { return std::round(v * 100) / 100; }

}  // namespace

int render_corpus_images(const std::string& dir, const ImageSetOptions& options, const std::function<void(double)>& progress) {
  if (options.count < 1) throw Error("render: --images must be at least 1");
  const Corpus corpus = read_corpus(dir);
  std::map<int, std::string> split_of;
  for (const auto& [name, members] : corpus.splits)
    for (const int p : members) split_of[p] = name;
  for (const auto& pair : corpus.pairs) {
    split_of.emplace(pair.a, pair.split);
    split_of.emplace(pair.b, pair.split);
  }
  std::mt19937_64 order_rng(options.seed * 0x9E3779B97F4A7C15ull + 11);
  std::vector<int> pair_order(corpus.pairs.size());
  std::iota(pair_order.begin(), pair_order.end(), 0);
  std::shuffle(pair_order.begin(), pair_order.end(), order_rng);
  std::vector<int> pose_order(corpus.poses.size());
  std::iota(pose_order.begin(), pose_order.end(), 0);
  std::shuffle(pose_order.begin(), pose_order.end(), order_rng);

  // Which poses to draw: both poses of pairs first, then single poses.
  std::vector<int> chosen;
  std::map<int, int> image_of;  // pose -> image index
  auto want = [&](int p) {
    if (static_cast<int>(chosen.size()) >= options.count || image_of.count(p)) return;
    image_of[p] = static_cast<int>(chosen.size());
    chosen.push_back(p);
  };
  for (const int k : pair_order) {
    if (static_cast<int>(chosen.size()) + 2 > options.count) break;
    if (!options.split.empty() && corpus.pairs[k].split != options.split) continue;
    want(corpus.pairs[k].a);
    want(corpus.pairs[k].b);
  }
  for (const int p : pose_order)
    if (options.split.empty() || (split_of.count(p) && split_of[p] == options.split)) want(p);
  if (chosen.empty()) fail(dir, "no poses in the '" + options.split + "' split to render");

  namespace fs = std::filesystem;
  fs::create_directories(fs::path(dir) / "images");
  const auto body = body::make_mannequin();
  std::ostringstream records;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const int p = chosen[i];
    std::mt19937_64 rng(options.seed * 1000003ull + i);
    const RenderedView view = render_random_view(*body, corpus.poses[p], options.size, rng, options.small_people);
    char name[32];
    std::snprintf(name, sizeof name, "images/%06zu.png", i);
    image::write_image((fs::path(dir) / name).string(), view.image);
    nlohmann::json j2 = nlohmann::json::array();
    for (const auto& q : view.joints_2d) j2.push_back({rounded(q.x()), rounded(q.y())});
    nlohmann::json rec = {{"image", name},
                          {"pose", p},
                          {"split", split_of.count(p) ? split_of[p] : "train"},
                          {"camera", camera_json(view.camera)},
                          {"joints_2d", j2},
                          {"cropped", view.cropped},
                          {"small", view.small},
                          {"occluded", !view.style.occluders.empty()},
                          {"captions", p < static_cast<int>(corpus.captions.size()) ? corpus.captions[p] : std::vector<std::string>{}}};
    records << rec.dump() << '\n';
    if (progress) progress(static_cast<double>(i + 1) / chosen.size());
  }
  std::ostringstream pairs;
  int n_pairs = 0;
  for (std::size_t k = 0; k < corpus.pairs.size(); ++k) {
    const auto& pair = corpus.pairs[k];
    if (!image_of.count(pair.a) || !image_of.count(pair.b)) continue;
    pairs << nlohmann::json{{"a", image_of[pair.a]}, {"b", image_of[pair.b]}, {"pair", k}, {"split", pair.split}, {"instructions", pair.instructions}}.dump()
          << '\n';
    ++n_pairs;
  }
  io::write_file_atomic((fs::path(dir) / "image_pairs.jsonl").string(), pairs.str());
  io::write_file_atomic((fs::path(dir) / "images.jsonl").string(), records.str());
  return n_pairs;
}

namespace {

// Calls `read(record, where)` for each non-empty line of a JSONL file, `where` naming the file and line; a line
// that is not JSON, or lacks what `read` takes from it, is an error naming both.
void read_jsonl(const std::string& path, const std::string& what, const std::function<void(const nlohmann::json&, const std::string&)>& read) {
  std::istringstream in(io::read_text_file(path));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(number);
    try {
      read(nlohmann::json::parse(line), where);
    } catch (const nlohmann::json::exception& e) {
      fail(where, "not a valid " + what + " record (" + io::json_message(e) + ")");
    }
  }
}

}  // namespace

std::vector<RenderedImage> read_rendered_images(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(dir) / "images.jsonl").string();
  if (!fs::exists(path)) fail(path, "file not found (make rendered images with `unipose data make --images N`)");
  std::vector<RenderedImage> out;
  read_jsonl(path, "image", [&](const nlohmann::json& j, const std::string& where) {
    RenderedImage r;
    r.file = (fs::path(dir) / j.at("image").get<std::string>()).string();
    r.pose = j.at("pose").get<int>();
    r.split = j.at("split").get<std::string>();
    const auto& c = j.at("camera");
    const auto rot = c.at("rotation").get<std::vector<double>>();
    const auto t = c.at("translation").get<std::vector<double>>();
    const auto pp = c.at("principal").get<std::vector<double>>();
    const auto size = c.at("size").get<std::vector<int>>();
    if (rot.size() != 9 || t.size() != 3 || pp.size() != 2 || size.size() != 2) fail(where, "camera arrays have the wrong lengths");
    for (int i = 0; i < 9; ++i) r.camera.rotation(i / 3, i % 3) = rot[i];
    r.camera.translation = Eigen::Vector3d(t[0], t[1], t[2]);
    r.camera.focal = c.at("focal").get<double>();
    r.camera.cx = pp[0];
    r.camera.cy = pp[1];
    r.camera.width = size[0];
    r.camera.height = size[1];
    for (const auto& q : j.at("joints_2d")) r.joints_2d.emplace_back(q.at(0).get<double>(), q.at(1).get<double>());
    r.cropped = j.value("cropped", false);
    r.occluded = j.value("occluded", false);
    r.small = j.value("small", false);
    if (r.pose < 0) fail(where, "negative pose index");
    if (!std::isfinite(r.camera.focal) || r.camera.focal <= 0) fail(where, "the camera's focal length is not a positive number");
    out.push_back(std::move(r));
  });
  if (out.empty()) fail(path, "no image records");
  return out;
}

std::vector<RenderedImagePair> read_rendered_image_pairs(const std::string& dir, size_t images) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(dir) / "image_pairs.jsonl").string();
  if (!fs::exists(path)) fail(path, "file not found (made beside images.jsonl by `unipose data make --images N`)");
  std::vector<RenderedImagePair> out;
  read_jsonl(path, "image pair", [&](const nlohmann::json& j, const std::string& where) {
    RenderedImagePair p;
    p.a = j.at("a").get<int>();
    p.b = j.at("b").get<int>();
    p.split = j.at("split").get<std::string>();
    p.instructions = j.at("instructions").get<std::vector<std::string>>();
    for (const int i : {p.a, p.b})
      if (i < 0 || static_cast<size_t>(i) >= images)
        fail(where, "picture " + std::to_string(i) + " is not one of the " + std::to_string(images) + " in images.jsonl");
    out.push_back(std::move(p));
  });
  return out;
}

RenderedSplit read_rendered_split(const std::string& dir, const std::string& split) {
  RenderedSplit out;
  const auto all = read_rendered_images(dir);
  std::vector<int> position(all.size(), -1);
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].split == split) {
      position[i] = static_cast<int>(out.images.size());
      out.images.push_back(all[i]);
    }
  if (out.images.empty()) fail(dir + "/images.jsonl", "has no pictures of the " + split + " split");
  for (auto p : read_rendered_image_pairs(dir, all.size()))
    if (position[p.a] >= 0 && position[p.b] >= 0 && !p.instructions.empty()) {
      p.a = position[p.a];
      p.b = position[p.b];
      out.pairs.push_back(std::move(p));
    }
  return out;
}

}  // namespace unipose::data
