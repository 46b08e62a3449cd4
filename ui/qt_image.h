// A core image (8-bit RGB rows) as Qt's picture types, copied so the result outlives the image.
#pragma once

#include <QImage>
#include <QPixmap>

#include "core/image/image.h"

namespace unipose::ui {

QImage to_qimage(const image::Image& im);   // null for an empty image
QPixmap to_pixmap(const image::Image& im);  // null for an empty image

}  // namespace unipose::ui
