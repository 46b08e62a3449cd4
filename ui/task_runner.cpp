#include "ui/task_runner.h"

#include <QCoreApplication>
#include <QEventLoop>

namespace unipose::ui {

TaskRunner::TaskRunner(QObject* parent) : QObject(parent) {
  worker_ = new QObject;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.setObjectName("unipose-worker");
  thread_.start();
}

TaskRunner::~TaskRunner() {
  if (current_) current_->cancel();
  thread_.quit();
  thread_.wait();
}

bool TaskRunner::start(const QString& title, std::function<void(TaskContext&)> work, std::function<void()> done) {
  if (current_) return false;
  auto context = std::make_shared<TaskContext>();
  current_ = context;
  Q_EMIT started(title);
  QMetaObject::invokeMethod(worker_, [this, title, context, work = std::move(work), done = std::move(done)] {
    QString error;
    try {
      work(*context);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
      if (error.isEmpty()) error = "unknown error";
    } catch (...) {
      error = "unknown error";
    }
    QMetaObject::invokeMethod(this, [this, title, context, error, done] {
      current_.reset();
      if (context->cancelled()) {
        Q_EMIT cancelled(title);
      } else if (!error.isEmpty()) {
        Q_EMIT failed(title, error);
      } else {
        if (done) done();
        Q_EMIT finished(title);
      }
    }, Qt::QueuedConnection);
  }, Qt::QueuedConnection);
  return true;
}

void TaskRunner::cancel() {
  if (current_) current_->cancel();
}

void TaskRunner::wait_idle() {
  while (current_) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

}  // namespace unipose::ui
