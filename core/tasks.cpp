#include "core/tasks.h"

#include "core/error.h"

namespace unipose {

const std::vector<TaskInfo>& all_tasks() {
  static const std::vector<TaskInfo> tasks = {
      {Task::PoseToText, "pose2text", "pose_to_text", "pose-to-text", {"<pose>"}, false, false},
      {Task::ImageToText, "image2text", "image_to_text", "image-to-text", {"<image>"}, false, true},
      {Task::PoseDiff, "posediff", "pose_diff", "pose-diff", {"<pose_a>", "<pose_b>"}, false, false},
      {Task::ImageDiff, "imagediff", "image_diff", "image-diff", {"<image_a>", "<image_b>"}, false, true},
      {Task::TextToPose, "text2pose", "text_to_pose", "text-to-pose", {"<text>"}, true, false},
      {Task::PoseEstimation, "image2pose", "pose_estimation", "pose estimation", {"<image>"}, true, true},
      {Task::PoseEditing, "edit", "pose_editing", "pose editing", {"<pose>", "<text>"}, true, false},
  };
  return tasks;
}

const TaskInfo& task_info(Task task) {
  for (const auto& t : all_tasks())
    if (t.task == task) return t;
  throw Error("unknown task number " + std::to_string(static_cast<int>(task)));
}

std::string task_name(Task task) { return task_info(task).name; }

std::string task_names(const std::vector<Task>& tasks) {
  std::string out;
  for (const auto& t : all_tasks()) {
    bool listed = tasks.empty();
    for (const Task k : tasks) listed = listed || k == t.task;
    if (listed) out += (out.empty() ? "" : ", ") + t.name;
  }
  return out;
}

Task parse_task(const std::string& name) {
  for (const auto& t : all_tasks())
    if (t.name == name || t.template_key == name) return t.task;
  throw Error("unknown task '" + name + "' (" + task_names() + ")");
}

}  // namespace unipose
