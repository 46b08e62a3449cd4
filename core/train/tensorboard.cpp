#include "core/train/tensorboard.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>

#include "core/error.h"

namespace unipose::train {

std::uint32_t crc32c(const void* data, std::size_t size) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected Castagnoli polynomial
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t masked_crc32c(const void* data, std::size_t size) {
  const std::uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

namespace {
// Protocol buffer wire format: the few field kinds an Event needs.
void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void key(std::string& out, int field, int wire) { varint(out, (static_cast<std::uint64_t>(field) << 3) | wire); }
void bytes_field(std::string& out, int field, const std::string& b) {
  key(out, field, 2);
  varint(out, b.size());
  out += b;
}
template <typename T>
void fixed_field(std::string& out, int field, T v) {
  key(out, field, sizeof(T) == 8 ? 1 : 5);
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // little-endian hosts (x86-64, aarch64)
  out.append(buf, sizeof(T));
}
double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

EventWriter::EventWriter(const std::string& dir) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host) - 1);
  path_ = dir + "/events.out.tfevents." + std::to_string(static_cast<long long>(wall_time())) + "." + host + ".unipose";
  out_.open(path_, std::ios::binary | std::ios::app);
  if (!out_) fail(path_, "cannot write the TensorBoard event file");
  std::string e;
  fixed_field(e, 1, wall_time());         // Event.wall_time
  bytes_field(e, 3, "brain.Event:2");     // Event.file_version
  record(e);
  flush();
}

void EventWriter::scalar(const std::string& tag, std::int64_t step, double value) {
  std::string v;
  bytes_field(v, 1, tag);                             // Summary.Value.tag
  fixed_field(v, 2, static_cast<float>(value));       // Summary.Value.simple_value
  std::string summary;
  bytes_field(summary, 1, v);                         // Summary.value
  std::string e;
  fixed_field(e, 1, wall_time());                     // Event.wall_time
  key(e, 2, 0);
  varint(e, static_cast<std::uint64_t>(step));        // Event.step
  bytes_field(e, 5, summary);                         // Event.summary
  record(e);
}

void EventWriter::session_start(std::int64_t step) {
  std::string log;
  key(log, 1, 0);
  varint(log, 1);                                     // SessionLog.status = START
  std::string e;
  fixed_field(e, 1, wall_time());                     // Event.wall_time
  key(e, 2, 0);
  varint(e, static_cast<std::uint64_t>(step));        // Event.step
  bytes_field(e, 7, log);                             // Event.session_log
  record(e);
}

void EventWriter::record(const std::string& event) {
  const std::uint64_t len = event.size();
  char header[12];
  std::memcpy(header, &len, 8);
  const std::uint32_t len_crc = masked_crc32c(header, 8);
  std::memcpy(header + 8, &len_crc, 4);
  const std::uint32_t data_crc = masked_crc32c(event.data(), event.size());
  out_.write(header, 12);
  out_.write(event.data(), static_cast<std::streamsize>(event.size()));
  out_.write(reinterpret_cast<const char*>(&data_crc), 4);
}

void EventWriter::flush() {
  out_.flush();
  if (!out_) fail(path_, "writing the TensorBoard event file failed (disk full?)");
}

}  // namespace unipose::train
