#include "core/io/json_fields.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "error_of.h"

namespace unipose::io {
namespace {

using unipose::testing::error_of;

TEST(JsonFields, IntegersAreTypedBoundedAndNeverWrapped) {
  const auto j = nlohmann::json::parse(R"({"dim": 64, "neg": -3, "real": 2.5, "text": "64", "huge": 4294967360, "giant": 18446744073709551615})");
  EXPECT_EQ(json_int(j, "dim", 8, 128, "c.json"), 64);
  EXPECT_EQ(json_int(j, "absent", 7, 1, 10, "c.json"), 7);
  EXPECT_EQ(error_of([&] { json_int(j, "absent", 1, 10, "c.json"); }), "c.json: missing 'absent'");
  EXPECT_EQ(error_of([&] { json_int(j, "neg", 1, 10, "c.json"); }), "c.json: 'neg' = -3 is out of range (1 to 10)");
  EXPECT_EQ(error_of([&] { json_int(j, "real", 1, 10, "c.json"); }), "c.json: 'real' is not a whole number");
  EXPECT_EQ(error_of([&] { json_int(j, "text", 1, 100, "c.json"); }), "c.json: 'text' is not a whole number");
  // 2^32 + 64 would read as 64 through a 32-bit int.
  EXPECT_EQ(error_of([&] { json_int(j, "huge", 8, 128, "c.json"); }), "c.json: 'huge' = 4294967360 is out of range (8 to 128)");
  EXPECT_NE(error_of([&] { json_int(j, "giant", 8, 128, "c.json"); }).find("out of range"), std::string::npos);
}

TEST(JsonFields, RealsBoolsAndStrings) {
  const auto j = nlohmann::json::parse(R"({"eps": 1e-5, "zero": 0, "big": 1e308, "flag": true, "name": "x", "num": 3})");
  EXPECT_DOUBLE_EQ(json_real(j, "eps", 1, 0, 1, "c.json"), 1e-5);
  EXPECT_DOUBLE_EQ(json_real(j, "absent", 0.5, 0, 1, "c.json"), 0.5);
  EXPECT_EQ(error_of([&] { json_real(j, "zero", 1, 2, 10, "c.json"); }), "c.json: 'zero' = 0 is out of range (2 to 10)");
  EXPECT_NE(error_of([&] { json_real(j, "big", 1, 2, 1e9, "c.json"); }).find("out of range"), std::string::npos);
  EXPECT_EQ(error_of([&] { json_real(j, "name", 1, 0, 1, "c.json"); }), "c.json: 'name' is not a number");
  EXPECT_TRUE(json_bool(j, "flag", false, "c.json"));
  EXPECT_EQ(error_of([&] { json_bool(j, "num", false, "c.json"); }), "c.json: 'num' is not true or false");
  EXPECT_EQ(json_string(j, "name", "", "c.json"), "x");
  EXPECT_EQ(json_string(j, "absent", "d", "c.json"), "d");
  EXPECT_EQ(error_of([&] { json_string(j, "num", "", "c.json"); }), "c.json: 'num' is not a string");
}

TEST(JsonFields, LibraryMessagesLoseTheirInternalTag) {
  int caught = 0;
  try {
    const auto never = nlohmann::json::parse("{\"a\": ");
    ADD_FAILURE() << never.dump();
  } catch (const nlohmann::json::exception& e) {
    ++caught;
    EXPECT_EQ(json_message(e).find("[json.exception"), std::string::npos) << json_message(e);
    EXPECT_NE(json_message(e).find("parse error"), std::string::npos) << json_message(e);
  }
  try {
    const nlohmann::json j = 5;
    (void)j.get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    ++caught;
    EXPECT_EQ(json_message(e), "type must be string, but is number");
  }
  EXPECT_EQ(caught, 2);
  EXPECT_EQ(json_message(std::runtime_error("plain")), "plain");
}

TEST(JsonFields, DocumentsParsedOrNamedWithTheProblem) {
  EXPECT_EQ(parse_json("{\"a\": [1, 2]}", "x.json")["a"][1], 2);
  const std::string bad = error_of([] { parse_json("{\"a\": [1, 2}", "x.json"); });
  EXPECT_EQ(bad.rfind("x.json: malformed JSON: ", 0), 0u) << bad;
  EXPECT_EQ(bad.find("[json.exception"), std::string::npos) << bad;
  EXPECT_NE(bad.find("column"), std::string::npos) << bad;  // says where
  EXPECT_EQ(error_of([] { read_json_file("/nonexistent/c.json"); }).rfind("/nonexistent/c.json: ", 0), 0u);
}

}  // namespace
}  // namespace unipose::io
