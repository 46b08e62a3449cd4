#include "ui/engine_service.h"

#include "core/engine/engine.h"

namespace unipose::ui {

EngineService::EngineService(std::string language_model_dir, std::string pose_tokenizer_dir)
    : language_model_dir_(std::move(language_model_dir)), pose_tokenizer_dir_(std::move(pose_tokenizer_dir)) {}

EngineService::~EngineService() = default;

engine::Engine& EngineService::engine() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!engine_) {
    const std::string model = language_model_dir_.empty() ? engine::Engine::default_language_model() : language_model_dir_;
    engine_ = std::make_unique<engine::Engine>(model, pose_tokenizer_dir_.empty() ? engine::Engine::pose_tokenizer_of(model) : pose_tokenizer_dir_);
  }
  return *engine_;
}

bool EngineService::loaded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return engine_ != nullptr;
}

}  // namespace unipose::ui
