#include "core/image/image.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "core/io/files.h"
#include "temp_dir.h"

namespace unipose::image {
namespace {

std::string dir() {
  static const std::string d = [] {
    const std::string p = testing::temp_dir("unipose_image", "t");
    std::filesystem::create_directories(p);
    return p;
  }();
  return d;
}

void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

void chunk(std::vector<std::uint8_t>& png, const char* type, const std::vector<std::uint8_t>& data) {
  put32(png, static_cast<std::uint32_t>(data.size()));
  std::vector<std::uint8_t> body(type, type + 4);
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put32(png, static_cast<std::uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
}

// A PNG written by hand (so the test needs no encoder): colour type 0 gray, 2 RGB, 6 RGBA; depth 8 or 16;
// `rows` are the raw scanlines without filter bytes.
std::vector<std::uint8_t> png(std::uint32_t w, std::uint32_t h, int type, int depth, const std::vector<std::uint8_t>& rows) {
  std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> ihdr;
  put32(ihdr, w);
  put32(ihdr, h);
  ihdr.insert(ihdr.end(), {static_cast<std::uint8_t>(depth), static_cast<std::uint8_t>(type), 0, 0, 0});
  chunk(out, "IHDR", ihdr);
  if (!rows.empty()) {
    const std::size_t stride = rows.size() / h;
    std::vector<std::uint8_t> filtered;
    for (std::uint32_t y = 0; y < h; ++y) {
      filtered.push_back(0);
      filtered.insert(filtered.end(), rows.begin() + y * stride, rows.begin() + (y + 1) * stride);
    }
    uLongf size = compressBound(static_cast<uLong>(filtered.size()));
    std::vector<std::uint8_t> z(size);
    compress(z.data(), &size, filtered.data(), static_cast<uLong>(filtered.size()));
    z.resize(size);
    chunk(out, "IDAT", z);
  }
  chunk(out, "IEND", {});
  return out;
}

std::string error_of(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  try {
    decode_image(bytes, name);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Image gradient(int w, int h) {
  Image im;
  im.width = w;
  im.height = h;
  im.rgb.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = im.pixel(x, y);
      p[0] = static_cast<std::uint8_t>(x * 10), p[1] = static_cast<std::uint8_t>(y * 20), p[2] = 7;
    }
  return im;
}

TEST(Image, PngRoundTripIsExactAndRgbOrdered) {
  const Image a = gradient(5, 3);
  write_image(dir() + "/a.png", a);
  const Image b = read_image(dir() + "/a.png");
  EXPECT_EQ(b.width, 5);
  EXPECT_EQ(b.height, 3);
  EXPECT_EQ(b.rgb, a.rgb);
  EXPECT_EQ(probe_image(io::read_binary_file(dir() + "/a.png"), "a.png").format, "png");
}

TEST(Image, GrayscaleSixteenBitAndAlphaBecomeEightBitRgb) {
  const Image g = decode_image(png(2, 1, 0, 8, {10, 200}), "gray.png");
  ASSERT_EQ(g.width, 2);
  EXPECT_EQ(g.pixel(1, 0)[0], 200);
  EXPECT_EQ(g.pixel(1, 0)[1], 200);
  EXPECT_EQ(g.pixel(1, 0)[2], 200);
  // 16-bit RGB: the high byte survives.
  const Image d = decode_image(png(1, 1, 2, 16, {0x80, 0x11, 0x40, 0x22, 0xFF, 0x00}), "deep.png");
  EXPECT_EQ(d.pixel(0, 0)[0], 0x80);
  EXPECT_EQ(d.pixel(0, 0)[1], 0x40);
  EXPECT_EQ(d.pixel(0, 0)[2], 0xFF);
  // RGBA: alpha dropped, colour kept.
  const Image a = decode_image(png(1, 1, 6, 8, {1, 2, 3, 0}), "alpha.png");
  EXPECT_EQ(a.pixel(0, 0)[0], 1);
  EXPECT_EQ(a.pixel(0, 0)[2], 3);
}

TEST(Image, ExifOrientationOfJpegsIsApplied) {
  // 32 x 16: left half red, right half blue; stored with EXIF orientation 6 (turn 90 degrees clockwise to view).
  Image im;
  im.width = 32;
  im.height = 16;
  im.rgb.resize(32 * 16 * 3);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) {
      auto* p = im.pixel(x, y);
      p[0] = x < 16 ? 255 : 0, p[1] = 0, p[2] = x < 16 ? 0 : 255;
    }
  write_image(dir() + "/plain.jpg", im);
  auto bytes = io::read_binary_file(dir() + "/plain.jpg");
  const std::vector<std::uint8_t> exif = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 0x2A, 0, 0, 0, 8,
                                          0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
  bytes.insert(bytes.begin() + 2, exif.begin(), exif.end());
  const Image turned = decode_image(bytes, "turned.jpg");
  ASSERT_EQ(turned.width, 16);
  ASSERT_EQ(turned.height, 32);
  EXPECT_GT(turned.pixel(8, 4)[0], 200);   // the red half is on top
  EXPECT_GT(turned.pixel(8, 28)[2], 200);  // the blue half below
}

TEST(Image, BadFilesNameTheFileAndTheProblem) {
  EXPECT_NE(error_of({}, "empty.png").find("empty.png: empty file"), std::string::npos);
  const std::string text = "hello, this is not a picture";
  EXPECT_NE(error_of(std::vector<std::uint8_t>(text.begin(), text.end()), "notes.jpg").find("not an image"), std::string::npos);
  // A 30000 x 30000 header is refused before any decoding.
  const std::string huge = error_of(png(30000, 30000, 2, 8, {}), "huge.png");
  EXPECT_NE(huge.find("30000 x 30000"), std::string::npos) << huge;
  EXPECT_NE(huge.find("million"), std::string::npos) << huge;
  // Truncated files.
  write_image(dir() + "/t.jpg", gradient(40, 30));
  auto jpg = io::read_binary_file(dir() + "/t.jpg");
  jpg.resize(jpg.size() / 2);
  EXPECT_NE(error_of(jpg, "cut.jpg").find("truncated JPEG"), std::string::npos);
  jpg.resize(20);
  EXPECT_NE(error_of(jpg, "cut.jpg").find("cut.jpg"), std::string::npos);
  auto p = png(8, 8, 2, 8, std::vector<std::uint8_t>(8 * 8 * 3, 100));
  p.resize(p.size() - 30);
  EXPECT_NE(error_of(p, "cut.png").find("cut.png: truncated PNG"), std::string::npos);
  EXPECT_NE(error_of(std::vector<std::uint8_t>(p.begin(), p.begin() + 12), "short.png").find("truncated PNG"), std::string::npos);
  EXPECT_THROW(read_image(dir() + "/missing.png"), Error);
  EXPECT_THROW(write_image(dir() + "/x.gif", gradient(2, 2)), Error);
}

TEST(Image, HeadersOfEveryFormatGiveTheSize) {
  for (const std::string ext : {"bmp", "tif", "webp", "jpg", "png"}) {
    write_image(dir() + "/h." + ext, gradient(7, 5));
    const auto bytes = io::read_binary_file(dir() + "/h." + ext);
    const ImageHeader h = probe_image(bytes, "h." + ext);
    EXPECT_EQ(h.width, 7) << ext;
    EXPECT_EQ(h.height, 5) << ext;
    const Image back = decode_image(bytes, "h." + ext);
    EXPECT_EQ(back.width, 7) << ext;
    // Cut inside the header: a message, never a read past the end.
    for (std::size_t cut : {std::size_t(2), std::size_t(9), std::size_t(17), std::size_t(27)})
      EXPECT_NE(error_of(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + std::min(cut, bytes.size() - 1)), "cut." + ext), "") << ext << " cut at " << cut;
  }
  // Sizes whose product overflows 64 bits are refused, not wrapped.
  const std::string e = error_of(png(0xFFFFFFFFu, 0xFFFFFFFFu, 2, 8, {}), "wide.png");
  EXPECT_NE(e.find("more than the 50 million"), std::string::npos) << e;
}

TEST(Image, ResizeAndAffineCrop) {
  const Image a = gradient(8, 4);
  const Image r = resize(a, 4, 2);
  EXPECT_EQ(r.width, 4);
  EXPECT_EQ(r.height, 2);
  // A crop shifted by (6, 1): output (0, 0) is input (6, 1); outside the picture it is the fill.
  const Image c = warp_affine(a, {1, 0, 6, 0, 1, 1}, 3, 3, 9);
  EXPECT_EQ(c.pixel(0, 0)[0], a.pixel(6, 1)[0]);
  EXPECT_EQ(c.pixel(0, 0)[1], a.pixel(6, 1)[1]);
  EXPECT_EQ(c.pixel(2, 0)[2], 9);  // input (8, 1): the picture is 8 wide
  EXPECT_THROW(warp_affine(a, {1, 0, NAN, 0, 1, 0}, 3, 3), Error);
  EXPECT_THROW(resize(a, 0, 3), Error);
}

}  // namespace
}  // namespace unipose::image
