#include "ui/qt_image.h"

namespace unipose::ui {

QImage to_qimage(const image::Image& im) {
  if (im.empty()) return {};
  return QImage(im.rgb.data(), im.width, im.height, im.width * 3, QImage::Format_RGB888).copy();
}

QPixmap to_pixmap(const image::Image& im) { return im.empty() ? QPixmap() : QPixmap::fromImage(to_qimage(im)); }

}  // namespace unipose::ui
