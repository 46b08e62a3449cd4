#include "core/vision/tfjs_graph.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"

namespace unipose::vision {
namespace F = torch::nn::functional;
using json = nlohmann::json;

namespace {

// The largest spatial size or padding a graph may ask for (a 16384 x 16384 float map of one channel is 1 GB).
constexpr std::int64_t kMaxSide = 16384;

enum Op { kPlaceholder, kConst, kIdentity, kConv, kDepthwise, kAdd, kRelu, kRelu6, kSigmoid, kPad, kMaxPool, kResize, kDepthToSpace, kReshape, kConcat, kShape, kSlice, kPack };

const std::map<std::string, Op>& op_table() {
  static const std::map<std::string, Op> t = {
      {"Placeholder", kPlaceholder}, {"Const", kConst}, {"Identity", kIdentity}, {"Conv2D", kConv}, {"_FusedConv2D", kConv},
      {"DepthwiseConv2dNative", kDepthwise}, {"FusedDepthwiseConv2dNative", kDepthwise}, {"AddV2", kAdd}, {"Relu", kRelu},
      {"Relu6", kRelu6}, {"Sigmoid", kSigmoid}, {"Pad", kPad}, {"MaxPool", kMaxPool}, {"ResizeBilinear", kResize},
      {"DepthToSpace", kDepthToSpace}, {"Reshape", kReshape}, {"ConcatV2", kConcat}, {"Shape", kShape}, {"StridedSlice", kSlice},
      {"Pack", kPack}};
  return t;
}

std::string base64_decode(const std::string& in, const std::string& where) {
  if (in.empty()) return "";
  if (in.size() % 4 != 0) fail(where, "an attribute string is not base64");
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) fail(where, "an attribute string is not base64");
  std::size_t len = static_cast<std::size_t>(n);
  for (std::size_t k = in.size(); k > 0 && in[k - 1] == '='; --k) --len;  // EVP_DecodeBlock counts padding as bytes
  out.resize(len);
  return out;
}

std::int64_t as_int(const json& v, const std::string& where) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_string()) {
    try {
      std::size_t used = 0;
      const std::int64_t x = std::stoll(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return x;
    } catch (const std::exception&) {
    }
  }
  fail(where, "an integer attribute is " + v.dump());
}

std::vector<std::int64_t> shape_of(const json& shape, const std::string& where) {
  std::vector<std::int64_t> dims;
  if (!shape.is_object() || !shape.contains("dim")) return dims;  // a scalar
  if (!shape["dim"].is_array()) fail(where, "a shape's 'dim' is not a list");
  for (const auto& d : shape["dim"]) dims.push_back(d.is_object() && d.contains("size") ? as_int(d["size"], where) : 0);
  return dims;
}

GraphNode parse_node(const json& n, const std::string& source) {
  if (!n.is_object() || !n.contains("name") || !n["name"].is_string() || !n.contains("op") || !n["op"].is_string())
    fail(source, "a graph node without a name or op");
  GraphNode g;
  g.name = n["name"].get<std::string>();
  g.op = n["op"].get<std::string>();
  const std::string where = source + ": node '" + g.name + "'";
  if (n.contains("input")) {
    if (!n["input"].is_array()) fail(where, "'input' is not a list");
    for (const auto& in : n["input"]) {
      if (!in.is_string()) fail(where, "an input is not a name");
      std::string s = in.get<std::string>();
      if (!s.empty() && s[0] == '^') continue;  // control dependency: order only
      const auto colon = s.rfind(':');
      if (colon != std::string::npos) {
        if (s.substr(colon + 1) != "0") fail(where, "reads output " + s.substr(colon + 1) + " of '" + s.substr(0, colon) + "'; only single-output ops are supported");
        s = s.substr(0, colon);
      }
      g.inputs.push_back(s);
    }
  }
  if (n.contains("attr") && n["attr"].is_object()) {
    for (const auto& [key, v] : n["attr"].items()) {
      if (!v.is_object()) continue;
      if (v.contains("i")) g.attrs.ints[key] = {as_int(v["i"], where)};
      else if (v.contains("b")) g.attrs.ints[key] = {as_int(v["b"], where)};
      else if (v.contains("s") && v["s"].is_string()) g.attrs.strings[key] = base64_decode(v["s"].get<std::string>(), where);
      else if (v.contains("list") && v["list"].is_object()) {
        const auto& l = v["list"];
        if (l.contains("i") && l["i"].is_array())
          for (const auto& x : l["i"]) g.attrs.ints[key].push_back(as_int(x, where));
        if (l.contains("s") && l["s"].is_array())
          for (const auto& x : l["s"])
            if (x.is_string() && key == "fused_ops") g.attrs.fused_ops.push_back(base64_decode(x.get<std::string>(), where));
      } else if (v.contains("tensor") && v["tensor"].is_object()) {
        const auto& t = v["tensor"];
        const std::string dt = t.value("dtype", "");
        g.const_dtype = dt == "DT_FLOAT" ? "float32" : dt == "DT_INT32" ? "int32" : dt;
        g.const_shape = shape_of(t.value("tensorShape", json::object()), where);
      } else if (v.contains("shape") && key == "shape") {
        g.const_shape = shape_of(v["shape"], where);
      }
    }
  }
  if (!op_table().count(g.op)) {
    std::string known;
    for (const auto& [name, op] : op_table()) known += (known.empty() ? "" : ", ") + name;
    fail(where, "op '" + g.op + "' is not supported (supported: " + known + ")");
  }
  return g;
}

std::int64_t numel_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const auto d : shape) {
    if (d < 0 || d > (1ll << 31)) return -1;
    n *= d;
    if (n > (1ll << 32)) return -1;
  }
  return n;
}

// Nodes, topologically sorted, checked against the weights; the signature's names.
TfjsGraph build_graph(const json& nodes, const json& signature, std::map<std::string, io::TensorBytes> weights, const std::string& source) {
  if (!nodes.is_array() || nodes.empty()) fail(source, "the graph has no nodes");
  std::vector<GraphNode> parsed;
  std::map<std::string, std::size_t> by_name;
  for (const auto& n : nodes) {
    GraphNode g = parse_node(n, source);
    if (by_name.count(g.name)) fail(source, "two graph nodes are named '" + g.name + "'");
    by_name[g.name] = parsed.size();
    parsed.push_back(std::move(g));
  }
  // Kahn's order: a node after everything it reads.
  std::vector<int> pending(parsed.size(), 0);
  std::vector<std::vector<std::size_t>> readers(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i)
    for (const auto& in : parsed[i].inputs) {
      const auto it = by_name.find(in);
      if (it == by_name.end()) fail(source, "node '" + parsed[i].name + "' reads '" + in + "', which the graph does not have");
      ++pending[i];
      readers[it->second].push_back(i);
    }
  std::vector<std::size_t> ready, order;
  for (std::size_t i = 0; i < parsed.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    const std::size_t i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (const auto r : readers[i])
      if (--pending[r] == 0) ready.push_back(r);
  }
  if (order.size() != parsed.size()) fail(source, "the graph has a cycle");
  TfjsGraph g;
  g.source = source;
  for (const auto i : order) g.nodes.push_back(parsed[i]);

  for (const auto& n : g.nodes) {
    if (n.op != "Const") continue;
    const auto it = weights.find(n.name);
    if (it == weights.end()) fail(source, "constant '" + n.name + "' has no stored values");
    const auto& w = it->second;
    if (w.shape != n.const_shape) fail(source, "constant '" + n.name + "' is stored with a shape other than the graph declares");
    const bool ok = n.const_dtype == "float32" ? (w.dtype == "F32" || w.dtype == "F16") : n.const_dtype == "int32" ? w.dtype == "I32" : false;
    if (!ok) fail(source, "constant '" + n.name + "' is " + n.const_dtype + " in the graph, stored as " + w.dtype);
  }
  for (const auto& [name, w] : weights)
    if (!by_name.count(name) || parsed[by_name[name]].op != "Const") fail(source, "stored weight '" + name + "' is no constant of the graph");
  g.weights = std::move(weights);

  auto names = [&](const char* key, std::map<std::string, std::string>& out) {
    if (!signature.is_object() || !signature.contains(key) || !signature[key].is_object()) fail(source, std::string("the signature has no ") + key);
    for (const auto& [k, v] : signature[key].items()) {
      if (!v.is_object() || !v.contains("name") || !v["name"].is_string()) fail(source, "signature entry '" + k + "' has no node name");
      std::string node = v["name"].get<std::string>();
      node = node.substr(0, node.rfind(':'));
      if (!by_name.count(node)) fail(source, "signature entry '" + k + "' names node '" + node + "', which the graph does not have");
      out[k] = node;
    }
  };
  names("inputs", g.inputs);
  names("outputs", g.outputs);
  g.topology_json = json{{"signature", signature}, {"node", nodes}}.dump();
  return g;
}

struct Value {
  torch::Tensor t;
  bool nchw = false;  // t holds an NHWC tensor of the graph as NCHW
  torch::Tensor logical() const { return nchw ? t.permute({0, 2, 3, 1}) : t; }
};

std::vector<std::int64_t> int_list(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kLong).contiguous().reshape({-1});
  return std::vector<std::int64_t>(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
}

// TensorFlow's SAME padding of one spatial dimension: (before, after).
std::pair<std::int64_t, std::int64_t> same_pad(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d) {
  const std::int64_t out = (in + s - 1) / s, eff = (k - 1) * d + 1;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * s + eff - in, 0);
  return {total / 2, total - total / 2};
}

}  // namespace

std::int64_t NodeAttrs::int_or(const std::string& key, std::int64_t otherwise) const {
  const auto it = ints.find(key);
  return it == ints.end() || it->second.empty() ? otherwise : it->second.front();
}
std::string NodeAttrs::string_or(const std::string& key, const std::string& otherwise) const {
  const auto it = strings.find(key);
  return it == strings.end() ? otherwise : it->second;
}

// The readers' bodies; the public functions turn a JSON type error inside into a message naming the file.
static TfjsGraph read_tfjs_model_checked(const std::string& model_json);
static TfjsGraph read_graph_bundle_checked(const std::string& dir);

const std::vector<std::string>& supported_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const auto& [name, op] : op_table()) v.push_back(name);
    return v;
  }();
  return ops;
}

TfjsGraph read_tfjs_model(const std::string& model_json) {
  try {
    return read_tfjs_model_checked(model_json);
  } catch (const json::exception& e) {
    fail(model_json, std::string("not a valid TensorFlow.js model: ") + io::json_message(e));
  }
}

static TfjsGraph read_tfjs_model_checked(const std::string& model_json) {
  const json m = io::read_json_file(model_json);
  if (!m.is_object()) fail(model_json, "not a TensorFlow.js model (no JSON object)");
  if (m.value("format", "") != "graph-model") fail(model_json, "not a TensorFlow.js graph model (format '" + m.value("format", "") + "'; layers models are not supported)");
  if (!m.contains("modelTopology") || !m["modelTopology"].is_object() || !m["modelTopology"].contains("node"))
    fail(model_json, "no modelTopology.node");
  if (!m.contains("weightsManifest") || !m["weightsManifest"].is_array()) fail(model_json, "no weightsManifest");
  const std::string dir = std::filesystem::path(model_json).parent_path().string();
  std::map<std::string, io::TensorBytes> weights;
  for (const auto& group : m["weightsManifest"]) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") || !group["weights"].is_array())
      fail(model_json, "a weightsManifest group without paths or weights");
    std::vector<std::uint8_t> bytes;
    std::string shard_names;
    for (const auto& p : group["paths"]) {
      if (!p.is_string() || p.get<std::string>().find("..") != std::string::npos || p.get<std::string>().empty() || p.get<std::string>()[0] == '/')
        fail(model_json, "a weight shard path that is not a plain file name beside the model");
      const std::string path = (std::filesystem::path(dir) / p.get<std::string>()).string();
      const auto b = io::read_binary_file(path);
      bytes.insert(bytes.end(), b.begin(), b.end());
      shard_names += (shard_names.empty() ? "" : ", ") + p.get<std::string>();
    }
    std::size_t at = 0;
    for (const auto& w : group["weights"]) {
      if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("shape") || !w["shape"].is_array())
        fail(model_json, "a weight entry without name or shape");
      const std::string name = w["name"].get<std::string>();
      const std::string dtype = w.value("dtype", "");
      std::vector<std::int64_t> shape;
      for (const auto& d : w["shape"]) shape.push_back(as_int(d, model_json + ": weight '" + name + "'"));
      const std::int64_t n = numel_of(shape);
      if (n < 0) fail(model_json, "weight '" + name + "' has an impossible shape");
      std::string stored = dtype == "float32" ? "float32" : dtype == "int32" ? "int32" : "";
      if (stored.empty()) fail(model_json, "weight '" + name + "' has dtype '" + dtype + "' (float32 and int32 are supported)");
      double scale = 1, minimum = 0;
      if (w.contains("quantization") && w["quantization"].is_object()) {
        const auto& q = w["quantization"];
        stored = q.value("dtype", "");
        if (stored == "uint8" || stored == "uint16") {
          if (!q.contains("scale") || !q["scale"].is_number() || !q.contains("min") || !q["min"].is_number())
            fail(model_json, "weight '" + name + "' is quantised to " + stored + " without scale and min");
          scale = q["scale"].get<double>();
          minimum = q["min"].get<double>();
        } else if (stored != "float16") {
          fail(model_json, "weight '" + name + "' has quantisation '" + stored + "' (float16, uint8 and uint16 are supported)");
        }
        if (dtype != "float32") fail(model_json, "weight '" + name + "' is quantised but not float32");
      }
      const std::size_t width = stored == "uint8" ? 1 : (stored == "float16" || stored == "uint16") ? 2 : 4;
      const std::size_t size = static_cast<std::size_t>(n) * width;
      if (at + size > bytes.size())
        fail(model_json, "weight '" + name + "' needs bytes " + std::to_string(at) + ".." + std::to_string(at + size) + " but the shards (" + shard_names + ") hold " +
                             std::to_string(bytes.size()));
      io::TensorBytes tb;
      tb.shape = shape;
      if (stored == "float32" || stored == "int32" || stored == "float16") {
        tb.dtype = stored == "float32" ? "F32" : stored == "int32" ? "I32" : "F16";
        tb.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
      } else {  // affine integer quantisation: value = q * scale + min, kept as float32
        tb.dtype = "F32";
        tb.data.resize(static_cast<std::size_t>(n) * 4);
        for (std::int64_t k = 0; k < n; ++k) {
          const std::uint32_t q = width == 1 ? bytes[at + k] : (std::uint32_t(bytes[at + 2 * k]) | std::uint32_t(bytes[at + 2 * k + 1]) << 8);
          const float v = static_cast<float>(q * scale + minimum);
          std::memcpy(tb.data.data() + 4 * k, &v, 4);
        }
      }
      if (weights.count(name)) fail(model_json, "weight '" + name + "' is listed twice");
      weights[name] = std::move(tb);
      at += size;
    }
    if (at != bytes.size())
      fail(model_json, "the shards (" + shard_names + ") hold " + std::to_string(bytes.size()) + " bytes, the manifest describes " + std::to_string(at));
  }
  return build_graph(m["modelTopology"]["node"], m.contains("signature") ? m["signature"] : json::object(), std::move(weights), model_json);
}

void write_graph_bundle(const std::string& dir, const TfjsGraph& graph, const std::string& model_card, const std::string& licence_text) {
  std::filesystem::create_directories(dir);
  const json topo = json::parse(graph.topology_json);
  json g = {{"format", "unipose.tfjs_graph/1"}, {"signature", topo["signature"]}, {"node", topo["node"]}};
  io::write_file_atomic(dir + "/graph.json", g.dump());
  io::SafetensorsFile st;
  st.tensors = graph.weights;
  st.metadata["format"] = "unipose.tfjs_graph/1";
  io::write_safetensors(dir + "/model.safetensors", st);
  std::vector<std::string> files = {"graph.json", "model.safetensors"};
  // A card or licence of an earlier conversion into the same folder would sit there unchecked: gone.
  std::error_code ec;
  if (!model_card.empty()) {
    io::write_file_atomic(dir + "/MODEL_CARD.md", model_card);
    files.push_back("MODEL_CARD.md");
  } else {
    std::filesystem::remove(dir + "/MODEL_CARD.md", ec);
  }
  if (!licence_text.empty()) {
    io::write_file_atomic(dir + "/LICENSE", licence_text);
    files.push_back("LICENSE");
  } else {
    std::filesystem::remove(dir + "/LICENSE", ec);
  }
  io::write_sha256sums(dir, files);
}

TfjsGraph read_graph_bundle(const std::string& dir) {
  try {
    return read_graph_bundle_checked(dir);
  } catch (const json::exception& e) {
    fail(dir + "/graph.json", std::string("not a valid UniPose graph: ") + io::json_message(e));
  }
}

static TfjsGraph read_graph_bundle_checked(const std::string& dir) {
  io::verify_sha256sums(dir, {"graph.json", "model.safetensors"});
  const std::string graph_path = dir + "/graph.json";
  const json g = io::read_json_file(graph_path);
  if (!g.is_object() || io::json_string(g, "format", "", graph_path) != "unipose.tfjs_graph/1") fail(graph_path, "not a UniPose graph (format unipose.tfjs_graph/1)");
  if (!g.contains("node")) fail(graph_path, "no nodes");
  auto st = io::read_safetensors(dir + "/model.safetensors");
  return build_graph(g["node"], g.contains("signature") ? g["signature"] : json::object(), std::move(st.tensors), dir);
}

GraphExecutor::GraphExecutor(const TfjsGraph& graph, torch::Device device) : source_(graph.source), nodes_(graph.nodes), inputs_(graph.inputs), outputs_(graph.outputs), device_(device) {
  const std::size_t n = nodes_.size();
  for (std::size_t i = 0; i < n; ++i) index_[nodes_[i].name] = static_cast<int>(i);
  constants_.resize(n);
  steps_.resize(n);
  last_use_.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    const GraphNode& node = nodes_[i];
    Step& s = steps_[i];
    s.op = op_table().at(node.op);
    const std::string where = source_ + ": node '" + node.name + "' (" + node.op + ")";
    for (const auto& in : node.inputs) {
      s.args.push_back(index_.at(in));
      last_use_[index_.at(in)] = static_cast<int>(i);
    }
    if (s.op == kConst) {
      const auto& w = graph.weights.at(node.name);
      const auto dtype = w.dtype == "F32" ? torch::kFloat : w.dtype == "F16" ? torch::kHalf : torch::kInt;
      auto t = torch::from_blob(const_cast<std::uint8_t*>(w.data.data()), w.shape, dtype).clone();
      if (dtype == torch::kHalf) t = t.to(torch::kFloat);
      // Integers are shapes and indices: they stay on the CPU.
      constants_[i] = dtype == torch::kInt ? t : t.to(device_);
      continue;
    }
    auto need_args = [&](std::size_t k) {
      if (s.args.size() < k) fail(where, "has " + std::to_string(s.args.size()) + " inputs, needs " + std::to_string(k));
    };
    auto const_arg = [&](std::size_t k) -> const torch::Tensor& {
      const int a = s.args.at(k);
      if (steps_[a].op != kConst) fail(where, "input " + std::to_string(k) + " must be a constant");
      return constants_[a];
    };
    if (s.op == kConv || s.op == kDepthwise) {
      need_args(2);
      if (node.attrs.string_or("data_format", "NHWC") != "NHWC") fail(where, "only NHWC data is supported");
      const auto& w = const_arg(1);
      if (w.dim() != 4) fail(where, "the filter is not 4-D");
      const auto st = node.attrs.ints.count("strides") ? node.attrs.ints.at("strides") : std::vector<std::int64_t>{1, 1, 1, 1};
      const auto dl = node.attrs.ints.count("dilations") ? node.attrs.ints.at("dilations") : std::vector<std::int64_t>{1, 1, 1, 1};
      if (st.size() != 4 || dl.size() != 4) fail(where, "strides or dilations are not 4 numbers");
      s.stride = {st[1], st[2]};
      s.dilation = {dl[1], dl[2]};
      s.kernel = {w.size(0), w.size(1)};
      for (const auto v : {st[1], st[2], dl[1], dl[2], w.size(0), w.size(1)})
        if (v < 1 || v > 4096) fail(where, "strides, dilations and filter sizes must be 1 to 4096");
      s.padding = node.attrs.string_or("padding", "VALID");
      if (s.padding == "EXPLICIT") {
        const auto p = node.attrs.ints.count("explicit_paddings") ? node.attrs.ints.at("explicit_paddings") : std::vector<std::int64_t>{};
        if (p.size() != 8) fail(where, "explicit padding is not 8 numbers");
        s.explicit_pads = {p[2], p[3], p[4], p[5]};
      } else if (s.padding != "SAME" && s.padding != "VALID") {
        fail(where, "padding '" + s.padding + "'");
      }
      if (s.op == kConv) {
        s.weight = w.permute({3, 2, 0, 1}).contiguous().to(device_);
      } else {
        s.groups = static_cast<int>(w.size(2));
        s.weight = w.permute({2, 3, 0, 1}).reshape({w.size(2) * w.size(3), 1, w.size(0), w.size(1)}).contiguous().to(device_);
      }
      const auto& fused = node.attrs.fused_ops;
      for (std::size_t k = 0; k < fused.size(); ++k) {
        const std::string& f = fused[k];
        if (f == "BiasAdd" && k == 0) {
          need_args(3);
          s.bias = const_arg(2).reshape({-1}).to(device_);
          if (s.bias.size(0) != s.weight.size(0)) fail(where, "the bias has " + std::to_string(s.bias.size(0)) + " values for " + std::to_string(s.weight.size(0)) + " channels");
        } else if (f == "Relu" && k == fused.size() - 1) {
          s.activation = 1;
        } else if (f == "Relu6" && k == fused.size() - 1) {
          s.activation = 2;
        } else {
          fail(where, "fused op '" + f + "' is not supported (BiasAdd, then Relu or Relu6)");
        }
      }
    } else if (s.op == kMaxPool) {
      need_args(1);
      const auto k = node.attrs.ints.count("ksize") ? node.attrs.ints.at("ksize") : std::vector<std::int64_t>{};
      const auto st = node.attrs.ints.count("strides") ? node.attrs.ints.at("strides") : std::vector<std::int64_t>{};
      if (k.size() != 4 || st.size() != 4 || k[0] != 1 || k[3] != 1) fail(where, "pooling must be over height and width (ksize 1,h,w,1)");
      s.kernel = {k[1], k[2]};
      s.stride = {st[1], st[2]};
      s.dilation = {1, 1};
      for (const auto v : {k[1], k[2], st[1], st[2]})
        if (v < 1 || v > 4096) fail(where, "pooling sizes and strides must be 1 to 4096");
      s.padding = node.attrs.string_or("padding", "VALID");
      if (s.padding != "SAME" && s.padding != "VALID") fail(where, "padding '" + s.padding + "'");
    } else if (s.op == kResize) {
      need_args(2);
      const_arg(1);
      if (node.attrs.int_or("align_corners", 0) == 0 && node.attrs.int_or("half_pixel_centers", 0) == 0)
        fail(where, "legacy resizing (neither align_corners nor half_pixel_centers) is not supported");
    } else if (s.op == kPad) {
      need_args(2);
      const_arg(1);
    } else if (s.op == kDepthToSpace) {
      need_args(1);
      if (node.attrs.int_or("block_size", 0) < 1 || node.attrs.int_or("block_size", 0) > 64) fail(where, "block_size must be 1 to 64");
      if (node.attrs.string_or("data_format", "NHWC") != "NHWC") fail(where, "only NHWC data is supported");
    } else if (s.op == kAdd || s.op == kReshape) {
      need_args(2);
    } else if (s.op == kConcat) {
      need_args(2);
      const_arg(s.args.size() - 1);
    } else if (s.op == kSlice) {
      need_args(4);
      if (node.attrs.int_or("ellipsis_mask", 0) != 0 || node.attrs.int_or("new_axis_mask", 0) != 0) fail(where, "ellipsis and new-axis masks are not supported");
    } else if (s.op == kIdentity || s.op == kRelu || s.op == kRelu6 || s.op == kSigmoid || s.op == kShape) {
      need_args(1);
    }
  }
  for (const auto& [key, node] : outputs_) last_use_[index_.at(node)] = static_cast<int>(n);
}

std::map<std::string, torch::Tensor> GraphExecutor::run(const std::map<std::string, torch::Tensor>& inputs, const std::vector<std::string>& wanted) const {
  torch::NoGradGuard no_grad;
  const std::size_t n = nodes_.size();
  std::vector<int> keep(n, 0);
  std::map<std::string, int> wanted_index;
  for (const auto& w : wanted) {
    const auto o = outputs_.find(w);
    const auto it = index_.find(o != outputs_.end() ? o->second : w);
    if (it == index_.end()) fail(source_, "no output or node named '" + w + "'");
    keep[it->second] = 1;
    wanted_index[w] = it->second;
  }
  std::map<int, torch::Tensor> given;
  for (const auto& [key, t] : inputs) {
    const auto s = inputs_.find(key);
    const auto it = index_.find(s != inputs_.end() ? s->second : key);
    if (it == index_.end() || steps_[it->second].op != kPlaceholder) fail(source_, "no input named '" + key + "'");
    given[it->second] = t;
  }
  std::vector<Value> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const GraphNode& node = nodes_[i];
    const Step& s = steps_[i];
    auto where = [&] { return source_ + ": node '" + node.name + "' (" + node.op + ")"; };
    auto arg = [&](std::size_t k) -> const Value& { return v[s.args[k]]; };
    auto nchw = [&](const Value& x) {
      if (x.nchw) return x.t;
      if (x.t.dim() != 4) fail(where(), "needs a 4-D image tensor, got " + std::to_string(x.t.dim()) + "-D");
      return x.t.permute({0, 3, 1, 2}).contiguous();
    };
    Value out;
    try {
    switch (s.op) {
      case kPlaceholder: {
        const auto it = given.find(static_cast<int>(i));
        if (it == given.end()) fail(source_, "input '" + node.name + "' was not given");
        const auto& t = it->second;
        const auto& want = node.const_shape;
        bool ok = t.dim() == static_cast<std::int64_t>(want.size()) || want.empty();
        for (std::size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == t.size(static_cast<std::int64_t>(d));
        if (!ok) {
          std::string w = "[", got = "[";
          for (const auto d : want) w += (w.size() > 1 ? "," : "") + std::to_string(d);
          for (const auto d : t.sizes()) got += (got.size() > 1 ? "," : "") + std::to_string(d);
          fail(source_, "input '" + node.name + "' has shape " + got + "], the model takes " + w + "] (-1: any)");
        }
        out.t = t.to(device_, torch::kFloat);
        if (out.t.dim() == 4) out = Value{out.t.permute({0, 3, 1, 2}).contiguous(), true};
        break;
      }
      case kConst: out.t = constants_[i]; break;
      case kIdentity: out = arg(0); break;
      case kConv:
      case kDepthwise: {
        auto x = nchw(arg(0));
        if (x.size(1) != s.weight.size(1) * s.groups)
          fail(where(), "the input has " + std::to_string(x.size(1)) + " channels, the filter takes " + std::to_string(s.weight.size(1) * s.groups));
        std::vector<std::int64_t> pad = {0, 0, 0, 0};  // top, bottom, left, right
        if (s.padding == "SAME") {
          const auto h = same_pad(x.size(2), s.kernel[0], s.stride[0], s.dilation[0]), w = same_pad(x.size(3), s.kernel[1], s.stride[1], s.dilation[1]);
          pad = {h.first, h.second, w.first, w.second};
        } else if (s.padding == "EXPLICIT") {
          pad = s.explicit_pads;
        }
        std::vector<std::int64_t> conv_pad = {0, 0};
        if (pad[0] == pad[1] && pad[2] == pad[3]) conv_pad = {pad[0], pad[2]};
        else x = F::pad(x, F::PadFuncOptions({pad[2], pad[3], pad[0], pad[1]}));
        auto y = torch::conv2d(x, s.weight, s.bias, s.stride, conv_pad, s.dilation, s.groups);
        if (s.activation == 1) y = torch::relu(y);
        if (s.activation == 2) y = torch::clamp(y, 0, 6);
        out = Value{y, true};
        break;
      }
      case kAdd: {
        const Value &a = arg(0), &b = arg(1);
        if (a.nchw && b.nchw) out = Value{a.t + b.t, true};
        else if (a.nchw || b.nchw) {
          const Value& img = a.nchw ? a : b;
          const Value& other = a.nchw ? b : a;
          if (other.t.dim() <= 1) out = Value{img.t + (other.t.dim() == 1 ? other.t.view({1, -1, 1, 1}) : other.t).to(img.t.device()), true};
          else if (other.t.dim() == 4) out = Value{img.t + nchw(other), true};
          else out.t = a.logical() + b.logical();
        } else {
          out.t = a.t + b.t;
        }
        break;
      }
      case kRelu: out = Value{torch::relu(arg(0).t), arg(0).nchw}; break;
      case kRelu6: out = Value{torch::clamp(arg(0).t, 0, 6), arg(0).nchw}; break;
      case kSigmoid: out = Value{torch::sigmoid(arg(0).t), arg(0).nchw}; break;
      case kPad: {
        const auto p = int_list(constants_[s.args[1]]);
        const Value& x = arg(0);
        const std::int64_t rank = x.t.dim();
        if (static_cast<std::int64_t>(p.size()) != 2 * rank) fail(where(), "paddings do not match the input's rank");
        // F::pad lists the last dimension first.
        std::vector<std::int64_t> order;
        if (x.nchw) order = {2, 1, 3, 0};  // NCHW's W, H, C, N as NHWC dimensions
        else
          for (std::int64_t d = rank - 1; d >= 0; --d) order.push_back(d);
        std::vector<std::int64_t> pads;
        for (const auto d : order) {
          if (p[2 * d] < 0 || p[2 * d + 1] < 0 || p[2 * d] > kMaxSide || p[2 * d + 1] > kMaxSide)
            fail(where(), "padding must be 0 to " + std::to_string(kMaxSide));
          pads.push_back(p[2 * d]);
          pads.push_back(p[2 * d + 1]);
        }
        out = Value{F::pad(x.t, F::PadFuncOptions(pads)), x.nchw};
        break;
      }
      case kMaxPool: {
        auto x = nchw(arg(0));
        if (s.padding == "SAME") {
          const auto h = same_pad(x.size(2), s.kernel[0], s.stride[0], 1), w = same_pad(x.size(3), s.kernel[1], s.stride[1], 1);
          x = F::pad(x, F::PadFuncOptions({w.first, w.second, h.first, h.second}).value(-std::numeric_limits<float>::infinity()));
        }
        out = Value{torch::max_pool2d(x, s.kernel, s.stride), true};
        break;
      }
      case kResize: {
        const auto size = int_list(constants_[s.args[1]]);
        if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > kMaxSide || size[1] > kMaxSide)
          fail(where(), "the size is not two numbers from 1 to " + std::to_string(kMaxSide));
        const bool corners = node.attrs.int_or("align_corners", 0) != 0;
        out = Value{F::interpolate(nchw(arg(0)), F::InterpolateFuncOptions().size(size).mode(torch::kBilinear).align_corners(corners)), true};
        break;
      }
      case kDepthToSpace: {
        const auto x = nchw(arg(0));
        const std::int64_t b = node.attrs.int_or("block_size", 2), c = x.size(1) / (b * b);
        if (c * b * b != x.size(1)) fail(where(), std::to_string(x.size(1)) + " channels do not divide into blocks of " + std::to_string(b) + " x " + std::to_string(b));
        // TensorFlow's order: channel (i * b + j) * C + c goes to row h * b + i, column w * b + j.
        out = Value{x.reshape({x.size(0), b, b, c, x.size(2), x.size(3)}).permute({0, 3, 4, 1, 5, 2}).reshape({x.size(0), c, x.size(2) * b, x.size(3) * b}), true};
        break;
      }
      case kReshape: {
        const auto shape = int_list(arg(1).t);
        const auto x = arg(0).logical().contiguous();
        std::int64_t known = 1, unknown = 0;
        for (const auto d : shape) d < 0 ? ++unknown : known *= std::max<std::int64_t>(d, 1);
        if (unknown > 1 || (unknown == 0 && known != x.numel()) || (unknown == 1 && (known == 0 || x.numel() % known != 0)))
          fail(where(), "cannot reshape " + std::to_string(x.numel()) + " values to the shape asked");
        out.t = x.reshape(shape);
        break;
      }
      case kConcat: {
        const std::size_t count = s.args.size() - 1;
        const auto axes = int_list(constants_[s.args.back()]);
        if (axes.size() != 1) fail(where(), "the axis is not one number");
        auto axis = axes[0];
        bool images = true;
        for (std::size_t k = 0; k < count; ++k) images = images && arg(k).nchw;
        std::vector<torch::Tensor> parts;
        for (std::size_t k = 0; k < count; ++k) parts.push_back(images ? arg(k).t : arg(k).logical());
        const std::int64_t rank = parts[0].dim();
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank) fail(where(), "axis out of range");
        if (images) out = Value{torch::cat(parts, std::vector<std::int64_t>{0, 2, 3, 1}[axis]), true};
        else out.t = torch::cat(parts, axis);
        break;
      }
      case kShape: {
        const auto l = arg(0).logical();
        std::vector<std::int32_t> dims(l.sizes().begin(), l.sizes().end());
        out.t = torch::tensor(dims, torch::kInt);
        break;
      }
      case kSlice: {
        const auto x = arg(0).logical();
        const auto b = int_list(arg(1).t), e = int_list(arg(2).t), st = int_list(arg(3).t);
        if (b.size() != e.size() || b.size() != st.size() || static_cast<std::int64_t>(b.size()) > x.dim()) fail(where(), "begin, end and strides do not match");
        const auto bm = node.attrs.int_or("begin_mask", 0), em = node.attrs.int_or("end_mask", 0), sm = node.attrs.int_or("shrink_axis_mask", 0);
        std::vector<torch::indexing::TensorIndex> idx;
        for (std::size_t d = 0; d < b.size(); ++d) {
          const std::int64_t size = x.size(static_cast<std::int64_t>(d));
          if (st[d] <= 0) fail(where(), "only positive strides are supported");
          std::int64_t lo = (bm >> d) & 1 ? 0 : b[d], hi = (em >> d) & 1 ? size : e[d];
          if (lo < 0) lo += size;
          if (hi < 0) hi += size;
          lo = std::clamp<std::int64_t>(lo, 0, size);
          hi = std::clamp<std::int64_t>(hi, 0, size);
          if ((sm >> d) & 1) {
            if (lo >= size) fail(where(), "index out of range");
            idx.emplace_back(lo);
          } else {
            idx.emplace_back(torch::indexing::Slice(lo, std::max(lo, hi), st[d]));
          }
        }
        out.t = x.index(idx);
        break;
      }
      case kPack: {
        std::vector<torch::Tensor> parts;
        // Shapes (integers) stay on the CPU; values stay where they are.
        for (std::size_t k = 0; k < s.args.size(); ++k) {
          const auto t = arg(k).logical();
          parts.push_back(t.is_floating_point() ? t.to(device_) : t.to(torch::kCPU));
        }
        out.t = torch::stack(parts, node.attrs.int_or("axis", 0));
        break;
      }
      default: fail(where(), "not supported");
    }
    } catch (const c10::Error& e) {
      fail(where(), e.what_without_backtrace());
    }
    v[i] = std::move(out);
    for (const int a : s.args)
      if (last_use_[a] == static_cast<int>(i) && !keep[a] && steps_[a].op != kConst) v[a] = Value{};
  }
  std::map<std::string, torch::Tensor> result;
  for (const auto& [name, idx] : wanted_index) result[name] = v[idx].logical().contiguous();
  return result;
}

}  // namespace unipose::vision
