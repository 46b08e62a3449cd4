#include "core/data/render.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/data/corpus.h"
#include "core/error.h"
#include "core/io/files.h"
#include "temp_dir.h"

namespace unipose::data {
namespace {

// Two squares facing the camera (down -z): a small one at z = 0.5 in front of a big one at z = 0 that is turned
// away from the light, so the near one is brighter.
body::Mesh two_squares() {
  body::Mesh m;
  auto square = [&m](float half, float z, const Eigen::Vector3f& normal) {
    const auto base = static_cast<std::uint32_t>(m.vertices.size());
    for (const auto& [x, y] : {std::pair{-half, -half}, {half, -half}, {half, half}, {-half, half}}) {
      m.vertices.emplace_back(x, y, z);
      m.normals.push_back(normal.normalized());
    }
    m.faces.push_back({base, base + 1, base + 2});
    m.faces.push_back({base, base + 2, base + 3});
  };
  square(1.0f, 0.0f, Eigen::Vector3f(1, 0, 1));   // half lit
  square(0.3f, 0.5f, Eigen::Vector3f(0, 0, 1));   // fully lit
  return m;
}

RenderCamera front_camera() {
  RenderCamera c;  // at z = 4 looking down -z: x right stays right, y up becomes down
  c.rotation << 1, 0, 0, 0, -1, 0, 0, 0, -1;
  c.translation = Eigen::Vector3d(0, 0, 4);
  c.focal = 200;
  c.width = c.height = 128;
  c.cx = c.cy = 64;
  return c;
}

TEST(Render, ZBufferLightAndBackground) {
  RenderStyle s;
  s.body_rgb = {1, 1, 1};
  s.light = Eigen::Vector3d(0, 0, -1);  // travelling away from the camera, onto the squares
  s.ambient = 0.2;
  s.background_a = {0, 0, 1};
  const auto img = render_mesh(two_squares(), front_camera(), s);
  ASSERT_EQ(img.width, 128);
  // The corner is background; the centre is the near square, fully lit (white).
  EXPECT_EQ(img.pixel(1, 1)[0], 0);
  EXPECT_EQ(img.pixel(1, 1)[2], 255);
  EXPECT_EQ(img.pixel(64, 64)[0], 255);
  // Beside the near square, the far one: dimmer (its normal is 45 degrees from the light).
  const int far = img.pixel(64 + 30, 64)[0];
  EXPECT_GT(far, 120);
  EXPECT_LT(far, 230);
  // The near square projects to +-0.3 * 200 / 3.5 = 17 pixels about the centre.
  EXPECT_EQ(img.pixel(64 + 14, 64)[0], 255);
  EXPECT_EQ(img.pixel(64 + 20, 64)[0], far);
}

TEST(Render, OccludersAndStripes) {
  RenderStyle s;
  s.body_rgb = {1, 1, 1};
  s.stripe_rgb = {0, 0, 0};
  s.stripe_period = 0.4;  // 0.2 m bands along y
  s.light = Eigen::Vector3d(0, 0, -1);
  s.ambient = 1;
  s.occluders.push_back({0, 0, 20, 128, {0, 255, 0}});
  const auto img = render_mesh(two_squares(), front_camera(), s);
  EXPECT_EQ(img.pixel(5, 64)[1], 255);   // the occluder covers the left edge
  EXPECT_EQ(img.pixel(5, 64)[0], 0);
  // On the far square (z = 0, 50 pixels per metre), y in [0, 0.2) is a stripe, [0.2, 0.4) is not.
  EXPECT_EQ(img.pixel(100, 64 - 5)[0], 0);     // y = 0.1
  EXPECT_EQ(img.pixel(100, 64 - 15)[0], 255);  // y = 0.3
}

TEST(Render, RefusesBadSizes) {
  RenderCamera c = front_camera();
  c.width = 0;
  EXPECT_THROW(render_mesh(two_squares(), c, RenderStyle{}), Error);
  const auto body = body::make_mannequin();
  std::mt19937_64 rng(1);
  EXPECT_THROW(render_random_view(*body, body::PoseParameters{}, 8, rng), Error);
}

TEST(Render, RandomViewsAreDeterministicAndShowTheBody) {
  const auto body = body::make_mannequin();
  body::PoseParameters pose;
  int centred = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 a(seed), b(seed);
    const auto va = render_random_view(*body, pose, 96, a);
    const auto vb = render_random_view(*body, pose, 96, b);
    ASSERT_EQ(va.image.rgb, vb.image.rgb) << "seed " << seed;
    ASSERT_EQ(va.joints_2d.size(), 24u);
    if (va.cropped || !va.style.occluders.empty()) continue;
    // Uncropped: every joint inside the picture, and the pelvis drawn in the body's colour range, not the
    // background's (the same picture without the body differs there).
    for (const auto& j : va.joints_2d) {
      EXPECT_GT(j.x(), 0);
      EXPECT_LT(j.x(), 96);
      EXPECT_GT(j.y(), 0);
      EXPECT_LT(j.y(), 96);
    }
    const auto empty = render_mesh(body::Mesh{}, va.camera, va.style);
    const auto& p = va.joints_2d[0];
    const auto* with = va.image.pixel(static_cast<int>(p.x()), static_cast<int>(p.y()));
    const auto* without = empty.pixel(static_cast<int>(p.x()), static_cast<int>(p.y()));
    EXPECT_NE(std::vector<int>(with, with + 3), std::vector<int>(without, without + 3)) << "seed " << seed;
    ++centred;
  }
  std::mt19937_64 c(1), d(2);
  EXPECT_NE(render_random_view(*body, pose, 96, c).image.rgb, render_random_view(*body, pose, 96, d).image.rgb);
  EXPECT_GT(centred, 0);
}

// The random views of a seed are those the pictures already made were drawn with (the shipped lifter's card
// renders by seed): the cameras of the first seeds as rendered before small_people existed (all 150 val pictures
// of the corpus20k notes were re-made and compared byte for byte when it came).
TEST(Render, TheViewsOfASeedDoNotChange) {
  // cx, cy, focal (pixels), the body's red, cropped: seeds 1 to 6, a 96-pixel picture, the rest pose.
  const double golden[6][5] = {{41.463168615, 49.072852204, 213.382905213, 0.658184975, 0}, {43.768944480, 41.850629150, 90.001537477, 0.167670191, 0},
                               {46.812014852, 51.144575419, 123.909670888, 0.282908496, 0}, {48.0, 48.0, 99.687802841, 0.755253470, 1},
                               {48.0, 48.0, 110.596675786, 0.785179844, 1},                 {48.637235289, 41.360752216, 100.537839596, 0.670773721, 0}};
  const auto body = body::make_mannequin();
  body::PoseParameters pose;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    const auto v = render_random_view(*body, pose, 96, rng);
    const double* g = golden[seed - 1];
    EXPECT_NEAR(v.camera.cx, g[0], 1e-6) << "seed " << seed;
    EXPECT_NEAR(v.camera.cy, g[1], 1e-6) << "seed " << seed;
    EXPECT_NEAR(v.camera.focal, g[2], 1e-6) << "seed " << seed;
    EXPECT_NEAR(v.style.body_rgb[0], g[3], 1e-6) << "seed " << seed;  // drawn after the camera: the draws before it are the same in number
    EXPECT_EQ(v.cropped, g[4] > 0.5) << "seed " << seed;
  }
}

// Small people: never cropped, the whole body inside the picture and small in it, not always in the middle.
TEST(Render, SmallPeopleAreSmallAndAnywhereInThePicture) {
  const auto body = body::make_mannequin();
  body::PoseParameters pose;
  double farthest = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    std::mt19937_64 rng(seed);
    const auto v = render_random_view(*body, pose, 128, rng, true);
    EXPECT_TRUE(v.small);
    EXPECT_FALSE(v.cropped);
    Eigen::Vector2d lo = v.joints_2d[0], hi = v.joints_2d[0];
    for (const auto& j : v.joints_2d) lo = lo.cwiseMin(j), hi = hi.cwiseMax(j);
    EXPECT_GE(lo.minCoeff(), 0) << "seed " << seed;
    EXPECT_LE(hi.maxCoeff(), 128) << "seed " << seed;
    EXPECT_LT((hi - lo).maxCoeff(), 0.4 * 128) << "seed " << seed;
    farthest = std::max(farthest, (0.5 * (lo + hi) - Eigen::Vector2d(64, 64)).norm());
  }
  EXPECT_GT(farthest, 0.15 * 128);
}

TEST(Render, CorpusImagesWrittenReadBackAndRepeatable) {
  const std::string dir = unipose::testing::temp_dir("unipose_render", "corpus");
  CorpusOptions o;
  o.poses = 40;
  o.pairs = 12;
  o.seed = 5;
  make_corpus(dir, o);
  ImageSetOptions io;
  io.count = 10;
  io.size = 64;
  io.seed = 3;
  const int pairs = render_corpus_images(dir, io);
  EXPECT_GE(pairs, 5);  // both poses of the first pairs drawn
  const auto records = read_rendered_images(dir);
  ASSERT_EQ(records.size(), 10u);
  for (const auto& r : records) {
    const auto img = image::read_image(r.file);
    EXPECT_EQ(img.width, 64);
    EXPECT_EQ(r.joints_2d.size(), 24u);
    EXPECT_FALSE(r.split.empty());
  }
  const auto first = io::read_binary_file(records[3].file);
  render_corpus_images(dir, io);
  EXPECT_EQ(io::read_binary_file(records[3].file), first);
  EXPECT_EQ(io::read_text_file(dir + "/image_pairs.jsonl").empty(), false);
  for (const auto& r : records) EXPECT_FALSE(r.small);
  // Small people: every record says so.
  io.small_people = true;
  render_corpus_images(dir, io);
  for (const auto& r : read_rendered_images(dir)) {
    EXPECT_TRUE(r.small);
    EXPECT_FALSE(r.cropped);
  }
  io.small_people = false;
  render_corpus_images(dir, io);
  EXPECT_EQ(io::read_binary_file(records[3].file), first);

  // A broken record names the file and line.
  std::ofstream(dir + "/images.jsonl", std::ios::app) << "{\"image\": 3}\n";
  try {
    read_rendered_images(dir);
    FAIL() << "a broken record was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("images.jsonl:11"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unipose::data
