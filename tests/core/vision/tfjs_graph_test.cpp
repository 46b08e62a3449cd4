#include "core/vision/tfjs_graph.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "error_of.h"
#include "core/io/files.h"
#include "core/vision/convert.h"
#include "temp_dir.h"

namespace unipose::vision {
namespace {
using json = nlohmann::json;

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t n = (std::uint8_t(in[i]) << 16) | (i + 1 < in.size() ? std::uint8_t(in[i + 1]) << 8 : 0) | (i + 2 < in.size() ? std::uint8_t(in[i + 2]) : 0);
    out += t[(n >> 18) & 63];
    out += t[(n >> 12) & 63];
    out += i + 1 < in.size() ? t[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[n & 63] : '=';
  }
  return out;
}

json shape_json(const std::vector<std::int64_t>& shape) {
  json dims = json::array();
  for (const auto d : shape) dims.push_back({{"size", std::to_string(d)}});
  return {{"dim", dims}};
}
json ints(const std::vector<int>& v) {
  json l = json::array();
  for (const int x : v) l.push_back(std::to_string(x));
  return {{"list", {{"i", l}}}};
}
json str(const std::string& s) { return {{"s", base64(s)}}; }

// Writes a TensorFlow.js graph model (model.json + weights.bin) the way the converter lays one out.
struct ModelWriter {
  json nodes = json::array(), weights = json::array(), outputs = json::object();
  std::vector<std::uint8_t> bin;

  void input(const std::string& name, const std::vector<std::int64_t>& shape) {
    nodes.push_back({{"name", name}, {"op", "Placeholder"}, {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", shape_json(shape)}}}}}});
  }
  void declare(const std::string& name, const std::vector<std::int64_t>& shape, const char* dt) {
    nodes.push_back({{"name", name}, {"op", "Const"}, {"attr", {{"dtype", {{"type", dt}}}, {"value", {{"tensor", {{"dtype", dt}, {"tensorShape", shape_json(shape)}}}}}}}});
  }
  void floats(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& v, const std::string& quant = "") {
    declare(name, shape, "DT_FLOAT");
    json w = {{"name", name}, {"shape", shape}, {"dtype", "float32"}};
    if (quant == "float16") {
      w["quantization"] = {{"dtype", "float16"}, {"original_dtype", "float32"}};
      const auto h = torch::tensor(v).to(torch::kHalf).contiguous();
      const auto* p = reinterpret_cast<const std::uint8_t*>(h.data_ptr());
      bin.insert(bin.end(), p, p + 2 * v.size());
    } else if (quant == "uint8") {  // value = q * 0.5 - 1
      w["quantization"] = {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -1.0}};
      for (const float x : v) bin.push_back(static_cast<std::uint8_t>(std::lround((x + 1) / 0.5)));
    } else {
      const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
      bin.insert(bin.end(), p, p + 4 * v.size());
    }
    weights.push_back(w);
  }
  void int32s(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<std::int32_t>& v) {
    declare(name, shape, "DT_INT32");
    weights.push_back({{"name", name}, {"shape", shape}, {"dtype", "int32"}});
    const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
    bin.insert(bin.end(), p, p + 4 * v.size());
  }
  void op(const std::string& name, const std::string& op, const std::vector<std::string>& inputs, const json& attr = json::object()) {
    nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
  }
  void output(const std::string& key, const std::string& node) { outputs[key] = {{"name", node + ":0"}}; }

  std::string write(const std::string& name) const {
    const std::string dir = testing::temp_dir("unipose_tfjs", name);
    std::filesystem::create_directories(dir);
    json inputs = json::object();
    for (const auto& n : nodes)
      if (n["op"] == "Placeholder") inputs[n["name"].get<std::string>()] = {{"name", n["name"].get<std::string>() + ":0"}};
    const json model = {{"format", "graph-model"},
                        {"signature", {{"inputs", inputs}, {"outputs", outputs}}},
                        {"modelTopology", {{"node", nodes}}},
                        {"weightsManifest", json::array({{{"paths", {"weights.bin"}}, {"weights", weights}}})}};
    io::write_file_atomic(dir + "/model.json", model.dump());
    io::write_file_atomic(dir + "/weights.bin", bin.data(), bin.size());
    return dir + "/model.json";
  }
};

std::vector<float> values(const torch::Tensor& t) {
  const auto c = t.to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

torch::Tensor run1(const std::string& model, const torch::Tensor& x) {
  GraphExecutor ex(read_tfjs_model(model));
  return ex.run({{"x", x}}, {"out"}).at("out");
}

using unipose::testing::error_of;

TEST(TfjsGraph, ConvolutionWithTensorFlowsUnevenSamePadding) {
  // 4 x 4 input 1..16, a 3 x 3 filter of ones, stride 2, SAME: TensorFlow pads 0 before and 1 after.
  ModelWriter m;
  m.input("x", {-1, 4, 4, 1});
  m.floats("w", {3, 3, 1, 1}, std::vector<float>(9, 1));
  m.op("out", "Conv2D", {"x", "w"}, {{"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}, {"data_format", str("NHWC")}, {"dilations", ints({1, 1, 1, 1})}});
  m.output("out", "out");
  const auto y = run1(m.write("conv"), torch::arange(1, 17, torch::kFloat).reshape({1, 4, 4, 1}));
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 2, 2, 1}));
  EXPECT_EQ(values(y), (std::vector<float>{54, 45, 72, 54}));
}

TEST(TfjsGraph, FusedDepthwiseWithBiasAndReluAndFloat16Weights) {
  ModelWriter m;
  m.input("x", {-1, 1, 2, 2});
  m.floats("w", {1, 1, 2, 1}, {2, 3}, "float16");
  m.floats("b", {2}, {1, -10}, "float16");
  m.op("out", "FusedDepthwiseConv2dNative", {"x", "w", "b"},
       {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}, {"fused_ops", {{"list", {{"s", {base64("BiasAdd"), base64("Relu")}}}}}}});
  m.output("out", "out");
  // Pixels (c0, c1): (1, 2) and (4, 5) -> relu(2 c0 + 1), relu(3 c1 - 10).
  const auto y = run1(m.write("dw"), torch::tensor({1.f, 2.f, 4.f, 5.f}).reshape({1, 1, 2, 2}));
  EXPECT_EQ(values(y), (std::vector<float>{3, 0, 9, 5}));
}

TEST(TfjsGraph, DepthwiseChannelMultiplierKeepsTensorFlowsChannelOrder) {
  // Two input channels, multiplier 2: output channel c * 2 + m is input c times filter [c][m].
  ModelWriter m;
  m.input("x", {-1, 1, 1, 2});
  m.floats("w", {1, 1, 2, 2}, {1, 10, 100, 1000});
  m.op("out", "DepthwiseConv2dNative", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
  m.output("out", "out");
  EXPECT_EQ(values(run1(m.write("dwm"), torch::tensor({1.f, 2.f}).reshape({1, 1, 1, 2}))), (std::vector<float>{1, 10, 200, 2000}));
}

TEST(TfjsGraph, DepthToSpacePadMaxPoolResizeInTensorFlowsOrder) {
  {
    ModelWriter m;
    m.input("x", {-1, 1, 2, 4});
    m.op("out", "DepthToSpace", {"x"}, {{"block_size", {{"i", "2"}}}, {"data_format", str("NHWC")}});
    m.output("out", "out");
    const auto y = run1(m.write("d2s"), torch::arange(0, 8, torch::kFloat).reshape({1, 1, 2, 4}));
    ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 2, 4, 1}));
    EXPECT_EQ(values(y), (std::vector<float>{0, 1, 4, 5, 2, 3, 6, 7}));
  }
  {
    // Two output channels: TensorFlow's order (DCR) keeps a 1 x 1 x 8 input's values in place; PyTorch's
    // pixel_shuffle order (CRD) would give 0 4 1 5 2 6 3 7.
    ModelWriter m;
    m.input("x", {-1, 1, 1, 8});
    m.op("out", "DepthToSpace", {"x"}, {{"block_size", {{"i", "2"}}}, {"data_format", str("NHWC")}});
    m.output("out", "out");
    const auto y = run1(m.write("d2s2"), torch::arange(0, 8, torch::kFloat).reshape({1, 1, 1, 8}));
    ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 2, 2, 2}));
    EXPECT_EQ(values(y), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
  }
  {
    // SAME max pooling pads with -inf, not 0: a 3 x 3 map of negatives, 2 x 2 windows, stride 2.
    ModelWriter m;
    m.input("x", {-1, 3, 3, 1});
    m.op("out", "MaxPool", {"x"}, {{"ksize", ints({1, 2, 2, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("SAME")}});
    m.output("out", "out");
    EXPECT_EQ(values(run1(m.write("poolsame"), -torch::arange(1, 10, torch::kFloat).reshape({1, 3, 3, 1}))), (std::vector<float>{-1, -3, -7, -9}));
  }
  {
    ModelWriter m;
    m.input("x", {-1, 1, 1, 1});
    m.int32s("p", {4, 2}, {0, 0, 1, 0, 0, 1, 0, 1});
    m.op("out", "Pad", {"x", "p"});
    m.output("out", "out");
    const auto y = run1(m.write("pad"), torch::full({1, 1, 1, 1}, 5.f));
    ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 2, 2, 2}));
    EXPECT_EQ(values(y), (std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0}));
  }
  {
    ModelWriter m;
    m.input("x", {-1, 4, 4, 1});
    m.op("out", "MaxPool", {"x"}, {{"ksize", ints({1, 2, 2, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("VALID")}});
    m.output("out", "out");
    EXPECT_EQ(values(run1(m.write("pool"), torch::arange(1, 17, torch::kFloat).reshape({1, 4, 4, 1}))), (std::vector<float>{6, 8, 14, 16}));
  }
  {
    ModelWriter m;
    m.input("x", {-1, 1, 2, 1});
    m.int32s("size", {2}, {1, 4});
    m.op("out", "ResizeBilinear", {"x", "size"}, {{"align_corners", {{"b", false}}}, {"half_pixel_centers", {{"b", true}}}});
    m.output("out", "out");
    EXPECT_EQ(values(run1(m.write("resize"), torch::tensor({0.f, 1.f}).reshape({1, 1, 2, 1}))), (std::vector<float>{0, 0.25, 0.75, 1}));
  }
}

TEST(TfjsGraph, ShapeSlicePackReshapeConcatKeepTensorFlowsElementOrder) {
  // y = relu6(x + [0, 0, 100]); r = reshape(y, [batch, -1, 3]) with batch from shape(y); out = concat(r, r, axis 1).
  ModelWriter m;
  m.input("x", {-1, 2, 2, 3});
  m.floats("c", {3}, {0, 0, 100});
  m.op("add", "AddV2", {"x", "c"});
  m.op("act", "Relu6", {"add"});
  m.op("shape", "Shape", {"act"});
  m.int32s("b0", {1}, {0});
  m.int32s("b1", {1}, {1});
  m.op("batch", "StridedSlice", {"shape", "b0", "b1", "b1"}, {{"shrink_axis_mask", {{"i", "1"}}}});
  m.int32s("minus1", {}, {-1});
  m.int32s("three", {}, {3});
  m.op("target", "Pack", {"batch", "minus1", "three"}, {{"axis", {{"i", "0"}}}, {"N", {{"i", "3"}}}});
  m.op("r", "Reshape", {"act", "target"});
  m.int32s("axis", {}, {1});
  m.op("out", "ConcatV2", {"r", "r", "axis"}, {{"N", {{"i", "2"}}}});
  m.output("out", "out");
  const auto y = run1(m.write("shape"), torch::arange(0, 12, torch::kFloat).reshape({1, 2, 2, 3}) - 1);
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 8, 3}));
  const std::vector<float> one = {0, 0, 6, 2, 3, 6, 5, 6, 6, 6, 6, 6};  // x - 1 in NHWC order, + 100 on channel 2, clamped to [0, 6]
  std::vector<float> both = one;
  both.insert(both.end(), one.begin(), one.end());
  EXPECT_EQ(values(y), both);
}

TEST(TfjsGraph, ChannelConcatAndSigmoidOnImages) {
  ModelWriter m;
  m.input("x", {-1, 1, 2, 1});
  m.op("s", "Sigmoid", {"x"});
  m.int32s("axis", {}, {3});
  m.op("out", "ConcatV2", {"x", "s", "axis"}, {{"N", {{"i", "2"}}}});
  m.output("out", "out");
  const auto y = run1(m.write("cat"), torch::tensor({0.f, 2.f}).reshape({1, 1, 2, 1}));
  ASSERT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 1, 2, 2}));
  const auto v = values(y);
  EXPECT_FLOAT_EQ(v[0], 0);
  EXPECT_FLOAT_EQ(v[1], 0.5f);
  EXPECT_FLOAT_EQ(v[2], 2);
  EXPECT_NEAR(v[3], 1 / (1 + std::exp(-2.0)), 1e-6);
}

TEST(TfjsGraph, ManifestAndGraphErrorsAreRefusedByName) {
  ModelWriter m;
  m.input("x", {-1, 2});
  m.floats("w", {2}, {1, 2}, "uint8");  // stored as q * 0.5 - 1
  m.op("out", "AddV2", {"x", "w"});
  m.output("out", "out");
  const std::string path = m.write("manifest");
  EXPECT_EQ(values(run1(path, torch::zeros({1, 2}))), (std::vector<float>{1, 2}));
  // One byte missing from the shard.
  auto bin = io::read_binary_file(std::filesystem::path(path).parent_path().string() + "/weights.bin");
  bin.pop_back();
  io::write_file_atomic(std::filesystem::path(path).parent_path().string() + "/weights.bin", bin.data(), bin.size());
  EXPECT_NE(error_of([&] { read_tfjs_model(path); }).find("weights.bin"), std::string::npos);

  ModelWriter u;
  u.input("x", {-1, 2});
  u.op("out", "Softmax", {"x"});
  u.output("out", "out");
  const std::string e = error_of([&] { read_tfjs_model(u.write("unknown")); });
  EXPECT_NE(e.find("op 'Softmax'"), std::string::npos) << e;
  EXPECT_NE(e.find("not supported"), std::string::npos) << e;

  ModelWriter w;
  w.input("x", {-1, 2, 2, 1});
  w.op("out", "Relu", {"x"});
  w.output("out", "out");
  GraphExecutor ex(read_tfjs_model(w.write("shape")));
  const std::string s = error_of([&] { ex.run({{"x", torch::zeros({1, 3, 2, 1})}}, {"out"}); });
  EXPECT_NE(s.find("[1,3,2,1]"), std::string::npos) << s;
  EXPECT_NE(error_of([&] { read_tfjs_model(w.write("shape") + ".missing"); }), "");

  // A stride of 0 would divide by zero: refused on load, naming the node.
  ModelWriter z;
  z.input("x", {-1, 2, 2, 1});
  z.floats("w", {1, 1, 1, 1}, {1});
  z.op("conv", "Conv2D", {"x", "w"}, {{"strides", ints({1, 0, 0, 1})}, {"padding", str("SAME")}});
  z.output("out", "conv");
  const std::string zs = error_of([&] { GraphExecutor ex(read_tfjs_model(z.write("stride0"))); });
  EXPECT_NE(zs.find("node 'conv'"), std::string::npos) << zs;
  // A JSON value of the wrong type is a message, not an internal error.
  io::write_file_atomic(z.write("badtype"), std::string(R"({"format": "graph-model", "modelTopology": {"node": [{"name": 3, "op": "Relu"}]}, "weightsManifest": []})"));
  EXPECT_NE(error_of([&] { read_tfjs_model(testing::temp_dir("unipose_tfjs", "badtype") + "/model.json"); }).find("model.json"), std::string::npos);
}

TEST(TfjsGraph, BundleRoundTripIsVerified) {
  ModelWriter m;
  m.input("x", {-1, 1, 1, 2});
  m.floats("w", {1, 1, 2, 1}, {0.5, -2}, "float16");
  m.op("out", "Conv2D", {"x", "w"}, {{"strides", ints({1, 1, 1, 1})}, {"padding", str("VALID")}});
  m.output("out", "out");
  const TfjsGraph g = read_tfjs_model(m.write("bundle"));
  const std::string dir = testing::temp_dir("unipose_tfjs", "bundle_out");
  write_graph_bundle(dir, g, "# card\n", "licence text\n");
  GraphExecutor a(g), b(read_graph_bundle(dir));
  const auto x = torch::tensor({4.f, 1.f}).reshape({1, 1, 1, 2});
  EXPECT_EQ(values(a.run({{"x", x}}, {"out"}).at("out")), (std::vector<float>{0}));
  EXPECT_EQ(values(b.run({{"x", x}}, {"out"}).at("out")), (std::vector<float>{0}));
  // An edited graph fails its checksum; a SHA256SUMS that leaves the graph out is refused.
  io::write_file_atomic(dir + "/graph.json", io::read_text_file(dir + "/graph.json") + " ");
  EXPECT_NE(error_of([&] { read_graph_bundle(dir); }).find("graph.json"), std::string::npos);
  write_graph_bundle(dir, g, "# card\n", "");
  std::string sums = io::read_text_file(dir + "/SHA256SUMS");
  sums = sums.substr(sums.find('\n') + 1);  // graph.json is listed first
  io::write_file_atomic(dir + "/SHA256SUMS", sums);
  EXPECT_NE(error_of([&] { read_graph_bundle(dir); }).find("graph.json: is not listed in SHA256SUMS"), std::string::npos);
}

TEST(TfjsGraph, ConvertWritesACardedVerifiedBundleThatRuns) {
  ModelWriter m;
  m.input("x", {-1, 2});
  m.floats("w", {2}, {1, 2});
  m.op("out", "AddV2", {"x", "w"});
  m.output("out", "out");
  const std::string model = m.write("convert");
  const std::string licence = std::filesystem::path(model).parent_path().string() + "/LICENCE.txt";
  io::write_file_atomic(licence, std::string("Apache License 2.0 (test copy)\n"));
  const std::string out = testing::temp_dir("unipose_tfjs", "converted");
  const ConvertReport r = convert_tfjs(model, out, licence, "a test model", "unipose convert tfjs " + model + " --out " + out);
  EXPECT_EQ(r.nodes, 3);
  EXPECT_EQ(r.constants, 1);
  EXPECT_EQ(r.weight_bytes, 8);
  const std::string card = io::read_text_file(out + "/MODEL_CARD.md");
  EXPECT_NE(card.find("a test model"), std::string::npos);
  EXPECT_NE(card.find("AddV2 x 1"), std::string::npos);
  EXPECT_EQ(card.find(std::filesystem::temp_directory_path().string() + "/"), std::string::npos) << "the card names a folder of this machine";
  EXPECT_EQ(io::read_text_file(out + "/LICENSE"), "Apache License 2.0 (test copy)\n");
  GraphExecutor ex(read_graph_bundle(out));
  EXPECT_EQ(values(ex.run({{"x", torch::ones({1, 2})}}, {"out"}).at("out")), (std::vector<float>{2, 3}));
}

}  // namespace
}  // namespace unipose::vision
