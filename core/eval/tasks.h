// Evaluation of the pose/text tasks on a corpus split, the way the UniPose paper reports them, for any
// generator: text-to-pose, pose-to-text, pose-diff (pose pair -> instruction) and pose editing (pose +
// instruction -> pose). The retrieval models (core/nn/retrieval.h) give R-precision, recall@k and FID.
//
// Inputs and references: each test pose has several captions and each test pair several instructions. The
// first is the input (text-to-pose, editing) and the ground-truth row's hypothesis (pose-to-text,
// pose-diff); text metrics use the others as references, for every model alike.
//
// Baselines until the language model exists (and as rows of every report after):
// - ground-truth: the true pose / the first true text (the ceiling of the retrieval metrics);
// - nearest-neighbour: retrieval from the training split: the training caption (TF-IDF over words and word
//   pairs) closest to the input text gives its pose; the training pose (joint positions) closest to the input
//   gives its caption; the closest training pair gives its instruction; for editing, the training instruction
//   closest to the input gives its pair, whose joint-by-joint rotation change is applied to the input pose;
// - caption-pipeline: the automatic captioner / pair-code pipeline that wrote the corpus, with another seed;
// - identity (editing): the input pose returned unchanged.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/data/corpus_reader.h"
#include "core/nn/retrieval.h"
#include "core/pose/pose.h"
#include "core/tasks.h"

namespace unipose::eval {

// The tasks evaluate_task measures (core/tasks.h names them all): text2pose, pose2text, posediff, edit.
const std::vector<Task>& evaluated_tasks();

// What a model does for each task (only the one being evaluated is needed).
struct Generator {
  std::string name;
  std::function<std::vector<pose::Pose>(const std::vector<std::string>& texts)> text_to_pose;
  std::function<std::vector<std::string>(const std::vector<pose::Pose>& poses)> pose_to_text;
  std::function<std::vector<std::string>(const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b)> pose_diff;
  std::function<std::vector<pose::Pose>(const std::vector<pose::Pose>& a, const std::vector<std::string>& texts)> edit;
  std::function<void()> reset;  // called before a run (the ground truth walks the split in order)
};

// The baselines above, built from the corpus's training split. Names: ground-truth, nearest-neighbour,
// caption-pipeline, identity. Throws for a baseline that does not apply to the task.
Generator make_baseline(const std::string& name, Task task, const data::Corpus& corpus, const std::string& split);
std::vector<std::string> baseline_names(Task task);

struct EvalOptions {
  std::string split = "test";
  int limit = 0;  // 0: every item of the split
  std::uint64_t seed = 0;
};

struct EvalReport {
  Task task = Task::TextToPose;
  std::string model;
  int items = 0;
  std::vector<std::pair<std::string, double>> metrics;  // in report order
  double seconds = 0;
  double value(const std::string& key) const;  // throws if absent
};

using EvalProgress = std::function<void(const std::string& stage, double fraction)>;

// Runs the generator over the split and measures it. `pose_text` is needed for text2pose and pose2text,
// `pair_text` for posediff and edit.
EvalReport evaluate_task(Task task, Generator& generator, const data::Corpus& corpus, nn::RetrievalModel* pose_text,
                         nn::RetrievalModel* pair_text, const EvalOptions& options, const EvalProgress& progress = {});

// What a JSON record of a run says besides the metrics (format unipose.eval/1, docs/evaluation.md).
struct EvalRecordContext {
  std::string command;             // the command line
  std::string model_dir;           // a language model bundle; empty for a baseline
  std::string pose_tokenizer_dir;  // the model's pose tokenizer; empty for a baseline
  std::string retrieval_dir;       // the retrieval model the metrics used
  std::string data_dir, split;
  int limit = 0, transfer_pairs = 0;
  std::uint64_t seed = 0;
};
// The record as JSON text: every metric, the command, the build, the models' checksums, the data manifest.
std::string eval_record_json(const EvalReport& report, const data::Corpus& corpus, const EvalRecordContext& context);

// Joint positions [N, 22, 3] (metres) of the body joints on the mannequin skeleton, root rotation kept,
// translation ignored: what MPJPE is measured on.
at::Tensor body_joints(const std::vector<pose::Pose>& poses);

}  // namespace unipose::eval
