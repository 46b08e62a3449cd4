#include "core/image/image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::image {
namespace {

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t(p[0]) << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t(p[1]) << 8) | p[0]; }
std::uint32_t le32(const std::uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }

bool starts_with(const std::vector<std::uint8_t>& b, const char* magic, std::size_t n, std::size_t at = 0) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

// Where the JPEG's frame header (SOFn) sits, and its size; 0 when the markers end first.
ImageHeader jpeg_header(const std::vector<std::uint8_t>& b, const std::string& name, std::size_t* frame_at) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) fail(name, "damaged JPEG (marker expected at byte " + std::to_string(i) + ")");
    while (i < b.size() && b[i] == 0xFF) ++i;
    if (i >= b.size()) break;
    const std::uint8_t m = b[i++];
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;  // markers without a length
    if (m == 0xD9 || m == 0xDA) break;                     // end of image or scan data before any frame header
    if (i + 2 > b.size()) break;
    const std::uint32_t len = be16(b.data() + i);
    if (len < 2) fail(name, "damaged JPEG (segment length " + std::to_string(len) + ")");
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (i + 7 > b.size()) break;
      *frame_at = i;
      return {"jpeg", be16(b.data() + i + 5), be16(b.data() + i + 3)};
    }
    i += len;
  }
  fail(name, "truncated JPEG: the file ends before the picture's size (" + std::to_string(b.size()) + " bytes)");
}

ImageHeader tiff_header(const std::vector<std::uint8_t>& b, const std::string& name) {
  const bool little = b[0] == 'I';
  auto u16 = [&](std::size_t at) { return little ? le16(b.data() + at) : be16(b.data() + at); };
  auto u32 = [&](std::size_t at) { return little ? le32(b.data() + at) : be32(b.data() + at); };
  if (u16(2) == 43) fail(name, "BigTIFF files are not supported; save the picture as an ordinary TIFF, PNG or JPEG");
  const std::size_t ifd = u32(4);
  if (ifd + 2 > b.size()) fail(name, "truncated TIFF: the file ends before its first directory");
  const std::size_t entries = u16(ifd);
  ImageHeader h{"tiff", 0, 0};
  for (std::size_t k = 0; k < entries; ++k) {
    const std::size_t e = ifd + 2 + 12 * k;
    if (e + 12 > b.size()) fail(name, "truncated TIFF: the file ends inside its first directory");
    const std::uint32_t tag = u16(e), type = u16(e + 2);
    const std::int64_t value = type == 3 ? u16(e + 8) : type == 4 ? u32(e + 8) : -1;
    // libtiff reads the first of repeated tags: so does the budget.
    if (tag == 256 && h.width == 0) h.width = value;
    if (tag == 257 && h.height == 0) h.height = value;
  }
  if (h.width <= 0 || h.height <= 0) fail(name, "damaged TIFF: no picture width and height in its first directory");
  return h;
}

ImageHeader probe(const std::vector<std::uint8_t>& b, const std::string& name, std::size_t* jpeg_frame) {
  if (b.empty()) fail(name, "empty file, not an image");
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return jpeg_header(b, name, jpeg_frame);
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) {
    if (b.size() < 24 || !starts_with(b, "IHDR", 4, 12)) fail(name, "truncated PNG: the file ends before the picture's size");
    return {"png", be32(b.data() + 16), be32(b.data() + 20)};
  }
  if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) {
    if (b.size() < 30) fail(name, "truncated WebP: the file ends before the picture's size");
    if (starts_with(b, "VP8 ", 4, 12)) return {"webp", le16(b.data() + 26) & 0x3FFF, le16(b.data() + 28) & 0x3FFF};
    if (starts_with(b, "VP8L", 4, 12)) {
      const std::uint32_t bits = le32(b.data() + 21);
      return {"webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (starts_with(b, "VP8X", 4, 12)) {
      auto u24 = [&](std::size_t at) { return std::int64_t(b[at]) | std::int64_t(b[at + 1]) << 8 | std::int64_t(b[at + 2]) << 16; };
      return {"webp", u24(24) + 1, u24(27) + 1};
    }
    fail(name, "damaged WebP: unknown first chunk");
  }
  if (starts_with(b, "BM", 2)) {
    if (b.size() < 26) fail(name, "truncated BMP: the file ends before the picture's size");
    if (le32(b.data() + 14) == 12) return {"bmp", le16(b.data() + 18), le16(b.data() + 20)};
    const auto w = static_cast<std::int32_t>(le32(b.data() + 18)), h = static_cast<std::int32_t>(le32(b.data() + 22));
    return {"bmp", std::abs(static_cast<std::int64_t>(w)), std::abs(static_cast<std::int64_t>(h))};
  }
  if (b.size() >= 8 && (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4) || starts_with(b, "II+\0", 4) || starts_with(b, "MM\0+", 4)))
    return tiff_header(b, name);
  fail(name, "not an image UniPose reads (JPEG, PNG, WebP, BMP or TIFF)");
}

cv::Mat to_mat(const Image& image) {
  if (image.empty() || image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    throw Error("an empty or inconsistent image (" + std::to_string(image.width) + " x " + std::to_string(image.height) + ")");
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.rgb.data()));
  return rgb;
}

Image from_rgb_mat(const cv::Mat& rgb) {
  Image out;
  out.width = rgb.cols;
  out.height = rgb.rows;
  out.rgb.resize(static_cast<std::size_t>(rgb.cols) * rgb.rows * 3);
  cv::Mat dst(rgb.rows, rgb.cols, CV_8UC3, out.rgb.data());
  rgb.copyTo(dst);
  return out;
}

}  // namespace

ImageHeader probe_image(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  std::size_t frame = 0;
  return probe(bytes, name, &frame);
}

Image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  std::size_t frame = 0;
  const ImageHeader h = probe(bytes, name, &frame);
  if (h.width <= 0 || h.height <= 0) fail(name, "damaged " + h.format + ": the picture is " + std::to_string(h.width) + " x " + std::to_string(h.height));
  if (h.width > kMaxPixels || h.height > kMaxPixels || h.width * h.height > kMaxPixels)
    fail(name, "the picture is " + std::to_string(h.width) + " x " + std::to_string(h.height) + " pixels, more than the " + std::to_string(kMaxPixels / 1000000) +
                   " million UniPose reads; scale it down first");
  if (h.format == "jpeg") {
    // A JPEG cut short still decodes (grey below the cut) in OpenCV; its end-of-image marker tells.
    bool ended = false;
    for (std::size_t i = bytes.size(); i-- > frame + 1;)
      if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9) {
        ended = true;
        break;
      }
    if (!ended) fail(name, "truncated JPEG: the file ends before the end of the picture");
  }
  if (h.format == "png") {
    // Every chunk whole, up to IEND (libpng would otherwise print its own complaint before failing).
    std::size_t at = 8;
    bool ended = false;
    while (at + 12 <= bytes.size()) {
      const std::size_t len = be32(bytes.data() + at);
      if (len > bytes.size() || at + 12 + len > bytes.size()) break;
      if (std::memcmp(bytes.data() + at + 4, "IEND", 4) == 0) {
        ended = true;
        break;
      }
      at += 12 + len;
    }
    if (!ended) fail(name, "truncated PNG: the file ends before the end of the picture");
  }
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data())), cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    fail(name, "cannot decode the " + h.format + " picture: " + e.msg);
  }
  if (bgr.empty() || bgr.type() != CV_8UC3) fail(name, "cannot decode the " + h.format + " picture (damaged or truncated file, or an encoding OpenCV cannot read)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return from_rgb_mat(rgb);
}

Image read_image(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxFileBytes)
    fail(path, "the file is " + std::to_string(size >> 20) + " MB, more than the " + std::to_string(kMaxFileBytes >> 20) + " MB UniPose reads for a picture");
  return decode_image(io::read_binary_file(path), path);
}

void write_image(const std::string& path, const Image& image) {
  const std::string ext = io::extension_of(path);
  static const std::vector<std::string> known = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"};
  if (std::find(known.begin(), known.end(), ext) == known.end())
    fail(path, "unknown picture type '." + ext + "' (use .png, .jpg, .webp, .bmp or .tif)");
  cv::Mat bgr;
  cv::cvtColor(to_mat(image), bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> out;
  bool ok = false;
  try {
    ok = cv::imencode("." + ext, bgr, out);
  } catch (const cv::Exception& e) {
    fail(path, "cannot encode the picture: " + e.msg);
  }
  if (!ok || out.empty()) fail(path, "cannot encode the picture as ." + ext);
  io::write_file_atomic(path, out.data(), out.size());
}

Image resize(const Image& image, int width, int height) {
  if (width <= 0 || height <= 0) throw Error("cannot resize a picture to " + std::to_string(width) + " x " + std::to_string(height));
  cv::Mat out;
  const bool shrink = width < image.width && height < image.height;
  cv::resize(to_mat(image), out, cv::Size(width, height), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
  return from_rgb_mat(out);
}

Image warp_affine(const Image& image, const std::array<double, 6>& out_to_in, int width, int height, std::uint8_t fill) {
  if (width <= 0 || height <= 0) throw Error("cannot crop a picture to " + std::to_string(width) + " x " + std::to_string(height));
  for (const double v : out_to_in)
    if (!std::isfinite(v)) throw Error("a picture crop with a non-finite transform");
  cv::Mat m(2, 3, CV_64F);
  for (int k = 0; k < 6; ++k) m.at<double>(k / 3, k % 3) = out_to_in[k];
  cv::Mat out;
  cv::warpAffine(to_mat(image), out, m, cv::Size(width, height), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT,
                 cv::Scalar(fill, fill, fill));
  return from_rgb_mat(out);
}

void draw_line(Image& image, double x0, double y0, double x1, double y1, const std::array<std::uint8_t, 3>& rgb, int thickness) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  cv::Mat m = to_mat(image);
  constexpr int kShift = 4;  // sub-pixel positions, 1/16 pixel
  auto at = [](double x, double y) { return cv::Point(static_cast<int>(std::lround(std::clamp(x, -1e6, 1e6) * 16)), static_cast<int>(std::lround(std::clamp(y, -1e6, 1e6) * 16))); };
  cv::line(m, at(x0, y0), at(x1, y1), cv::Scalar(rgb[0], rgb[1], rgb[2]), std::max(1, thickness), cv::LINE_AA, kShift);
}

void draw_disc(Image& image, double x, double y, double radius, const std::array<std::uint8_t, 3>& rgb) {
  if (!std::isfinite(x) || !std::isfinite(y) || !std::isfinite(radius)) return;
  cv::Mat m = to_mat(image);
  cv::circle(m, cv::Point(static_cast<int>(std::lround(std::clamp(x, -1e6, 1e6) * 16)), static_cast<int>(std::lround(std::clamp(y, -1e6, 1e6) * 16))),
             static_cast<int>(std::lround(std::clamp(radius, 0.0, 1e4) * 16)), cv::Scalar(rgb[0], rgb[1], rgb[2]), cv::FILLED, cv::LINE_AA, 4);
}

void fill_circle(Image& image, int x, int y, int radius, const std::array<std::uint8_t, 3>& rgb) {
  cv::Mat m = to_mat(image);
  cv::circle(m, cv::Point(std::clamp(x, -1000000, 1000000), std::clamp(y, -1000000, 1000000)), std::clamp(radius, 0, 10000),
             cv::Scalar(rgb[0], rgb[1], rgb[2]), cv::FILLED, cv::LINE_8);
}

void fill_ellipse(Image& image, int cx, int cy, int half_a, int half_b, int angle_deg, const std::array<std::uint8_t, 3>& rgb, int step_deg) {
  std::vector<cv::Point> polygon;
  cv::ellipse2Poly(cv::Point(std::clamp(cx, -1000000, 1000000), std::clamp(cy, -1000000, 1000000)),
                   cv::Size(std::clamp(half_a, 0, 100000), std::clamp(half_b, 0, 100000)), angle_deg % 360, 0, 360, std::clamp(step_deg, 1, 90), polygon);
  if (polygon.empty()) return;
  cv::Mat m = to_mat(image);
  cv::fillConvexPoly(m, polygon, cv::Scalar(rgb[0], rgb[1], rgb[2]), cv::LINE_8);
}

}  // namespace unipose::image
