// The coach's one-page comparison report as PDF (Qt's QPdfWriter): both photos with their skeletons, both
// bodies from one camera, the joint-angle table and the difference in words. Used by the coach view and by
// `unipose compare --report` (which starts a window-less Qt when none runs).
#pragma once

#include <string>
#include <vector>

#include "core/engine/compare.h"
#include "core/image/image.h"

namespace unipose::ui {

struct CompareReport {
  std::string label_a, label_b;     // file names
  image::Image photo_a, photo_b;    // with the skeleton drawn; empty for a pose-file slot
  image::Image body_a, body_b;      // the 3D views
  std::vector<engine::AngleDifference> angles;
  std::string words;                // A to B in words
  std::string words_note;           // how well they fit, or why there are none
};

// Writes the report to `path` atomically (a temporary file renamed into place). Needs a Qt application object;
// throws Error naming the file when it cannot be written.
void write_compare_pdf(const std::string& path, const CompareReport& report);

// The same from a program without a window: runs a QGuiApplication on the "offscreen" platform for the call
// when no Qt application exists yet.
void write_compare_pdf_headless(const std::string& path, const CompareReport& report);

}  // namespace unipose::ui
