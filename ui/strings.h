// Qt strings to the core's std::string, in the encoding each use needs: file names in the local 8-bit
// encoding the file system uses (QFile::encodeName), text for the models as UTF-8.
#pragma once

#include <string>

#include <QFile>
#include <QString>

namespace unipose::ui {

inline std::string path_string(const QString& path) { return QFile::encodeName(path).toStdString(); }
inline std::string utf8(const QString& text) { return text.toUtf8().toStdString(); }

}  // namespace unipose::ui
