// TensorFlow.js graph models on LibTorch: the reader (model.json + weight shards, every weight's name, dtype,
// shape and byte count checked against the manifest), UniPose's own bundle of a converted model (graph.json +
// model.safetensors + SHA256SUMS, verified on load), and an executor of the ops pose models use, on CPU or
// CUDA. Tensors enter and leave in TensorFlow's NHWC layout; inside, image tensors run as NCHW.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "core/io/safetensors.h"

namespace unipose::vision {

// A node's attributes, decoded from the graph's protobuf-as-JSON: integer lists (strides, ksize, masks,
// booleans as 0/1), strings (padding, data_format) and the fused ops of _Fused* nodes.
struct NodeAttrs {
  std::map<std::string, std::vector<std::int64_t>> ints;
  std::map<std::string, std::string> strings;
  std::vector<std::string> fused_ops;
  std::int64_t int_or(const std::string& key, std::int64_t otherwise) const;
  std::string string_or(const std::string& key, const std::string& otherwise) const;
};

struct GraphNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // node names (":0" dropped; control inputs "^x" left out)
  NodeAttrs attrs;
  std::string const_dtype;              // Const nodes: "float32" or "int32"
  std::vector<std::int64_t> const_shape;  // Const nodes: the shape the graph declares
};

struct TfjsGraph {
  std::string source;  // the file or folder it came from, for messages
  std::vector<GraphNode> nodes;
  std::map<std::string, io::TensorBytes> weights;  // Const node name -> stored values (F32, F16 or I32)
  std::map<std::string, std::string> inputs;       // signature name -> Placeholder node
  std::map<std::string, std::string> outputs;      // signature name -> node
  std::string topology_json;                       // the graph as read (nodes, signature), for conversion
};

// The ops the executor runs. A graph with any other op is refused on load, naming it.
const std::vector<std::string>& supported_ops();

// Reads a TensorFlow.js graph model (format "graph-model"): MODEL.json and the weight shards it names beside it.
// float32 weights may be stored as float16 or as affine uint8/uint16 (dequantised to float32 here; float16 stays
// float16 in a converted bundle).
TfjsGraph read_tfjs_model(const std::string& model_json);

// A converted bundle: DIR/graph.json, DIR/model.safetensors, DIR/SHA256SUMS (which must list both).
void write_graph_bundle(const std::string& dir, const TfjsGraph& graph, const std::string& model_card, const std::string& licence_text);
TfjsGraph read_graph_bundle(const std::string& dir);

class GraphExecutor {
 public:
  explicit GraphExecutor(const TfjsGraph& graph, torch::Device device = torch::kCPU);

  // Runs the graph on NHWC float inputs given by signature name (or Placeholder node name) and returns the
  // wanted values by the names asked: signature output names, or any node's name (an inner feature map).
  std::map<std::string, torch::Tensor> run(const std::map<std::string, torch::Tensor>& inputs, const std::vector<std::string>& wanted) const;

  const std::map<std::string, std::string>& signature_inputs() const { return inputs_; }
  const std::map<std::string, std::string>& signature_outputs() const { return outputs_; }
  torch::Device device() const { return device_; }

 private:
  struct Step {
    int op = 0;
    std::vector<int> args;       // node indices
    torch::Tensor weight, bias;  // convolutions: weights in LibTorch's layout
    std::vector<std::int64_t> stride, dilation, kernel;
    std::string padding;          // "SAME", "VALID", "EXPLICIT"
    std::vector<std::int64_t> explicit_pads;
    int activation = 0;           // 0 none, 1 Relu, 2 Relu6
    int groups = 1;
  };
  std::string source_;
  std::vector<GraphNode> nodes_;
  std::vector<Step> steps_;
  std::vector<torch::Tensor> constants_;  // per node; defined for Const nodes
  std::vector<int> last_use_;             // step after which a value is no longer needed
  std::map<std::string, int> index_;
  std::map<std::string, std::string> inputs_, outputs_;
  torch::Device device_;
};

}  // namespace unipose::vision
