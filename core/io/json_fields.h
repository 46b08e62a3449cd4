// Typed, bounded reads of config fields: a missing field, a wrong JSON type or a value out of range is an
// error naming the file and the field, never nlohmann's internal type_error or a number wrapped into range.
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace unipose::io {

// An integer field in [lo, hi]; required.
int json_int(const nlohmann::json& j, const char* key, int lo, int hi, const std::string& where);
// An integer field in [lo, hi], or `fallback` when the field is absent.
int json_int(const nlohmann::json& j, const char* key, int fallback, int lo, int hi, const std::string& where);
// A finite number in [lo, hi], or `fallback` when the field is absent.
double json_real(const nlohmann::json& j, const char* key, double fallback, double lo, double hi, const std::string& where);
// true or false, or `fallback` when the field is absent.
bool json_bool(const nlohmann::json& j, const char* key, bool fallback, const std::string& where);
// A string field, or `fallback` when absent.
std::string json_string(const nlohmann::json& j, const char* key, const std::string& fallback, const std::string& where);

// The JSON document in `text`; malformed JSON is an error naming `where` with the parser's message
// ("malformed JSON: syntax error ... at line 3, column 2").
nlohmann::json parse_json(const std::string& text, const std::string& where);
// The JSON document in the file at `path`: read_text_file's errors, then parse_json's.
nlohmann::json read_json_file(const std::string& path);

// The message of a JSON library error without its internal tag: "[json.exception.type_error.302] type must
// be string, but is number" reads "type must be string, but is number".
std::string json_message(const std::exception& e);

}  // namespace unipose::io
