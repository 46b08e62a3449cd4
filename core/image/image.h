// Photos in and out: decoding (JPEG, PNG, WebP, BMP, TIFF) with EXIF orientation applied, a pixel budget
// checked from the file's header before anything is decoded, resizing and affine crops. OpenCV does the work
// (Debian's libopencv-imgcodecs/imgproc); no OpenCV, Qt or LibTorch type appears in this header.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace unipose::image {

// An 8-bit RGB picture: rows top to bottom, pixels left to right, R, G, B interleaved.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3

  bool empty() const { return width <= 0 || height <= 0; }
  const std::uint8_t* pixel(int x, int y) const { return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  std::uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
};

// The largest picture read: 50 million pixels (a 8660 x 5773 photo; 150 MB decoded). Bigger files are refused
// from their header, before decoding.
inline constexpr std::int64_t kMaxPixels = 50'000'000;
// The largest picture file read: 256 MB (checked before reading).
inline constexpr std::uint64_t kMaxFileBytes = 256ull << 20;

// What a file's header says, without decoding the pixels.
struct ImageHeader {
  std::string format;  // "jpeg", "png", "webp", "bmp", "tiff"
  std::int64_t width = 0;
  std::int64_t height = 0;
};

// Reads the header of an encoded image; throws Error naming `name` when the bytes are no image of a
// supported format, or are cut short before the size.
ImageHeader probe_image(const std::vector<std::uint8_t>& bytes, const std::string& name);

// Decodes a file or bytes to RGB. Grayscale is spread to three channels, 16-bit reduced to 8, alpha dropped
// (the colour channels kept as they are stored), CMYK JPEGs converted; the EXIF orientation of JPEGs is applied, so
// the picture stands as the camera's owner saw it. Throws Error naming the file and the problem.
Image read_image(const std::string& path);
Image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name);

// Encodes by the file's extension (.png, .jpg/.jpeg, .webp, .bmp, .tif/.tiff) and writes atomically.
void write_image(const std::string& path, const Image& image);

// Area-averaged when shrinking, bilinear when growing.
Image resize(const Image& image, int width, int height);

// An affine crop: output pixel (x, y) takes the input at out_to_in * (x, y, 1) (a 2 x 3 matrix, row-major),
// bilinear; outside the picture it is `fill`.
Image warp_affine(const Image& image, const std::array<double, 6>& out_to_in, int width, int height, std::uint8_t fill = 0);

// Drawing for overlays (anti-aliased): a line of `thickness` pixels and a filled disc, in an RGB colour.
void draw_line(Image& image, double x0, double y0, double x1, double y1, const std::array<std::uint8_t, 3>& rgb, int thickness = 2);
void draw_disc(Image& image, double x, double y, double radius, const std::array<std::uint8_t, 3>& rgb);
// Hard-edged drawing on integer geometry, 8-connected and not anti-aliased (OpenCV's defaults), for pictures
// other tools read exactly as drawn (the ControlNet OpenPose image): a filled circle, and a filled ellipse
// (half axes a along `angle_deg`, b across) as the convex polygon with a vertex every `step_deg` degrees.
void fill_circle(Image& image, int x, int y, int radius, const std::array<std::uint8_t, 3>& rgb);
void fill_ellipse(Image& image, int cx, int cy, int half_a, int half_b, int angle_deg, const std::array<std::uint8_t, 3>& rgb, int step_deg = 1);

}  // namespace unipose::image
