#include "ui/icons.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QPolygonF>

#include <functional>

namespace unipose::ui {
namespace {

const QColor kInk(0x2b, 0x3a, 0x55);
const QColor kAccent(0xe2, 0x57, 0x4c);
const QColor kHead(0xf2, 0xb8, 0x4b);

// An icon painted at the usual sizes; `draw` paints into a 128 x 128 square.
QIcon painted(const std::function<void(QPainter&)>& draw) {
  QIcon icon;
  for (const int size : {16, 22, 24, 32, 48, 64, 128, 256}) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 128.0, size / 128.0);
    draw(p);
    p.end();
    icon.addPixmap(pixmap);
  }
  return icon;
}

QPen stroke(const QColor& colour, double width) { return QPen(colour, width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin); }

// A stick figure: polylines in 128-unit coordinates, a head, ink colour.
void figure(QPainter& p, const std::vector<QPolygonF>& limbs, QPointF head, const QColor& ink = kInk, double width = 11) {
  p.setPen(stroke(ink, width));
  p.setBrush(Qt::NoBrush);
  for (const auto& l : limbs) p.drawPolyline(l);
  p.setPen(Qt::NoPen);
  p.setBrush(kHead);
  p.drawEllipse(head, 13, 13);
}

QPolygonF line(std::initializer_list<QPointF> points) { return QPolygonF(QVector<QPointF>(points)); }

QIcon themed(const char* theme_name, const std::function<void(QPainter&)>& draw) {
  return QIcon::hasThemeIcon(theme_name) ? QIcon::fromTheme(theme_name) : painted(draw);
}

}  // namespace

QIcon app_icon() {
  return painted([](QPainter& p) {
    p.setPen(Qt::NoPen);
    p.setBrush(kInk);
    p.drawRoundedRect(QRectF(4, 4, 120, 120), 24, 24);
    p.setPen(stroke(QColor(0xf2, 0xf4, 0xf8), 9));
    for (const auto& l : {line({{64, 44}, {62, 78}}), line({{63, 52}, {84, 36}, {96, 18}}), line({{63, 52}, {44, 64}, {36, 82}}),
                          line({{62, 78}, {78, 96}, {80, 114}}), line({{62, 78}, {48, 98}, {36, 110}})})
      p.drawPolyline(l);
    p.setPen(Qt::NoPen);
    p.setBrush(kHead);
    p.drawEllipse(QPointF(66, 28), 10, 10);
    p.setBrush(kAccent);
    p.drawEllipse(QPointF(96, 18), 5, 5);
    p.setBrush(QColor(0x4a, 0xa3, 0xdf));
    p.drawEllipse(QPointF(36, 82), 5, 5);
  });
}

QIcon tool_icon(const QString& name) {
  if (name == "open")
    return themed("document-open", [](QPainter& p) {
      p.setPen(stroke(kInk, 8));
      p.setBrush(QColor(0xf2, 0xb8, 0x4b));
      p.drawPolygon(line({{12, 30}, {50, 30}, {60, 42}, {116, 42}, {116, 104}, {12, 104}}));
      p.setBrush(QColor(0xf7, 0xd0, 0x80));
      p.drawPolygon(line({{12, 104}, {30, 60}, {124, 60}, {116, 104}}));
    });
  if (name == "save")
    return themed("document-save", [](QPainter& p) {
      p.setPen(stroke(kInk, 8));
      p.setBrush(QColor(0x4a, 0xa3, 0xdf));
      p.drawRoundedRect(QRectF(16, 16, 96, 96), 10, 10);
      p.setBrush(Qt::white);
      p.drawRect(QRectF(36, 16, 56, 34));
      p.drawRect(QRectF(32, 70, 64, 42));
    });
  if (name == "undo" || name == "redo") {
    const bool undo = name == "undo";
    return themed(undo ? "edit-undo" : "edit-redo", [undo](QPainter& p) {
      if (!undo) p.translate(128, 0), p.scale(-1, 1);
      p.setPen(stroke(kInk, 12));
      QPainterPath arc;
      arc.moveTo(40, 56);
      arc.cubicTo(70, 30, 118, 40, 108, 84);
      arc.cubicTo(104, 100, 90, 108, 74, 108);
      p.drawPath(arc);
      p.setPen(Qt::NoPen);
      p.setBrush(kInk);
      p.drawPolygon(line({{14, 58}, {52, 28}, {56, 78}}));
    });
  }
  if (name == "front")
    return painted([](QPainter& p) {
      figure(p, {line({{64, 40}, {64, 78}}), line({{24, 50}, {104, 50}}), line({{64, 78}, {48, 118}}), line({{64, 78}, {80, 118}})}, {64, 22});
    });
  if (name == "side")
    return painted([](QPainter& p) {
      figure(p, {line({{62, 40}, {62, 78}}), line({{62, 50}, {92, 64}, {112, 58}}), line({{62, 78}, {58, 118}}), line({{62, 78}, {76, 98}, {70, 118}})},
             {66, 22});
    });
  if (name == "top")
    return painted([](QPainter& p) {
      p.setPen(stroke(kInk, 11));
      p.drawLine(QPointF(18, 64), QPointF(110, 64));
      p.setPen(stroke(kInk, 7));
      p.drawEllipse(QPointF(64, 64), 20, 14);
      p.setPen(Qt::NoPen);
      p.setBrush(kHead);
      p.drawEllipse(QPointF(64, 64), 13, 13);
    });
  if (name == "three-quarter")
    return painted([](QPainter& p) {
      figure(p, {line({{64, 40}, {62, 78}}), line({{34, 58}, {50, 48}, {86, 52}, {104, 66}}), line({{62, 78}, {50, 118}}),
                 line({{62, 78}, {78, 116}})},
             {66, 22});
    });
  if (name == "fit")
    return themed("zoom-fit-best", [](QPainter& p) {
      p.setPen(stroke(kInk, 10));
      for (const auto& c : {line({{14, 40}, {14, 14}, {40, 14}}), line({{88, 14}, {114, 14}, {114, 40}}), line({{114, 88}, {114, 114}, {88, 114}}),
                            line({{40, 114}, {14, 114}, {14, 88}})})
        p.drawPolyline(c);
      figure(p, {line({{64, 52}, {64, 78}}), line({{44, 60}, {84, 60}}), line({{64, 78}, {54, 100}}), line({{64, 78}, {74, 100}})}, {64, 40}, kInk, 8);
    });
  if (name == "reset")
    return painted([](QPainter& p) {
      figure(p, {line({{64, 40}, {64, 80}}), line({{64, 48}, {48, 84}}), line({{64, 48}, {80, 84}}), line({{64, 80}, {56, 118}}), line({{64, 80}, {72, 118}})},
             {64, 22});
      p.setPen(stroke(kAccent, 8));
      p.drawArc(QRectF(12, 12, 104, 104), 40 * 16, 100 * 16);
    });
  if (name == "mirror")
    return painted([](QPainter& p) {
      figure(p, {line({{36, 40}, {36, 78}}), line({{36, 50}, {16, 26}}), line({{36, 50}, {52, 70}}), line({{36, 78}, {28, 118}}), line({{36, 78}, {46, 118}})},
             {36, 22}, kInk, 9);
      figure(p, {line({{92, 40}, {92, 78}}), line({{92, 50}, {112, 26}}), line({{92, 50}, {76, 70}}), line({{92, 78}, {100, 118}}), line({{92, 78}, {82, 118}})},
             {92, 22}, QColor(0x4a, 0xa3, 0xdf), 9);
      p.setPen(QPen(kAccent, 5, Qt::DashLine));
      p.drawLine(QPointF(64, 8), QPointF(64, 120));
    });
  return QIcon();
}

}  // namespace unipose::ui
