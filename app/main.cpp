// unipose: with a sub-command it works headless; the desktop window arrives with the GUI issue.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "core/build_info.h"
#include "core/error.h"
#ifdef UNIPOSE_WITH_GUI
#include "ui/gui.h"
#endif

namespace unipose::app {
namespace {
std::string& stored_command_line() {
  static std::string line;
  return line;
}
}  // namespace
void set_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    std::string a = i == 0 ? "unipose" : argv[i];
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
    if (!plain) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      a = q + "'";
    }
    line += (i ? " " : "") + a;
  }
  stored_command_line() = line;
}
const std::string& command_line() { return stored_command_line(); }
}  // namespace unipose::app

int main(int argc, char** argv) {
  unipose::app::set_command_line(argc, argv);
  CLI::App app{"UniPose Studio: pose 3D humans with words, photos and hands.", "unipose"};
  app.set_version_flag("--version", unipose::build_info());
  app.require_subcommand(0, 1);
  unipose::app::add_pose_commands(app);
  unipose::app::add_body_commands(app);
  unipose::app::add_data_commands(app);
  unipose::app::add_train_commands(app);
  unipose::app::add_launch_command(app);
  unipose::app::add_photo_commands(app);
  unipose::app::add_compare_command(app);
  unipose::app::add_info_command(app);
#ifdef UNIPOSE_WITH_GUI
  unipose::ui::GuiOptions gui;
  bool run_window = false;
  auto* gui_cmd = app.add_subcommand("gui", "Open the desktop application (the default without a command)");
  gui_cmd->add_option("--pose,file", gui.pose, "Pose file to open (.json, .npz, .bvh frame 0)");
  gui_cmd->add_option("--body", gui.body, "'mannequin' or an SMPL model file (.npz)");
  gui_cmd->add_option("--screenshot", gui.screenshot, "Render, save the whole window as PNG and exit");
  gui_cmd->add_option("--view", gui.view, "front, side, top, three-quarter or photo (through the applied photo's camera; the default after --apply-photo)")
      ->check(CLI::IsMember({"front", "side", "top", "three-quarter", "photo"}));
  gui_cmd->add_option("--select", gui.select, "Joint to select (SMPL name, e.g. left_elbow)");
  gui_cmd->add_option("--instruction", gui.instruction, "Type this instruction into the Words panel after opening (needs the language model)");
  auto* photo = gui_cmd->add_option("--photo", gui.photo, "Open this reference photo in the Photo panel");
  auto* apply_photo = gui_cmd->add_flag("--apply-photo", gui.apply_photo, "Set the body to the photo's largest person (as pressing Apply)");
  auto* ask = gui_cmd->add_flag("--ask-model", gui.ask_model, "Set the body to the language model's reading of the photo (as Ask the Language Model)")
                  ->excludes(apply_photo)
                  ->needs(photo);
  gui_cmd->add_option("--photo-hint", gui.photo_hint, "With --ask-model: words about the pose that the photo may not show")->needs(ask);
  gui_cmd->add_option("--coach", gui.coach, "Open the coach view with two photos or pose files: --coach A.jpg B.jpg")->expected(2);
  gui_cmd->add_option("--width", gui.width, "Window width")->check(CLI::Range(320, 8192));
  gui_cmd->add_option("--height", gui.height, "Window height")->check(CLI::Range(240, 8192));
  gui_cmd->add_flag("!--no-restore", gui.restore_autosave, "Do not offer to restore an autosaved pose");
  gui_cmd->callback([&run_window] { run_window = true; });
#endif
  // Set last: subcommands copy the footer of their parent when they are made, and each has its own help.
  app.footer(
      "Commands:\n"
      "  unipose pose info FILE [--json] [--frame N]      joints, angles and limits of a pose\n"
      "  unipose pose convert IN OUT [--frame N]          between .json, .npz, .bvh (or a folder of .json)\n"
      "  unipose pose mirror IN OUT [--frame N]           swap left and right\n"
      "  unipose body export --pose FILE --out MESH       posed body as .obj, .glb or .fbx (--rigged: with skeleton)\n"
      "  unipose body export --pose FILE --openpose F     OpenPose keypoints (.json) or ControlNet pose picture (.png)\n"
      "  unipose caption --pose FILE [-n K]               describe a pose in words\n"
      "  unipose caption --pose-a A --pose-b B            instructions from pose A to pose B\n"
      "  unipose data make --out DIR --poses N --pairs M  generate the training corpus (--images K: rendered pictures)\n"
      "  unipose train tokenizer --data DIR --out RUN     train the pose tokenizer (--resume continues)\n"
      "  unipose tokenize --pose FILE / detokenize        pose <-> token ids\n"
      "  unipose eval tokenizer --data DIR | --bvh FILE   reconstruction error (MPJPE, PA-MPJPE)\n"
      "  unipose train retrieval --kind pose-text|pair-text --data DIR --out RUN   the metrics' retrieval models\n"
      "  unipose eval text2pose|pose2text|posediff|edit --model M --data DIR [--json OUT]   task metrics\n"
      "  unipose eval phrasing --cases FILE [--model M]   free-phrasing cases (a person's own words)\n"
      "  unipose train align|instruct --data DIR --out RUN  the language model (stages 2 and 4)\n"
      "  unipose describe|diff|generate|edit ...           pose <-> words with the language model\n"
      "  unipose estimate --image P [--out POSE]         a 3D pose from a photo (BlazePose + fitting; --overlay PNG)\n"
      "  unipose eval photos --data DIR                   PCK@0.2 of landmarks and fitted poses on labelled photos\n"
      "  unipose eval renders --data DIR                  MPJPE / PA-MPJPE of fitted poses on rendered pictures\n"
      "  unipose data lift-views --data DIR --out F.npz   BlazePose's landmarks of rendered pictures, for the lifter\n"
      "  unipose train lifter --data DIR --out RUN        the 2D-to-3D lifter the photo fit follows (--views F.npz)\n"
      "  unipose train clip --data DIR --out RUN          the visual branch's image encoder (rendered pictures, captions)\n"
      "  unipose compare --image-a A --image-b B          two photos: joint angles, words (--csv, --report PDF)\n"
      "  unipose convert tfjs MODEL.json --out DIR        a TensorFlow.js graph model to a verified bundle\n"
      "  unipose bench photo --image P                    photo to pose: median times and peak memory\n"
      "  unipose bench text2pose                          one-step vs token-by-token pose generation\n"
      "  unipose bench tokenizer                          encode + decode poses/s (CPU, CUDA)\n"
      "  unipose launch --nproc N -- train tokenizer ...  data-parallel training on N local processes\n"
#ifdef UNIPOSE_WITH_GUI
      "  unipose gui [FILE] [--screenshot PNG]            the desktop application (also: no command)\n"
      "  unipose gui --coach A.jpg B.jpg                  the coach view: two photos side by side\n"
#endif
      "  unipose info                                     where resources, models and helper libraries are found\n"
      "Each command has its own --help.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const unipose::app::ExitStatus& e) {
    return e.code;
  } catch (const unipose::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return 1;
  }
#ifdef UNIPOSE_WITH_GUI
  if (run_window || app.get_subcommands().empty()) return unipose::ui::run_gui(argc > 0 ? 1 : 0, argv, gui);
#else
  if (app.get_subcommands().empty()) std::cout << app.help();
#endif
  return 0;
}
