// Rendered training images for the visual tasks: the posed body drawn by a small software rasteriser (core
// has no Qt) under a random camera, focal length, light, body colour and stripe texture, background (flat,
// gradient, blotches, noise), occluders and crops. Deterministic for a seed. `render_corpus_images` writes
// image, pose, camera and caption records beside a corpus (docs/corpus.md, "Rendered images").
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/body/body_model.h"
#include "core/image/image.h"

namespace unipose::data {

// A pinhole camera. Camera coordinates: x right, y down, z forward (into the picture).
struct RenderCamera {
  Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();  // world -> camera
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();   // world -> camera: p_cam = R p + t
  double focal = 500;                                      // pixels
  double cx = 128, cy = 128;                               // principal point, pixels
  int width = 256, height = 256;

  Eigen::Vector3d to_camera(const Eigen::Vector3d& world) const { return rotation * world + translation; }
  // Pixel coordinates of a world point (the point must be in front of the camera).
  Eigen::Vector2d project(const Eigen::Vector3d& world) const;
};

// A camera at `eye` looking at `target`, the world's up kept up in the picture, principal point centred.
RenderCamera look_at_camera(const Eigen::Vector3d& eye, const Eigen::Vector3d& target, double fov_deg, int width, int height);

// A camera framing a posed body (its surface's bounds) from a direction around it: yaw 0 in front of a body
// that faces +z, 90 at its left side, 180 behind; `pitch_deg` above; the bounding sphere filling `fill` of the
// picture's smaller side.
RenderCamera framing_camera(const body::Mesh& posed, double yaw_deg, double pitch_deg, int width, int height, double fov_deg = 40,
                            double fill = 0.9);

struct RenderOccluder {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels
  std::array<std::uint8_t, 3> rgb{};
};

struct RenderStyle {
  std::array<double, 3> body_rgb{0.8, 0.7, 0.6};    // 0..1
  std::array<double, 3> stripe_rgb{0.5, 0.4, 0.35};
  double stripe_period = 0;                          // metres along the body's height; 0 = plain
  Eigen::Vector3d light = Eigen::Vector3d(0.3, -1, 0.5).normalized();  // direction the light travels (world)
  double ambient = 0.35;
  int background = 0;                                // 0 flat, 1 vertical gradient, 2 blotches
  std::array<double, 3> background_a{0.5, 0.5, 0.5}, background_b{0.3, 0.3, 0.3};
  std::uint64_t background_seed = 0;                 // for blotches
  double noise = 0;                                  // pixel noise, standard deviation in 0..255 units
  std::vector<RenderOccluder> occluders;             // drawn in front of the body
};

// Draws a mesh (world coordinates, metres) through a camera: z-buffer, Lambert plus ambient shading, stripe
// texture, drawn at twice the size and averaged down (anti-aliasing). Throws Error for an empty picture size.
image::Image render_mesh(const body::Mesh& mesh, const RenderCamera& camera, const RenderStyle& style);

struct RenderedView {
  image::Image image;
  RenderCamera camera;
  RenderStyle style;
  std::vector<Eigen::Vector2d> joints_2d;  // the 24 joints projected, pixels (may lie outside the picture)
  bool cropped = false;                    // part of the body placed outside the picture on purpose
  bool small = false;                      // a small person somewhere in a larger scene (small_people)
};

// A random view of a posed body: the camera 20 to 60 degrees of field of view, at a random direction around the
// body (mostly its front half), 5 to 35 degrees above it, placed so the body fills 55 to 90 % of the picture;
// 15 % of views cropped (the picture cut through the body), 20 % with an occluder. `small_people`: the body fills
// 12 to 35 % of the picture instead, anywhere in it (never cropped), as people far from the camera in a street
// or a crowd are.
RenderedView render_random_view(const body::BodyModel& body, const body::PoseParameters& pose, int size, std::mt19937_64& rng,
                                bool small_people = false);

struct ImageSetOptions {
  int count = 1000;
  int size = 256;
  std::uint64_t seed = 1;
  std::string split;  // only this split's pairs and poses; empty: all
  bool small_people = false;  // render_random_view's small_people for every image
};

// Renders `count` images of a corpus's poses into DIR/images/ and writes DIR/images.jsonl (one record per image:
// file, pose index, split, camera, projected joints, the pose's captions) and DIR/image_pairs.jsonl (two images
// of a corpus pair and the pair's instructions, for image-diff). Poses come pair by pair (both poses of a pair)
// in an order drawn from the seed, so image pairs exist in every split. Returns the number of image pairs.
int render_corpus_images(const std::string& dir, const ImageSetOptions& options,
                         const std::function<void(double fraction)>& progress = {});

// One record of images.jsonl, read back.
struct RenderedImage {
  std::string file;  // absolute or relative to the corpus folder, as joined by the reader
  int pose = 0;
  std::string split;
  RenderCamera camera;
  std::vector<Eigen::Vector2d> joints_2d;
  bool cropped = false, occluded = false, small = false;
};

// Reads DIR/images.jsonl; errors name the file and line.
std::vector<RenderedImage> read_rendered_images(const std::string& dir);

// One record of image_pairs.jsonl: two pictures (their positions in images.jsonl's records) of a corpus pair
// and the pair's instructions (from a to b).
struct RenderedImagePair {
  int a = 0, b = 0;
  std::string split;
  std::vector<std::string> instructions;
};

// Reads DIR/image_pairs.jsonl; `images`: the count of images.jsonl's records the pairs must point into. Errors
// name the file and line.
std::vector<RenderedImagePair> read_rendered_image_pairs(const std::string& dir, size_t images);

// The pictures of one split and the pairs with instructions whose two pictures are both in it (a and b:
// positions in `images`). No picture of the split is an error naming images.jsonl.
struct RenderedSplit {
  std::vector<RenderedImage> images;
  std::vector<RenderedImagePair> pairs;
};
RenderedSplit read_rendered_split(const std::string& dir, const std::string& split);

}  // namespace unipose::data
