#include "core/vision/convert.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/build_info.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/safetensors.h"
#include "core/vision/tfjs_graph.h"

namespace unipose::vision {

ConvertReport convert_tfjs(const std::string& model_json, const std::string& out_dir, const std::string& licence_file,
                           const std::string& source_note, const std::string& command) {
  const TfjsGraph graph = read_tfjs_model(model_json);
  ConvertReport report;
  std::map<std::string, int> ops;
  for (const auto& n : graph.nodes) {
    ++ops[n.op];
    ++report.nodes;
  }
  for (const auto& [name, w] : graph.weights) {
    ++report.constants;
    report.weight_bytes += static_cast<long long>(w.data.size());
  }
  for (const auto& [op, count] : ops) report.ops += (report.ops.empty() ? "" : ", ") + op + " x " + std::to_string(count);
  // Prove the graph runs before writing anything: every input fed zeros of its declared shape (batch 1).
  {
    GraphExecutor ex(graph);
    std::map<std::string, torch::Tensor> inputs;
    for (const auto& [key, node] : graph.inputs)
      for (const auto& n : graph.nodes)
        if (n.name == node) {
          std::vector<std::int64_t> shape = n.const_shape;
          std::int64_t n = 1;
          for (auto& d : shape) {
            d = d < 0 ? 1 : d;
            n *= std::max<std::int64_t>(d, 1);
            if (d > 16384 || n > 100'000'000) fail(model_json, "input '" + key + "' declares a shape of over 100 million values");
          }
          inputs[key] = torch::zeros(shape);
        }
    std::vector<std::string> outs;
    for (const auto& [key, node] : graph.outputs) outs.push_back(key);
    for (const auto& [key, t] : ex.run(inputs, outs))
      if (!torch::isfinite(t).all().item<bool>()) fail(model_json, "output '" + key + "' is not finite on a blank input");
  }
  const std::string licence = licence_file.empty() ? "" : io::read_text_file(licence_file);
  std::ostringstream card;
  const std::string name = std::filesystem::path(model_json).stem().string();
  card << "# " << name << " (TensorFlow.js graph model, converted)\n\n"
       << "Converted by `unipose convert tfjs` (" << build_info() << "); the graph and its weights are unchanged: float16-stored\n"
       << "weights stay float16 in model.safetensors and run as float32.\n\n"
       << "## Source\n\n" << (source_note.empty() ? "(not given)" : source_note) << "\n\n"
       << "Files read: `" << std::filesystem::path(model_json).filename().string() << "` and the weight shards it lists.\n\n"
       << "## Command\n\n```\n" << io::portable_paths(command) << "\n```\n\n"
       << "## Graph\n\n" << report.nodes << " nodes; ops: " << report.ops << ".\n"
       << report.constants << " constants, " << report.weight_bytes << " bytes of weights.\n\n"
       << "Inputs:";
  for (const auto& [key, node] : graph.inputs) card << " `" << key << "`";
  card << ". Outputs:";
  for (const auto& [key, node] : graph.outputs) card << " `" << key << "`";
  card << ".\n\n## Licence\n\n" << (licence.empty() ? "Not given at conversion." : "See LICENSE beside this card.") << "\n";
  write_graph_bundle(out_dir, graph, card.str(), licence);
  return report;
}

}  // namespace unipose::vision
