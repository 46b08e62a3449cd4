#include "core/io/json_fields.h"

#include <cmath>
#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/files.h"

namespace unipose::io {
namespace {

std::string quoted(const char* key) { return std::string("'") + key + "'"; }

int bounded_int(const nlohmann::json& j, const char* key, int lo, int hi, const std::string& where) {
  const auto& v = j.at(key);
  if (!v.is_number_integer()) fail(where, quoted(key) + " is not a whole number");
  // Read wide: a huge number must not wrap into the range.
  const std::int64_t n = v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX ? INT64_MAX : v.get<std::int64_t>();
  if (n < lo || n > hi)
    fail(where, quoted(key) + " = " + std::to_string(n) + " is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
  return static_cast<int>(n);
}

}  // namespace

int json_int(const nlohmann::json& j, const char* key, int lo, int hi, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) fail(where, "missing " + quoted(key));
  return bounded_int(j, key, lo, hi, where);
}

int json_int(const nlohmann::json& j, const char* key, int fallback, int lo, int hi, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return bounded_int(j, key, lo, hi, where);
}

double json_real(const nlohmann::json& j, const char* key, double fallback, double lo, double hi, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const auto& v = j.at(key);
  if (!v.is_number()) fail(where, quoted(key) + " is not a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    std::ostringstream s;
    s << quoted(key) << " = " << x << " is out of range (" << lo << " to " << hi << ")";
    fail(where, s.str());
  }
  return x;
}

bool json_bool(const nlohmann::json& j, const char* key, bool fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  if (!j.at(key).is_boolean()) fail(where, quoted(key) + " is not true or false");
  return j.at(key).get<bool>();
}

std::string json_string(const nlohmann::json& j, const char* key, const std::string& fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  if (!j.at(key).is_string()) fail(where, quoted(key) + " is not a string");
  return j.at(key).get<std::string>();
}

std::string json_message(const std::exception& e) {
  std::string m = e.what();
  if (m.rfind("[json.exception.", 0) == 0) {
    const auto end = m.find("] ");
    if (end != std::string::npos) m.erase(0, end + 2);
  }
  return m;
}

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(where, "malformed JSON: " + json_message(e));
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json(read_text_file(path), path); }

}  // namespace unipose::io
