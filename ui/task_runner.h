// Runs long work (file loading, mesh export, and later every model call) on one worker thread so that the
// window never freezes; reports progress and supports cancelling. Results come back on the GUI thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <QObject>
#include <QString>
#include <QThread>

namespace unipose::ui {

// What a running task sees: report progress (0..1) and check whether the user cancelled.
class TaskContext {
 public:
  void set_progress(double fraction) { progress_ = fraction; }
  double progress() const { return progress_; }
  bool cancelled() const { return cancelled_; }
  void cancel() { cancelled_ = true; }

 private:
  std::atomic<double> progress_{-1};  // < 0: unknown (busy indicator)
  std::atomic<bool> cancelled_{false};
};

class TaskRunner : public QObject {
  Q_OBJECT

 public:
  explicit TaskRunner(QObject* parent = nullptr);
  ~TaskRunner() override;

  // Starts `work` (TaskContext& -> R) on the worker thread. `done` runs on the GUI thread with its result
  // (an R, or nothing when R is void) unless the task was cancelled or threw; a thrown exception is reported
  // through failed(). Returns false (and runs nothing) while another task is running.
  template <typename Work, typename Done>
  bool run(const QString& title, Work work, Done done) {
    using R = std::invoke_result_t<Work&, TaskContext&>;
    if constexpr (std::is_void_v<R>) {
      return start(title, [work = std::move(work)](TaskContext& c) mutable { work(c); }, [done = std::move(done)]() mutable { done(); });
    } else {
      auto result = std::make_shared<std::optional<R>>();
      return start(title, [work = std::move(work), result](TaskContext& c) mutable { result->emplace(work(c)); },
                   [done = std::move(done), result]() mutable { done(std::move(**result)); });
    }
  }
  bool busy() const { return static_cast<bool>(current_); }
  void cancel();
  // Current task's progress, 0..1, or < 0 when unknown.
  double progress() const { return current_ ? current_->progress() : -1; }
  // Blocks (processing events) until the current task has finished; for tests and shutdown.
  void wait_idle();

 Q_SIGNALS:
  void started(const QString& title);
  void finished(const QString& title);
  void failed(const QString& title, const QString& message);
  void cancelled(const QString& title);

 private:
  bool start(const QString& title, std::function<void(TaskContext&)> work, std::function<void()> done);

  QThread thread_;
  QObject* worker_ = nullptr;  // lives in thread_
  std::shared_ptr<TaskContext> current_;
};

}  // namespace unipose::ui
