#include "core/engine/evaluation.h"

namespace unipose::engine {

eval::Generator language_model_generator(Engine& e, const std::string& name) {
  eval::Generator g;
  g.name = name;
  g.text_to_pose = [&e](const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (const auto& t : texts) out.push_back(*e.generate(t).pose);
    return out;
  };
  g.pose_to_text = [&e](const std::vector<pose::Pose>& poses) {
    std::vector<std::string> out;
    for (const auto& p : poses) out.push_back(e.describe(p).text);
    return out;
  };
  g.pose_diff = [&e](const std::vector<pose::Pose>& a, const std::vector<pose::Pose>& b) {
    std::vector<std::string> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(e.diff(a[i], b[i]).text);
    return out;
  };
  g.edit = [&e](const std::vector<pose::Pose>& a, const std::vector<std::string>& texts) {
    std::vector<pose::Pose> out;
    for (size_t i = 0; i < a.size(); ++i) out.push_back(*e.edit(a[i], texts[i]).pose);
    return out;
  };
  return g;
}

}  // namespace unipose::engine
