// The seven UniPose tasks, named once: training, evaluation, the instruction templates, the engine and the
// command line all take them from this list. A new task starts here (docs/architecture.md).
#pragma once

#include <string>
#include <vector>

namespace unipose {

enum class Task { PoseToText, ImageToText, PoseDiff, ImageDiff, TextToPose, PoseEstimation, PoseEditing };

struct TaskInfo {
  Task task;
  std::string name;                       // on the command line: "pose2text"
  std::string template_key;               // in resources/text/instruction_templates.json: "pose_to_text"
  std::string title;                      // in words: "pose-to-text"
  std::vector<std::string> placeholders;  // what each of its request templates must contain
  bool pose_answer = false;               // the answer is a pose (text-to-pose, estimation, editing)
  bool image_input = false;               // needs the visual branch
};

// The paper's order: pose-to-text, image-to-text, pose-diff, image-diff, text-to-pose, pose estimation,
// pose editing.
const std::vector<TaskInfo>& all_tasks();
const TaskInfo& task_info(Task task);
std::string task_name(Task task);
// By its command-line name or its template key; an unknown name throws an Error that lists the names.
Task parse_task(const std::string& name);
// "pose2text, image2text, ..." (for help texts and errors), of every task or of those given.
std::string task_names(const std::vector<Task>& tasks = {});

}  // namespace unipose
