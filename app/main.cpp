// unipose: with a sub-command it works headless; the desktop window arrives with the GUI issue.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "core/build_info.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"UniPose Studio: pose 3D humans with words, photos and hands.", "unipose"};
  app.set_version_flag("--version", unipose::build_info());
  app.require_subcommand(0, 1);
  app.footer(
      "Commands:\n"
      "  unipose pose info FILE [--json] [--frame N]      joints, angles and limits of a pose\n"
      "  unipose pose convert IN OUT [--frame N]          between .json, .npz, .bvh (or a folder of .json)\n"
      "  unipose pose mirror IN OUT [--frame N]           swap left and right\n"
      "  unipose body export --pose FILE --out MESH       posed body as .obj, .glb or .fbx\n"
      "Each command has its own --help.");
  unipose::app::add_pose_commands(app);
  unipose::app::add_body_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const unipose::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return 1;
  }
  if (app.get_subcommands().empty()) std::cout << app.help();
  return 0;
}
