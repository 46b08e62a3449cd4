// The application's icons, drawn with QPainter at any size (no image files, no icon theme needed): the
// application icon (the same figure as installer/desktop/io.unipose.Studio.svg) and the toolbar's. Where the
// desktop has an icon theme, its standard icons are used for the standard actions.
#pragma once

#include <QIcon>
#include <QString>

namespace unipose::ui {

QIcon app_icon();
// A toolbar icon by name: "open", "save", "undo", "redo", "front", "side", "top", "three-quarter", "fit",
// "reset", "mirror", "coach", "photo". An unknown name gives an empty icon.
QIcon tool_icon(const QString& name);

}  // namespace unipose::ui
