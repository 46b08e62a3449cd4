// The language-model engine, one for the whole window: the Words panel and the Coach window both use it. It
// loads on first use (a second or two), on the worker thread that runs the model calls, and stays loaded; a
// failed load is reported and tried again next time.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace unipose::engine {
class Engine;
}

namespace unipose::ui {

class EngineService {
 public:
  // Empty folders: the shipped models (engine::Engine::default_language_model(), read at load time).
  explicit EngineService(std::string language_model_dir = "", std::string pose_tokenizer_dir = "");
  ~EngineService();
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  // The engine, loaded if needed (throws unipose::Error naming the folder when the models cannot be read).
  // Call it from work running on the TaskRunner: loading takes a while.
  engine::Engine& engine();
  bool loaded() const;

 private:
  mutable std::mutex mutex_;
  std::string language_model_dir_, pose_tokenizer_dir_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace unipose::ui
