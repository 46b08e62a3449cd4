// Entry point of the desktop application, called by `unipose` (no arguments, or `unipose gui ...`).
#pragma once

#include <string>
#include <vector>

namespace unipose::ui {

struct GuiOptions {
  std::string pose;        // pose file to open
  std::string body;        // "mannequin" or an SMPL .npz
  std::string screenshot;  // when set: render, save the whole window as PNG, exit
  std::string view;        // front | side | top | three-quarter | photo; empty: photo after apply_photo, else three-quarter
  std::string select;      // joint to select at start (name)
  std::string instruction; // apply this instruction (language model) after opening, as a user typing it would
  std::string photo;       // open this reference photo in the Photo panel
  bool apply_photo = false;  // and apply its largest person to the body
  bool ask_model = false;    // or set the body to the language model's reading of it (Photo panel, Ask the Language Model)
  std::string photo_hint;    // with ask_model: words about the pose
  std::vector<std::string> coach;  // open the coach view with these two photos or pose files (A, B)
  int width = 1280, height = 800;
  bool restore_autosave = true;  // offer to restore an autosaved pose at start
};

// Runs the application; returns the process exit status. Reports a missing display as an error.
int run_gui(int argc, char** argv, const GuiOptions& options);

}  // namespace unipose::ui
