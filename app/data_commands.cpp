// unipose data make | caption
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/progress.h"
#include "core/data/corpus.h"
#include "core/data/render.h"
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
  auto images = std::make_shared<data::ImageSetOptions>();
  images->count = 0;
  make->add_option("--images", images->count, "Also render this many images of the corpus's poses (images/, images.jsonl, image_pairs.jsonl)")
      ->check(CLI::Range(0, 10000000));
  make->add_option("--image-size", images->size, "Rendered picture side in pixels")->check(CLI::Range(64, 1024));
  auto render = [images](const std::string& dir) {
    ProgressBar bar;
    const int pairs = data::render_corpus_images(dir, *images, [&bar](double f) { bar.update("rendering images", f); });
    bar.update("rendering images", 1.0);
    std::fprintf(stderr, "\n");
    std::printf("wrote %zu images of %d x %d pixels and %d image pairs into %s/images\n", data::read_rendered_images(dir).size(), images->size, images->size,
                pairs, dir.c_str());
  };
  make->callback([o, out, images, render] {
    ProgressBar bar;
    const auto s = data::make_corpus(*out, *o, [&bar](const std::string& stage, double f) { bar.update(stage, f); });
    std::printf("wrote %s: %d poses (%d from BVH), %d captions, %d pairs, %d instructions in %.1f s\n", out->c_str(), s.poses,
                s.from_bvh, s.captions, s.pairs, s.instructions, s.seconds);
    if (images->count > 0) {
      images->seed = o->seed;
      render(*out);
    }
  });
  auto image_dir = std::make_shared<std::string>();
  auto* img = data->add_subcommand("images", "Render images of an existing corpus's poses (as data make --images)");
  img->add_option("--data", *image_dir, "Corpus folder")->required();
  img->add_option("--images", images->count, "Number of images")->required()->check(CLI::Range(1, 10000000));
  img->add_option("--image-size", images->size, "Picture side in pixels")->check(CLI::Range(64, 1024));
  img->add_option("--seed", images->seed, "Random seed (the images are deterministic for a seed)");
  img->add_option("--split", images->split, "Only this split's poses (default: all)")->check(CLI::IsMember({"train", "val", "test"}));
  img->add_flag("--small-people", images->small_people, "Small people anywhere in the picture (the body fills 12 to 35 % of it), as far from "
                                                        "the camera in a street or a crowd");
  img->callback([image_dir, render] { render(*image_dir); });

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
  caption->add_option("--frame", c->frame, "Frame of a multi-pose file (0-based)")->check(kNonNegative);
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
