#include "core/data/corpus.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>

#include <unistd.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/body/axis_angle.h"
#include "core/body/body_model.h"
#include "core/body/mannequin.h"
#include "core/error.h"
#include "core/io/files.h"
#include "core/io/npz.h"
#include "core/io/safetensors.h"
#include "core/pose/bvh.h"
#include "core/pose/frame.h"
#include "core/pose/sampler.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"
#include "core/text/posecodes.h"

namespace unipose::data {
namespace {

struct Candidate {
  pose::Pose pose;
  std::string family;
  int source;  // 0 procedural, 1 BVH
  double penetration;
};

std::vector<std::string> default_bvh_files() {
  std::vector<std::string> out;
  for (const char* f : {"/usr/share/assimp/models/BVH/01_01.bvh", "/usr/share/assimp/models/BVH/01_03.bvh",
                        "/usr/share/assimp/models/BVH/Boxing_Toes.bvh"})
    if (std::filesystem::exists(f)) out.push_back(f);
  return out;
}

// Pose features for similarity: joints in the body's own frame, relative to the pelvis.
std::vector<float> frame_features(const pose::PoseFrame& f) {
  std::vector<float> out;
  for (int j = 0; j < body::kNumJoints; ++j)
    for (int k = 0; k < 3; ++k) out.push_back(static_cast<float>(f.joints[j][k] - f.joints[body::kPelvis][k]));
  return out;
}

void write_jsonl(const std::string& path, const std::vector<nlohmann::json>& rows) {
  std::string text;
  for (const auto& r : rows) text += r.dump() + "\n";
  io::write_file_atomic(path, text);
}

}  // namespace

std::vector<int> farthest_point_sampling(const std::vector<float>& joints, int n, int j, int count, std::uint64_t seed) {
  if (count >= n) {
    std::vector<int> all(n);
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  const auto x = at::from_blob(const_cast<float*>(joints.data()), {n, j, 3}, at::kFloat);
  std::mt19937_64 rng(seed);
  int current = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
  auto min_dist = at::full({n}, 1e30f, at::kFloat);
  std::vector<int> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    out.push_back(current);
    const auto d = (x - x[current]).norm(2, -1).mean(-1);
    min_dist = at::minimum(min_dist, d);
    current = static_cast<int>(min_dist.argmax().item<int64_t>());
  }
  return out;
}

namespace {
CorpusStats write_corpus(const std::string& dir, const CorpusOptions& o, const Progress& progress);
}  // namespace

CorpusStats make_corpus(const std::string& target, const CorpusOptions& o, const Progress& progress) {
  namespace fs = std::filesystem;
  if (o.poses < 2) throw Error("a corpus needs at least 2 poses");
  if (o.pairs < 0 || o.captions_per_pose < 1 || o.instructions_per_pair < 1) throw Error("counts must be positive");
  // Built whole in a folder beside the target, then swapped in: a kill midway leaves the old corpus (or none)
  // as it was, never one corpus's poses with another's captions. A folder that is not a corpus is not replaced.
  std::error_code ec;
  fs::path final_dir = fs::path(target).lexically_normal();
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();  // "corpus/"
  if (fs::is_symlink(fs::symlink_status(final_dir, ec))) {  // replace what the link names, keep the link
    final_dir = fs::canonical(final_dir, ec);
    if (ec) fail(target, "cannot follow the link: " + ec.message());
  }
  ec.clear();
  bool exists = fs::exists(final_dir, ec);
  if (exists) {
    // Only a corpus is replaced, and only when it holds nothing but corpus files: the swap removes the old folder.
    if (!fs::is_directory(final_dir)) fail(target, "exists and is not a folder; choose a new or empty folder");
    if (!fs::is_empty(final_dir, ec)) {
      bool corpus = false;
      try {
        const auto m = nlohmann::json::parse(io::read_text_file((final_dir / "manifest.json").string()));
        corpus = m.is_object() && m.contains("format") && m["format"] == "unipose.corpus/1";
      } catch (const std::exception&) {
      }
      if (!corpus) fail(target, "exists and is not a corpus folder; choose a new or empty folder");
      static const std::set<std::string> own = {"manifest.json", "poses.npz",    "captions.jsonl", "pairs.jsonl",
                                                "splits.json",   "images",       "images.jsonl",   "image_pairs.jsonl"};
      for (const auto& e : fs::directory_iterator(final_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (!own.count(name) && name.find(".tmp-") == std::string::npos)
          fail(target, "holds " + name + ", which is not part of a corpus; move it away or choose another folder");
      }
    }
  }
  const fs::path parent = final_dir.has_parent_path() ? final_dir.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) fail(target, "cannot create folder: " + ec.message());
  const std::string stem = final_dir.filename().string();
  const fs::path building = parent / (stem + ".partial-" + std::to_string(::getpid()));
  // Partial folders of killed runs (their process is gone) are cleared away.
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    const std::string prefix = stem + ".partial-";
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos && !fs::exists("/proc/" + pid)) fs::remove_all(e.path(), ec);
  }
  // A run killed between its two renames left the old corpus in DIR.old-PID and none at DIR: put it back
  // first (it is replaced below as any existing corpus is), and clear the others.
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    const std::string prefix = stem + ".old-";
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || fs::exists("/proc/" + pid)) continue;
    if (!fs::exists(final_dir)) fs::rename(e.path(), final_dir, ec);
    else fs::remove_all(e.path(), ec);
  }
  exists = fs::exists(final_dir, ec);
  fs::remove_all(building, ec);
  fs::create_directories(building, ec);
  if (ec) fail(target, "cannot create folder: " + ec.message());
  CorpusStats stats;
  try {
    stats = write_corpus(building.string(), o, progress);
  } catch (...) {
    fs::remove_all(building, ec);
    throw;
  }
  if (exists) {
    const fs::path old = parent / (stem + ".old-" + std::to_string(::getpid()));
    fs::rename(final_dir, old, ec);
    if (ec) {
      fs::remove_all(building, ec);
      fail(target, "cannot replace the old corpus: " + ec.message());
    }
    fs::rename(building, final_dir, ec);
    if (ec) {
      const std::string why = ec.message();
      std::error_code back;
      fs::rename(old, final_dir, back);  // the old corpus goes back where it was
      fs::remove_all(building, back);
      fail(target, "cannot move the new corpus into place: " + why);
    }
    fs::remove_all(old, ec);
  } else {
    fs::rename(building, final_dir, ec);
    if (ec) fail(target, "cannot move the new corpus into place: " + ec.message());
  }
  return stats;
}

namespace {
CorpusStats write_corpus(const std::string& dir, const CorpusOptions& o, const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  auto report = [&](const std::string& stage, double f) {
    if (progress) progress(stage, f);
  };
  CorpusStats stats;

  // 1. Candidates: procedural families and frames of the BVH clips.
  const int n_candidates = static_cast<int>(std::ceil(o.poses * o.candidates_factor));
  std::vector<Candidate> cand;
  const auto bvh_files = o.bvh_files.empty() ? default_bvh_files() : o.bvh_files;
  const int bvh_budget = static_cast<int>(n_candidates * o.bvh_fraction);
  if (bvh_budget > 0 && !bvh_files.empty()) {
    std::vector<Candidate> frames;
    for (const auto& file : bvh_files) {
      const auto motion = pose::read_bvh(file);
      auto r = pose::retarget_to_smpl(motion, body::mannequin_rest_joints(), file);
      for (size_t f = 0; f < r.poses.size(); f += 8) {
        pose::Pose p = r.poses[f];
        pose::place_on_floor(p);
        frames.push_back({p, "mocap", 1, 0});
      }
    }
    std::mt19937_64 rng(o.seed ^ 0xB5Bull);
    std::shuffle(frames.begin(), frames.end(), rng);
    if (static_cast<int>(frames.size()) > bvh_budget) frames.resize(bvh_budget);
    cand.insert(cand.end(), frames.begin(), frames.end());
  }
  pose::PoseSampler sampler(o.seed);
  const int procedural = n_candidates - static_cast<int>(cand.size());
  for (int i = 0; i < procedural; ++i) {
    const auto s = sampler.sample();
    cand.push_back({s.pose, s.family, 0, s.penetration});
    if (i % 256 == 0) report("sampling poses", double(i) / procedural);
  }
  stats.rejected_samples = sampler.rejected();
  // Every pose faces +z (its heading removed), as PoseScript and PoseFix normalise theirs: the text is about
  // the body, and a pair's instruction is about how the body changes, not where it faces. A turn about the
  // vertical leaves every height alone, so the poses stay on the floor. The body's own frame, measured once,
  // also gives the features for diversity (2.) and pairing (5.).
  std::vector<float> feats;
  feats.reserve(cand.size() * 72);
  for (size_t i = 0; i < cand.size(); ++i) {
    auto& c = cand[i];
    const pose::PoseFrame frame = pose::pose_frame(c.pose);
    c.pose = pose::turned(c.pose, -frame.yaw);
    const auto f = frame_features(frame);
    feats.insert(feats.end(), f.begin(), f.end());
    if (i % 512 == 0) report("measuring poses", double(i) / cand.size());
  }

  // 2. Diversity: farthest-point sampling on the mean joint distance.
  report("farthest-point sampling", 0);
  const auto chosen = farthest_point_sampling(feats, static_cast<int>(cand.size()), body::kNumJoints, o.poses, o.seed);
  std::vector<Candidate> poses;
  std::vector<float> pose_feats;
  for (int idx : chosen) {
    poses.push_back(cand[idx]);
    pose_feats.insert(pose_feats.end(), feats.begin() + idx * 72, feats.begin() + idx * 72 + 72);
  }
  const int n = static_cast<int>(poses.size());

  // 3. Splits.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 split_rng(o.seed ^ 0x5117ull);
  std::shuffle(order.begin(), order.end(), split_rng);
  const int n_test = std::max(1, static_cast<int>(n * o.test_fraction));
  const int n_val = std::max(1, static_cast<int>(n * o.val_fraction));
  std::vector<int> split(n, 0);  // 0 train, 1 val, 2 test
  for (int i = 0; i < n; ++i) split[order[i]] = i < n_test ? 2 : i < n_test + n_val ? 1 : 0;

  // 4. Captions.
  std::vector<nlohmann::json> caption_rows;
  for (int i = 0; i < n; ++i) {
    const auto caps = text::describe_pose(poses[i].pose, o.seed * 1000003ull + i * 7ull, o.captions_per_pose);
    caption_rows.push_back({{"pose", i}, {"captions", caps}});
    stats.captions += static_cast<int>(caps.size());
    if (i % 128 == 0) report("captioning", double(i) / n);
    stats.max_penetration_m = std::max(stats.max_penetration_m, poses[i].penetration);
    stats.from_bvh += poses[i].source;
  }

  // 5. Pairs (PoseFix): for a pose B, a near neighbour A (cosine similarity of pose features, same split)
  // that differs from it in at least two pair-codes.
  std::vector<nlohmann::json> pair_rows;
  if (o.pairs > 0) {
    auto f = at::from_blob(pose_feats.data(), {n, 72}, at::kFloat).clone();
    f = f / f.norm(2, 1, true).clamp_min(1e-8);
    const int k = std::min(12, n - 1);
    // Nearest neighbours of every pose within its split, in chunks of rows.
    const auto split_t = at::from_blob(split.data(), {n}, at::kInt).to(at::kLong);
    std::vector<std::int64_t> neighbours(static_cast<size_t>(n) * k);
    for (int start = 0; start < n; start += 1024) {
      const int rows = std::min(1024, n - start);
      auto sim = at::matmul(f.narrow(0, start, rows), f.t());
      const auto same = split_t.narrow(0, start, rows).unsqueeze(1) == split_t.unsqueeze(0);
      sim = sim.masked_fill(same.logical_not(), -2.0f);
      sim.narrow(1, start, rows).diagonal().fill_(-2.0f);
      const auto top = std::get<1>(sim.topk(k, 1)).contiguous();
      std::copy(top.data_ptr<std::int64_t>(), top.data_ptr<std::int64_t>() + rows * k, neighbours.begin() + static_cast<long>(start) * k);
      report("finding neighbours", double(start) / n);
    }
    std::vector<int> b_order(n);
    std::iota(b_order.begin(), b_order.end(), 0);
    std::mt19937_64 pair_rng(o.seed ^ 0xFA1Full);
    std::shuffle(b_order.begin(), b_order.end(), pair_rng);
    int round = 0;
    for (int t = 0; static_cast<int>(pair_rows.size()) < o.pairs && t < n * k; ++t) {
      const int b = b_order[t % n];
      round = t / n;
      const int a = static_cast<int>(neighbours[static_cast<size_t>(b) * k + std::min(round, k - 1)]);
      if (split[a] != split[b]) continue;
      const auto codes = text::extract_paircodes(poses[a].pose, poses[b].pose);
      if (codes.size() < 2) continue;
      const auto ins = text::render_instructions(codes, o.seed * 7919ull + static_cast<std::uint64_t>(t), o.instructions_per_pair, 4);
      pair_rows.push_back({{"a", a}, {"b", b}, {"split", split[b] == 0 ? "train" : split[b] == 1 ? "val" : "test"}, {"instructions", ins}});
      stats.instructions += static_cast<int>(ins.size());
      if (pair_rows.size() % 64 == 0) report("pairing", double(pair_rows.size()) / o.pairs);
    }
  }

  // 6. Files.
  report("writing", 0.5);
  std::vector<double> go, bp, tr;
  std::vector<std::int64_t> fam, src;
  const auto& families = pose::posture_families();
  for (const auto& c : poses) {
    for (int k2 = 0; k2 < 3; ++k2) go.push_back(c.pose.rotations[0][k2]);
    for (int j = 1; j < body::kNumJoints; ++j)
      for (int k2 = 0; k2 < 3; ++k2) bp.push_back(c.pose.rotations[j][k2]);
    const Eigen::Vector3d t = c.pose.transl.value_or(Eigen::Vector3d::Zero());
    for (int k2 = 0; k2 < 3; ++k2) tr.push_back(t[k2]);
    const auto it = std::find(families.begin(), families.end(), c.family);
    fam.push_back(it == families.end() ? static_cast<std::int64_t>(families.size()) : it - families.begin());
    src.push_back(c.source);
  }
  io::NpzArchive npz;
  npz["global_orient"] = io::NpyArray::from_double({n, 3}, go);
  npz["body_pose"] = io::NpyArray::from_double({n, 69}, bp);
  npz["transl"] = io::NpyArray::from_double({n, 3}, tr);
  npz["family"] = io::NpyArray::from_int64({n}, fam);
  npz["source"] = io::NpyArray::from_int64({n}, src);
  io::write_npz(dir + "/poses.npz", npz);
  write_jsonl(dir + "/captions.jsonl", caption_rows);
  write_jsonl(dir + "/pairs.jsonl", pair_rows);
  nlohmann::json splits;
  for (const char* name : {"train", "val", "test"}) splits[name] = nlohmann::json::array();
  for (int i = 0; i < n; ++i) splits[split[i] == 0 ? "train" : split[i] == 1 ? "val" : "test"].push_back(i);
  io::write_file_atomic(dir + "/splits.json", splits.dump() + "\n");

  stats.poses = n;
  stats.pairs = static_cast<int>(pair_rows.size());
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::ordered_json manifest;
  manifest["format"] = kCorpusFormat;
  manifest["generator"] = kGeneratorVersion;
  manifest["seed"] = o.seed;
  manifest["counts"] = {{"poses", stats.poses}, {"pairs", stats.pairs}, {"captions", stats.captions},
                        {"instructions", stats.instructions}, {"poses_from_bvh", stats.from_bvh},
                        {"train", static_cast<int>(splits["train"].size())}, {"val", static_cast<int>(splits["val"].size())},
                        {"test", static_cast<int>(splits["test"].size())}};
  manifest["families"] = families;
  manifest["bvh_files"] = bvh_files;
  manifest["self_intersection"] = {{"tolerance_m", pose::kMaxPenetration}, {"max_m", stats.max_penetration_m},
                                   {"rejected_samples", stats.rejected_samples}};
  manifest["files"] = {"poses.npz", "captions.jsonl", "pairs.jsonl", "splits.json"};
  // The files' checksums: readers check that the files belong together.
  nlohmann::ordered_json sums;
  for (const char* f : {"poses.npz", "captions.jsonl", "pairs.jsonl", "splits.json"}) sums[f] = io::sha256_file(dir + "/" + f);
  manifest["sha256"] = sums;
  manifest["seconds"] = stats.seconds;
  io::write_file_atomic(dir + "/manifest.json", manifest.dump(2) + "\n");
  report("done", 1.0);
  return stats;
}
}  // namespace

}  // namespace unipose::data
