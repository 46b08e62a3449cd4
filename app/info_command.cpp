// `unipose info`: where this program takes its data from (resources, models, the SentencePiece module,
// WordNet), so a user can tell an installed package from a source build and see what is missing.
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "core/build_info.h"
#include "core/engine/engine.h"
#include "core/error.h"
#include "core/text/instruction_templates.h"
#include "core/text/text_tokenizer.h"
#include "core/text/wordnet.h"

namespace unipose::app {

void add_info_command(CLI::App& app) {
  auto* info = app.add_subcommand("info", "Where this program finds its resources, models and helper libraries");
  info->callback([] {
    auto line = [](const char* what, const std::string& where, const std::string& problem) {
      std::cout << what << ": " << (problem.empty() ? where : problem) << "\n";
    };
    std::cout << build_info() << "\n";
    auto found = [](auto&& fn) -> std::pair<std::string, std::string> {
      try {
        return {fn(), ""};
      } catch (const Error& e) {
        return {"", std::string("not found (") + e.what() + ")"};
      }
    };
    const auto [resources, r_problem] = found([] { return text::resources_dir(); });
    line("resources", resources, r_problem);
    const auto [models, m_problem] = found([] { return engine::Engine::models_dir(); });
    line("models", models, m_problem.empty() && !std::filesystem::is_directory(models) ? "not found (set UNIPOSE_MODELS)" : m_problem);
    const auto [module, s_problem] = found([] { return text::TextTokenizer::module_path(); });
    line("sentencepiece module", module, s_problem);
    const std::string wordnet = text::WordNet::folder();
    line("wordnet", wordnet, text::WordNet::instance().available() ? "" : wordnet + ": not found (install wordnet-base, or set WNSEARCHDIR)");
  });
}

}  // namespace unipose::app
