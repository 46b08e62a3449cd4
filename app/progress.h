// A terminal progress bar for long commands: stage, bar, percentage, elapsed and ETA, redrawn in place on
// a terminal; one line per stage when stderr is a file or pipe.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace unipose::app {

class ProgressBar {
 public:
  // `detail` (a loss, a rate) is shown after the bar; it does not start a new stage.
  void update(const std::string& stage, double fraction, const std::string& detail = "") {
    const auto now = std::chrono::steady_clock::now();
    if (stage != stage_) {
      if (!stage_.empty()) finish_line();
      stage_ = stage;
      stage_start_ = now;
      if (!tty_) std::fprintf(stderr, "%s...\n", stage.c_str());
    }
    if (!tty_) {  // a log file: one line every 10 seconds
      if (!detail.empty() && now - last_draw_ >= std::chrono::seconds(10)) {
        last_draw_ = now;
        std::fprintf(stderr, "  %3.0f%%  %s\n", fraction * 100, detail.c_str());
      }
      return;
    }
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - stage_start_).count();
    const double eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : -1;
    const int width = 30, filled = static_cast<int>(fraction * width);
    std::string bar(filled, '#');
    bar.append(width - filled, '.');
    std::fprintf(stderr, "\r%-24s [%s] %3.0f%%  %5.1fs  ETA %s  %s   ", stage.c_str(), bar.c_str(), fraction * 100, elapsed,
                 eta < 0 ? "--" : (std::to_string(static_cast<int>(eta)) + "s").c_str(), detail.c_str());
    std::fflush(stderr);
  }
  ~ProgressBar() {
    if (!stage_.empty()) finish_line();
  }

 private:
  void finish_line() {
    if (tty_) std::fprintf(stderr, "\r%-24s done in %.1fs%40s\n", stage_.c_str(),
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - stage_start_).count(), "");
  }
  bool tty_ = isatty(STDERR_FILENO) != 0;
  std::string stage_;
  std::chrono::steady_clock::time_point stage_start_, last_draw_;
};

}  // namespace unipose::app
