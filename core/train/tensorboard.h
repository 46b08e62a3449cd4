// TensorBoard event files (what `tensorboard --logdir RUN` reads), written directly: each record is a
// serialised tensorflow.Event protocol buffer framed as length, masked CRC-32C of the length, data, masked
// CRC-32C of the data (TFRecord). Only what training logs needs: the file-version event, scalar summaries and
// the session start that purges a resumed run's orphaned steps.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace unipose::train {

// CRC-32C (Castagnoli), and TFRecord's masked form of it.
std::uint32_t crc32c(const void* data, std::size_t size);
std::uint32_t masked_crc32c(const void* data, std::size_t size);

class EventWriter {
 public:
  // Opens DIR/events.out.tfevents.<unix seconds>.<host>.unipose (a new file per run or resume; TensorBoard
  // reads every file of the folder) and writes the file-version record.
  explicit EventWriter(const std::string& dir);
  void scalar(const std::string& tag, std::int64_t step, double value);
  // A SessionLog START event at `step`: TensorBoard then drops what earlier files logged at this step or
  // later (a run resumed from a checkpoint redoes those steps).
  void session_start(std::int64_t step);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void record(const std::string& event);
  std::string path_;
  std::ofstream out_;
};

}  // namespace unipose::train
