// `unipose convert tfjs`: a TensorFlow.js graph model to a verified UniPose bundle (graph.json,
// model.safetensors, SHA256SUMS, MODEL_CARD.md, LICENSE), so the product needs no network at run time.
// No LibTorch in this header (the CLI uses it).
#pragma once

#include <string>

namespace unipose::vision {

struct ConvertReport {
  int nodes = 0, constants = 0;
  long long weight_bytes = 0;
  std::string ops;  // "Conv2D x 44, ..." as counted
};

// Reads MODEL_JSON with every check, runs the graph once on zeros to prove it executes, writes OUT_DIR.
// `licence_file` (may be empty) is copied to OUT_DIR/LICENSE; `source_note` and `command` go into the card.
ConvertReport convert_tfjs(const std::string& model_json, const std::string& out_dir, const std::string& licence_file,
                           const std::string& source_note, const std::string& command);

}  // namespace unipose::vision
