#include "core/data/corpus_reader.h"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"
#include "core/io/json_fields.h"
#include "core/io/safetensors.h"
#include "core/pose/pose_io.h"

namespace unipose::data {

int Corpus::add_pose(const pose::Pose& pose, std::vector<std::string> texts) {
  if (!texts.empty() || !descriptions.empty()) descriptions.resize(poses.size());
  poses.push_back(pose);
  captions.emplace_back();
  if (!descriptions.empty() || !texts.empty()) descriptions.push_back(std::move(texts));
  return static_cast<int>(poses.size()) - 1;
}

const std::vector<int>& Corpus::split(const std::string& name) const {
  const auto it = splits.find(name);
  if (it == splits.end()) fail(dir + "/splits.json", "no '" + name + "' split");
  return it->second;
}

std::vector<int> Corpus::pairs_in(const std::string& name) const {
  std::vector<int> out;
  for (size_t i = 0; i < pairs.size(); ++i)
    if (pairs[i].split == name) out.push_back(static_cast<int>(i));
  return out;
}

RetrievalItems retrieval_items(const Corpus& corpus, const std::string& split, bool pairs) {
  RetrievalItems items;
  if (pairs) {
    for (const int i : corpus.pairs_in(split)) {
      const auto& p = corpus.pairs[i];
      if (p.instructions.empty()) continue;
      items.a.push_back(p.a);
      items.b.push_back(p.b);
      items.texts.push_back(p.instructions);
    }
  } else {
    for (const int i : corpus.split(split)) {
      if (corpus.captions[i].empty()) continue;
      items.a.push_back(i);
      items.texts.push_back(corpus.captions[i]);
    }
  }
  if (items.a.empty()) fail(corpus.dir, "split '" + split + "' has no " + (pairs ? "pairs with instructions" : "captioned poses"));
  return items;
}

void check_corpus_files(const std::string& dir, const std::vector<std::string>& files) {
  const std::string manifest_path = dir + "/manifest.json";
  const nlohmann::json m = io::read_json_file(manifest_path);
  if (!m.is_object() || !m.contains("sha256")) return;  // corpora made before the checksums: nothing to compare
  const auto& sums = m["sha256"];
  if (!sums.is_object()) fail(manifest_path, "'sha256' is not a table of file checksums");
  for (const auto& f : files) {
    if (!sums.contains(f) || !sums[f].is_string()) fail(manifest_path, "has no checksum for " + f);
    if (io::sha256_file(dir + "/" + f) != sums[f].get<std::string>())
      fail(dir + "/" + f, "does not belong to this corpus (its checksum differs from manifest.json's: changed, or written by another `data make`); make the corpus again");
  }
}

std::vector<pose::Pose> load_corpus_split(const std::string& dir, const std::string& split) {
  check_corpus_files(dir, {"poses.npz", "splits.json"});
  const auto all = pose::read_poses(dir + "/poses.npz").frames;
  const std::string splits_path = dir + "/splits.json";
  const nlohmann::json s = io::read_json_file(splits_path);
  if (!s.contains(split) || !s[split].is_array()) fail(splits_path, "no '" + split + "' split");
  std::vector<pose::Pose> out;
  for (const auto& i : s[split]) {
    if (!i.is_number_integer() || i.get<int64_t>() < 0 || i.get<int64_t>() >= static_cast<int64_t>(all.size()))
      fail(splits_path, "split '" + split + "' refers to a pose that does not exist");
    out.push_back(all[i.get<int64_t>()]);
  }
  if (out.empty()) fail(splits_path, "split '" + split + "' is empty");
  return out;
}

namespace {
std::vector<std::string> string_list(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) fail(where, "expected a list of texts");
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) fail(where, "expected a list of texts");
    out.push_back(s.get<std::string>());
  }
  return out;
}
}  // namespace

Corpus read_corpus(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) fail(dir, "not a corpus folder (make one with `unipose data make`)");
  Corpus c;
  c.dir = dir;
  c.manifest = io::read_text_file(dir + "/manifest.json");
  const auto manifest = io::parse_json(c.manifest, dir + "/manifest.json");
  if (!manifest.is_object() || io::json_string(manifest, "format", "", dir + "/manifest.json") != "unipose.corpus/1")
    fail(dir + "/manifest.json", "not a unipose.corpus/1 manifest");
  check_corpus_files(dir, {"poses.npz", "captions.jsonl", "pairs.jsonl", "splits.json"});
  c.poses = pose::read_poses(dir + "/poses.npz").frames;
  const int n = static_cast<int>(c.poses.size());
  c.captions.assign(n, {});

  auto for_lines = [&](const std::string& name, auto&& fn) {
    const std::string path = dir + "/" + name;
    std::istringstream in(io::read_text_file(path));
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      const std::string where = path + " line " + std::to_string(number);
      fn(io::parse_json(line, where), where);
    }
  };
  auto index = [&](const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || !j[key].is_number_integer()) fail(where, std::string("missing '") + key + "'");
    const auto v = j[key].get<int64_t>();
    if (v < 0 || v >= n) fail(where, std::string("'") + key + "' refers to pose " + std::to_string(v) + ", the corpus has " + std::to_string(n));
    return static_cast<int>(v);
  };
  for_lines("captions.jsonl", [&](const nlohmann::json& j, const std::string& where) {
    if (!j.is_object() || !j.contains("captions")) fail(where, "expected {\"pose\": i, \"captions\": [...]}");
    c.captions[index(j, "pose", where)] = string_list(j["captions"], where);
  });
  for_lines("pairs.jsonl", [&](const nlohmann::json& j, const std::string& where) {
    if (!j.is_object() || !j.contains("instructions") || !j.contains("split") || !j["split"].is_string())
      fail(where, "expected {\"a\": i, \"b\": j, \"split\": ..., \"instructions\": [...]}");
    CorpusPair p;
    p.a = index(j, "a", where);
    p.b = index(j, "b", where);
    p.split = j["split"].get<std::string>();
    p.instructions = string_list(j["instructions"], where);
    c.pairs.push_back(std::move(p));
  });
  const std::string splits_path = dir + "/splits.json";
  const auto s = io::read_json_file(splits_path);
  if (!s.is_object()) fail(splits_path, "expected an object of splits");
  for (const auto& [name, list] : s.items()) {
    if (!list.is_array()) fail(splits_path, "split '" + name + "' is not a list");
    auto& out = c.splits[name];
    for (const auto& i : list) {
      if (!i.is_number_integer() || i.get<int64_t>() < 0 || i.get<int64_t>() >= n)
        fail(splits_path, "split '" + name + "' refers to a pose that does not exist");
      out.push_back(i.get<int>());
    }
  }
  return c;
}

}  // namespace unipose::data
