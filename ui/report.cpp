#include "ui/report.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <QCoreApplication>
#include <QFont>
#include <QGuiApplication>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>

#include "core/error.h"
#include "ui/qt_image.h"

namespace unipose::ui {
namespace {

// Draws `img` inside `box`, keeping its proportions, centred.
void draw_fitted(QPainter& p, const QImage& img, const QRectF& box) {
  if (img.isNull()) {
    p.drawRect(box);
    p.drawText(box, Qt::AlignCenter, "(a pose file: no photo)");
    return;
  }
  const double s = std::min(box.width() / img.width(), box.height() / img.height());
  const QSizeF size(img.width() * s, img.height() * s);
  const QRectF target(box.center().x() - size.width() / 2, box.center().y() - size.height() / 2, size.width(), size.height());
  p.drawImage(target, img);
}

}  // namespace

void write_compare_pdf(const std::string& path, const CompareReport& r) {
  const std::string temp = path + ".part";
  {
    QPdfWriter pdf(QString::fromStdString(temp));
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(150);
    pdf.setTitle("UniPose Studio comparison");
    pdf.setCreator("UniPose Studio");
    QPainter p;
    if (!p.begin(&pdf)) fail(path, "cannot write the PDF here");
    const double W = pdf.width(), H = pdf.height();
    const double margin = 40;
    QFont title("DejaVu Sans", 14, QFont::Bold), body("DejaVu Sans", 8), bold("DejaVu Sans", 8, QFont::Bold);
    double y = margin;
    p.setFont(title);
    p.drawText(QRectF(margin, y, W - 2 * margin, 40), Qt::AlignLeft | Qt::AlignVCenter, "Pose comparison");
    y += 44;
    p.setFont(body);
    p.drawText(QRectF(margin, y, W - 2 * margin, 24), Qt::AlignLeft | Qt::AlignVCenter,
               QString("A: %1     B: %2").arg(QString::fromStdString(r.label_a), QString::fromStdString(r.label_b)));
    y += 30;
    const double half = (W - 2 * margin - 20) / 2;
    const double row = 300;
    draw_fitted(p, to_qimage(r.photo_a), QRectF(margin, y, half, row));
    draw_fitted(p, to_qimage(r.photo_b), QRectF(margin + half + 20, y, half, row));
    y += row + 8;
    draw_fitted(p, to_qimage(r.body_a), QRectF(margin, y, half, row));
    draw_fitted(p, to_qimage(r.body_b), QRectF(margin + half + 20, y, half, row));
    y += row + 4;
    p.setFont(bold);
    p.drawText(QRectF(margin, y, half, 24), Qt::AlignHCenter | Qt::AlignTop, "A");
    p.drawText(QRectF(margin + half + 20, y, half, 24), Qt::AlignHCenter | Qt::AlignTop, "B");
    y += 60;
    // The angle table.
    const double c0 = margin, c1 = margin + 260, c2 = c1 + 120, c3 = c2 + 120;
    p.drawText(QPointF(c0, y), "Joint angle (degrees)");
    p.drawText(QPointF(c1, y), "A");
    p.drawText(QPointF(c2, y), "B");
    p.drawText(QPointF(c3, y), "B - A");
    y += 6;
    p.drawLine(QPointF(c0, y), QPointF(W - margin, y));
    y += 18;
    for (const auto& a : r.angles) {
      if (y > H - 160) break;
      p.setFont(a.notable ? bold : body);
      if (a.notable) p.fillRect(QRectF(c0 - 4, y - 15, W - 2 * margin + 8, 20), QColor(255, 235, 200));
      p.drawText(QPointF(c0, y), QString::fromStdString(a.name));
      p.drawText(QPointF(c1, y), QString::number(a.a, 'f', 1));
      p.drawText(QPointF(c2, y), QString::number(a.b, 'f', 1));
      p.drawText(QPointF(c3, y), QString::number(a.difference, 'f', 1));
      y += 20;
    }
    y += 10;
    p.setFont(bold);
    p.drawText(QPointF(margin, y), "From A to B, in words");
    y += 8;
    p.setFont(body);
    const QString words = QString::fromStdString(r.words.empty() ? "(none)" : r.words) +
                          (r.words_note.empty() ? QString() : "\n" + QString::fromStdString(r.words_note));
    p.drawText(QRectF(margin, y, W - 2 * margin, H - y - margin), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, words);
    p.end();
  }
  std::error_code ec;
  if (!std::filesystem::exists(temp) || std::filesystem::file_size(temp, ec) == 0) fail(path, "the PDF could not be written");
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    fail(path, "cannot move the finished PDF into place");
  }
}

void write_compare_pdf_headless(const std::string& path, const CompareReport& report) {
  if (QCoreApplication::instance()) {
    write_compare_pdf(path, report);
    return;
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static int argc = 1;
  static char name[] = "unipose";
  static char* argv[] = {name, nullptr};
  QGuiApplication app(argc, argv);
  write_compare_pdf(path, report);
}

}  // namespace unipose::ui
