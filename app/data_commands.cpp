// unipose data make | caption
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/progress.h"
#include "core/data/corpus.h"
#include "core/error.h"
#include "core/pose/pose_io.h"
#include "core/text/captioner.h"
#include "core/text/paircodes.h"

namespace unipose::app {

void add_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Training data: generate the pose-language corpus");
  data->require_subcommand(1);
  auto o = std::make_shared<data::CorpusOptions>();
  auto out = std::make_shared<std::string>();
  auto* make = data->add_subcommand("make", "Generate poses, captions, pairs with instructions and splits into a folder");
  make->add_option("--out", *out, "Folder to write (created if needed)")->required();
  make->add_option("--poses", o->poses, "Number of poses")->check(CLI::Range(2, 10000000));
  make->add_option("--pairs", o->pairs, "Number of pose pairs with instructions")->check(CLI::Range(0, 10000000));
  make->add_option("--seed", o->seed, "Random seed (the corpus is deterministic for a seed)");
  make->add_option("--captions-per-pose", o->captions_per_pose, "Captions per pose")->check(CLI::Range(1, 20));
  make->add_option("--instructions-per-pair", o->instructions_per_pair, "Instructions per pair")->check(CLI::Range(1, 20));
  make->add_option("--bvh", o->bvh_files, "BVH clips to include (default: Debian's CMU clips when installed)");
  make->callback([o, out] {
    ProgressBar bar;
    const auto s = data::make_corpus(*out, *o, [&bar](const std::string& stage, double f) { bar.update(stage, f); });
    std::printf("wrote %s: %d poses (%d from BVH), %d captions, %d pairs, %d instructions in %.1f s\n", out->c_str(), s.poses,
                s.from_bvh, s.captions, s.pairs, s.instructions, s.seconds);
  });

  struct CaptionOptions {
    std::string pose, pose_a, pose_b;
    std::uint64_t seed = 1;
    int count = 1;
    int frame = -1;
  };
  auto c = std::make_shared<CaptionOptions>();
  auto* caption = app.add_subcommand("caption", "Describe a pose in words, or say how to go from pose A to pose B");
  caption->add_option("--pose", c->pose, "Pose file to describe");
  caption->add_option("--pose-a", c->pose_a, "Starting pose (with --pose-b: instructions from A to B)");
  caption->add_option("--pose-b", c->pose_b, "Target pose");
  caption->add_option("--seed", c->seed, "Random seed (same seed, same text)");
  caption->add_option("-n,--count", c->count, "Number of different texts")->check(CLI::Range(1, 50));
  caption->add_option("--frame", c->frame, "Frame of a multi-pose file (0-based)")->check(CLI::NonNegativeNumber);
  caption->callback([c] {
    const std::optional<int> frame = c->frame >= 0 ? std::optional<int>(c->frame) : std::nullopt;
    if (!c->pose.empty() && c->pose_a.empty() && c->pose_b.empty()) {
      for (const auto& t : text::describe_pose(pose::read_pose(c->pose, frame), c->seed, c->count)) std::cout << t << "\n";
    } else if (c->pose.empty() && !c->pose_a.empty() && !c->pose_b.empty()) {
      const auto a = pose::read_pose(c->pose_a, frame), b = pose::read_pose(c->pose_b, frame);
      for (const auto& t : text::instruct(a, b, c->seed, c->count, 4)) std::cout << t << "\n";
    } else {
      throw Error("give either --pose FILE, or --pose-a FILE and --pose-b FILE");
    }
  });
}

}  // namespace unipose::app
